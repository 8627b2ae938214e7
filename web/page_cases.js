// page_cases.js - incident reporting: the case form with screen captures (/report), the
// list of cases (/cases), the case page with timeline, stages, deadlines, filing forms and
// signed receipts (/cases/ID), and the regulator's view (/regulator).
import { t } from './i18n.js';
import {
  h, clear, api, field, alertBox, showError, showOk, tlpBadge, timeEl, timeLeft, section, title,
  link, table, download, TLPS, ApiError,
} from './ui.js';

const WRITERS = ['reporter', 'analyst', 'org-admin', 'admin'];
const SEVERITIES = ['low', 'medium', 'high', 'critical'];
const RISKS = ['none', 'low', 'medium', 'high', 'critical'];
const ACCEPT = 'image/png,image/jpeg,application/pdf,text/plain';

// datetime-local value (reader's zone) -> RFC 3339 UTC, or undefined when empty.
function toUtc(v) {
  if (!v) return undefined;
  const d = new Date(v);
  return isNaN(d) ? v : d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
function localNow() {
  const d = new Date(Date.now() - new Date().getTimezoneOffset() * 60000);
  return d.toISOString().slice(0, 16);
}

// ---- the case form ----

function captureZone() {
  const files = [];
  const list = h('ul.previews', { 'aria-live': 'polite' });
  const input = h('input', { type: 'file', id: 'captures', multiple: true, accept: ACCEPT });
  const zone = h('div.dropzone', {},
    h('label', { for: 'captures' }, t('report.captures')),
    h('p.hint', { id: 'captures-hint' }, t('report.captures.hint')), input, list);
  input.setAttribute('aria-describedby', 'captures-hint');
  function render() {
    clear(list, files.map((f, i) => {
      const rm = h('button.link', { type: 'button', 'aria-label': t('report.remove', { name: f.name }) }, t('remove'));
      rm.addEventListener('click', () => { URL.revokeObjectURL(f.url); files.splice(i, 1); render(); });
      return h('li', {}, f.type.startsWith('image/') ? h('img', { src: f.url, alt: t('report.preview', { name: f.name }) }) : null,
        h('span', {}, f.name, ` (${Math.ceil(f.size / 1024)} KiB)`), ' ', rm);
    }));
  }
  function add(fileList) {
    for (const f of fileList) { f.url = URL.createObjectURL(f); files.push(f); }
    render();
  }
  input.addEventListener('change', () => { add(input.files); input.value = ''; });
  zone.addEventListener('dragover', ev => { ev.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', ev => { ev.preventDefault(); zone.classList.remove('over'); add(ev.dataTransfer.files); });
  return { zone, files };
}

export async function report(main, { me }) {
  title(t('report.title'));
  if (!WRITERS.includes(me.role)) {
    clear(main, h('h1', {}, t('report.title')), h('p', {}, t('report.norole')));
    return;
  }
  const err = alertBox();
  let taxonomy = { classes: [] }, regimes = [], regulators = [];
  try {
    [taxonomy, { regimes }] = await Promise.all([api('GET', '/api/v1/taxonomy/rsit'), api('GET', '/api/v1/regimes')]);
  } catch (e) { showError(err, e); }
  try {
    regulators = (await api('GET', '/api/v1/orgs')).orgs.filter(o => o.type === 'regulator').map(o => o.slug);
  } catch (e) { /* only administrators list organisations: the recipient is then typed */ }

  const f = {
    title: field(t('case.title'), 'input', { type: 'text', required: true, maxlength: 500 }),
    description: field(t('case.description'), 'textarea', { required: true, rows: 5, 'data-hint': t('case.description.hint') }),
    discovered: field(t('case.discovered'), 'input', { type: 'datetime-local', required: true, value: localNow() }),
    aware: field(t('case.aware'), 'input', { type: 'datetime-local', 'data-hint': t('case.aware.hint') }),
    occurred: field(t('case.occurred'), 'input', { type: 'datetime-local' }),
    location: field(t('case.location'), 'input', { type: 'text', maxlength: 2000, 'data-hint': t('case.location.hint') }),
    services: field(t('case.services'), 'input', { type: 'text', 'data-hint': t('case.services.hint') }),
    category: field(t('case.category'), 'select', { required: true }, [['', t('choose')], ...taxonomy.classes.map(c => [c.value, c.title])]),
    type: field(t('case.type'), 'select', { required: true }, [['', t('choose.category.first')]]),
    severity: field(t('case.severity'), 'select', { required: true }, SEVERITIES.map(s => [s, t('sev.' + s)])),
    risk: field(t('case.revenue_risk'), 'select', { required: true, 'data-hint': t('case.revenue_risk.hint') }, RISKS.map(s => [s, t('risk.' + s)])),
    tlp: field(t('case.tlp'), 'select', { required: true, 'data-hint': t('case.tlp.hint') }, TLPS.map(l => [l, 'TLP:' + l.toUpperCase()])),
  };
  f.severity.control.value = 'medium';
  f.tlp.control.value = 'amber';
  f.category.control.addEventListener('change', () => {
    const cls = taxonomy.classes.find(c => c.value === f.category.control.value);
    clear(f.type.control, h('option', { value: '' }, cls ? t('choose') : t('choose.category.first')),
      (cls?.types || []).map(ty => h('option', { value: ty.value }, ty.title)));
  });
  const orgType = me.org.type;
  const applicable = regimes.filter(r => r.applies_to.includes(orgType));
  const regimeRows = applicable.map(r => {
    const cb = h('input', { type: 'checkbox', id: 'rg-' + r.id, value: r.id });
    if (r.mandatory) cb.checked = true;
    const rec = field(t('report.recipient'), 'input', { type: 'text', list: 'regulators', id: 'rc-' + r.id, value: regulators[0] || '', 'data-hint': r.recipient });
    return { r, cb, rec, el: h('div.regime', {}, h('div.check', {}, cb, h('label', { for: 'rg-' + r.id }, r.title,
      r.status === 'draft' ? h('span.badge', {}, ' ', t('regime.draft')) : null)), rec.wrap) };
  });
  const captures = captureZone();
  const submit = h('button.primary', { type: 'submit' }, t('report.submit'));
  const progress = h('p.muted', { 'aria-live': 'polite' });
  const form = h('form.card', { novalidate: true },
    err,
    h('fieldset', {}, h('legend', {}, t('report.what')), f.title.wrap, f.description.wrap, f.category.wrap, f.type.wrap),
    h('fieldset', {}, h('legend', {}, t('report.when')), f.discovered.wrap, f.aware.wrap, f.occurred.wrap),
    h('fieldset', {}, h('legend', {}, t('report.where')), f.location.wrap, f.services.wrap),
    h('fieldset', {}, h('legend', {}, t('report.impact')), f.severity.wrap, f.risk.wrap, f.tlp.wrap),
    h('fieldset', {}, h('legend', {}, t('report.regimes')),
      regimeRows.length ? regimeRows.map(x => x.el) : h('p.muted', {}, t('report.noregimes'))),
    h('datalist', { id: 'regulators' }, regulators.map(s => h('option', { value: s }))),
    h('fieldset', {}, h('legend', {}, t('report.files')), captures.zone),
    submit, progress);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    const missing = [f.title, f.description, f.discovered, f.category, f.type].find(x => !x.control.value);
    if (missing) {
      showError(err, new ApiError(400, '', t('report.missing', { name: missing.wrap.querySelector('label').firstChild.textContent })));
      missing.control.focus();
      return;
    }
    const chosen = regimeRows.filter(x => x.cb.checked);
    if (!chosen.length) { showError(err, new ApiError(400, '', t('report.pickregime'))); return; }
    const body = {
      title: f.title.control.value.trim(), description: f.description.control.value,
      discovered_at: toUtc(f.discovered.control.value), aware_at: toUtc(f.aware.control.value),
      occurred_at: toUtc(f.occurred.control.value),
      location: f.location.control.value || undefined,
      services: f.services.control.value.split(',').map(s => s.trim()).filter(Boolean),
      category: f.category.control.value, type: f.type.control.value,
      severity: f.severity.control.value, revenue_risk: f.risk.control.value, tlp: f.tlp.control.value,
      regimes: chosen.map(x => ({ regime: x.r.id, recipient: x.rec.control.value.trim() })),
    };
    submit.disabled = true;
    let created;
    try {
      created = await api('POST', '/api/v1/cases', body);
    } catch (e) {
      showError(err, e);
      submit.disabled = false;
      return;
    }
    for (const [i, file] of captures.files.entries()) {
      progress.textContent = t('report.uploading', { n: i + 1, total: captures.files.length, name: file.name });
      try {
        await api('POST', `/api/v1/cases/${created.id}/attachments?filename=${encodeURIComponent(file.name)}`,
          file, { type: file.type || 'application/octet-stream' });
      } catch (e) {
        showError(err, new ApiError(e.status, e.title, t('report.uploadfailed', { name: file.name }) + ' ' + e.description));
        submit.disabled = false;
        progress.append(' ', link(`/cases/${created.id}`, t('report.opencase')));
        return;
      }
    }
    location.assign(`/cases/${created.id}?new=1`);
  });
  clear(main, h('h1', {}, t('report.title')), h('p', {}, t('report.intro')), form);
}

// ---- the list ----

export async function list(main, { me }) {
  title(t('cases.title'));
  const err = alertBox();
  clear(main, h('h1', {}, t('cases.title')), err);
  try {
    const { cases } = await api('GET', '/api/v1/cases');
    main.append(cases.length ? table(
      [t('case.id'), t('case.title'), t('case.status'), t('case.severity'), t('case.category'), 'TLP', t('case.reporter'), t('case.discovered')],
      cases.map(c => [link(`/cases/${c.id}`, c.case_id), c.title, t('status.' + c.status), t('sev.' + c.severity), `${c.category} / ${c.type}`,
        tlpBadge(c.tlp), c.reporter_org, timeEl(c.discovered_at)]), t('cases.title')) : h('p.muted', {}, t('cases.none')));
    if (WRITERS.includes(me.role)) main.append(h('p', {}, link('/report', t('nav.report'))));
  } catch (e) { showError(err, e); }
}

// ---- receipts ----

function canonical(v) {
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
  if (v && typeof v === 'object') return '{' + Object.keys(v).sort().map(k => JSON.stringify(k) + ':' + canonical(v[k])).join(',') + '}';
  return JSON.stringify(v);
}
const hex = s => new Uint8Array(s.match(/../g).map(x => parseInt(x, 16)));

// Checks the receipt's Ed25519 signature with the hub's public key, in the browser.
async function verifyReceipt(doc) {
  const key = await api('GET', '/api/v1/receipts/key');
  if (!crypto.subtle) throw new Error(t('receipt.nocrypto'));
  const k = await crypto.subtle.importKey('raw', hex(key.public_key), { name: 'Ed25519' }, false, ['verify']);
  return crypto.subtle.verify({ name: 'Ed25519' }, k, hex(doc.signature.value), new TextEncoder().encode(canonical(doc.receipt)));
}

function receiptView(doc, name) {
  const r = doc.receipt;
  const out = h('p.verify', { 'aria-live': 'polite' });
  const dl = h('button', { type: 'button' }, t('receipt.download'));
  dl.addEventListener('click', () => download(name, JSON.stringify(doc, null, 2) + '\n'));
  const vb = h('button', { type: 'button' }, t('receipt.verify'));
  vb.addEventListener('click', async () => {
    out.textContent = t('receipt.checking');
    try {
      const ok = await verifyReceipt(doc);
      out.className = ok ? 'verify good' : 'verify bad';
      out.textContent = ok ? t('receipt.valid', { key: doc.signature.key_id }) : t('receipt.invalid');
    } catch (e) {
      out.className = 'verify bad';
      out.textContent = t('receipt.cannot') + ' ' + (e.description || e.message);
    }
  });
  return h('div.receipt', {},
    h('dl', {},
      h('dt', {}, t('receipt.filing')), h('dd', {}, r.filing_id),
      h('dt', {}, t('receipt.filed')), h('dd', {}, timeEl(r.filed_at)),
      h('dt', {}, t('receipt.due')), h('dd', {}, r.due_at ? timeEl(r.due_at) : '-'),
      h('dt', {}, t('receipt.ontime')), h('dd', {}, r.on_time ? t('yes') : t('receipt.late', { s: r.late_by_seconds })),
      h('dt', {}, t('receipt.hash')), h('dd.mono', {}, r.content_sha256),
      h('dt', {}, t('receipt.signature')), h('dd.mono', {}, `Ed25519 ${doc.signature.key_id}`)),
    h('div.actions', {}, dl, ' ', vb), out);
}

// ---- the case page ----

function fillingForm(c, regime, stageDef, dl, reload) {
  const err = alertBox();
  const inputs = stageDef.required_fields.map(name =>
    [name, field(t('field.' + name, {}, name[0].toUpperCase() + name.slice(1).replace(/_/g, ' ')), 'textarea', { rows: 2, required: true })]);
  const submit = h('button.primary', { type: 'submit' }, t('file.submit', { stage: stageDef.title }));
  const result = h('div');
  const form = h('form.filing', { novalidate: true, 'aria-label': t('file.form', { stage: stageDef.title }) },
    err, inputs.map(([, x]) => x.wrap), submit, result);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    const empty = inputs.find(([, x]) => !x.control.value.trim());
    if (empty) { showError(err, new ApiError(400, '', t('file.missing'))); empty[1].control.focus(); return; }
    submit.disabled = true;
    try {
      const content = Object.fromEntries(inputs.map(([n, x]) => [n, x.control.value]));
      const doc = await api('POST', `/api/v1/cases/${c.id}/filings`, { regime: regime.regime, stage: dl.stage, content });
      err.hidden = true;
      clear(result, h('div.alert.ok', { role: 'status' }, h('p', {}, h('strong', {}, t('file.done')))),
        receiptView(doc, `receipt-${doc.receipt.case_id}-${doc.receipt.filing_id}.json`));
      for (const x of inputs) x[1].control.disabled = true;
      submit.hidden = true;
      const again = h('button', { type: 'button' }, t('file.reload'));
      again.addEventListener('click', reload);
      result.append(again);
    } catch (e) {
      showError(err, e);
      submit.disabled = false;
    }
  });
  return form;
}

function regulatorForms(c, regime, dl, stageDef, reload) {
  const forms = [];
  if (stageDef.limit_unit === 'per-case' && dl.state !== 'filed-on-time' && dl.state !== 'filed-late') {
    const err = alertBox();
    const unit = field(t('limit.unit'), 'select', {}, [['hours', t('limit.hours')], ['days', t('limit.days')], ['months', t('limit.months')]]);
    const value = field(t('limit.value'), 'input', { type: 'number', min: 1, max: 1000, value: 30 });
    unit.control.value = 'days';
    const b = h('button', { type: 'submit' }, t('limit.set'));
    const f = h('form.inline', { 'aria-label': t('limit.form', { stage: stageDef.title }) }, err, unit.wrap, value.wrap, b);
    f.addEventListener('submit', async ev => {
      ev.preventDefault();
      try {
        await api('POST', `/api/v1/cases/${c.id}/limits`, { regime: regime.regime, stage: dl.stage, unit: unit.control.value, value: Number(value.control.value) });
        reload();
      } catch (e) { showError(err, e); }
    });
    forms.push(f);
  }
  if (stageDef.trigger === 'request') {
    const err = alertBox();
    const note = field(t('request.note'), 'input', { type: 'text', maxlength: 1000 });
    const b = h('button', { type: 'submit' }, t('request.send', { stage: stageDef.title }));
    const f = h('form.inline', { 'aria-label': t('request.form', { stage: stageDef.title }) }, err, note.wrap, b);
    f.addEventListener('submit', async ev => {
      ev.preventDefault();
      try {
        await api('POST', `/api/v1/cases/${c.id}/requests`, { regime: regime.regime, stage: dl.stage, note: note.control.value || undefined });
        reload();
      } catch (e) { showError(err, e); }
    });
    forms.push(f);
  }
  return forms;
}

// A time of the case JSON: RFC 3339 text, or microseconds since 1970 (some members).
const iso = v => typeof v === 'number' ? new Date(v / 1000).toISOString() : v;

function timeline(c) {
  const ev = [];
  for (const m of c.moves || []) ev.push([m.at, t('tl.move', { to: t('status.' + m.to), by: m.by })]);
  for (const f of c.filings || []) ev.push([f.filed_at, t('tl.filing', { stage: f.stage, regime: f.regime, by: f.filed_by })]);
  for (const r of c.requests || []) ev.push([iso(r.requested_at || r.at || r.created_at), t('tl.request', { stage: r.stage })]);
  for (const a of c.attachments || []) ev.push([iso(a.added_at || a.created_at || c.created_at), t('tl.attach', { name: a.filename })]);
  ev.push([c.discovered_at, t('tl.discovered')]);
  ev.sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  return h('ol.timeline', {}, ev.map(([at, what]) => h('li', {}, timeEl(at), ' ', what)));
}

export async function casePage(main, { me, args, params }) {
  const id = args[0];
  const err = alertBox();
  clear(main, err);
  let c, regimes;
  try {
    [c, { regimes }] = await Promise.all([api('GET', `/api/v1/cases/${id}`), api('GET', '/api/v1/regimes')]);
  } catch (e) {
    title(t('case.notfound'));
    clear(main, h('h1', {}, t('case.notfound')), err);
    showError(err, e);
    return;
  }
  title(c.title);
  const reload = () => casePage(main, { me, args, params: new URLSearchParams() });
  const mine = me.org.slug === c.reporter_org && WRITERS.includes(me.role);
  const regulator = me.role === 'regulator';
  let nowMs = Date.now();
  // the hub's "now" (its test clock in tests): from the deadlines (members) or compliance (regulators)
  for (const path of ['/api/v1/deadlines', '/api/v1/compliance']) {
    try {
      const d = await api('GET', path, undefined, { noRedirect: true });
      if (d.now) { nowMs = new Date(d.now).getTime(); break; }
    } catch (e) { /* not for this role: try the next, else the browser's clock */ }
  }

  const stages = c.regimes.map(rg => {
    const def = regimes.find(r => r.id === rg.regime) || { stages: [] };
    return h('section.card.regime-card', {},
      h('h3', {}, rg.title), h('p.muted', {}, t('case.recipient'), ' ', rg.recipient),
      h('ol.stages', {}, rg.deadlines.map(dl => {
        const sd = def.stages.find(s => s.id === dl.stage) || { required_fields: [], title: dl.title };
        const filed = (c.filings || []).filter(f => f.regime === rg.regime && f.stage === dl.stage);
        const canFile = mine && ['open', 'due-soon', 'overdue'].includes(dl.state);
        return h(`li.stage.state-${dl.state}`, { 'data-stage': dl.stage },
          h('h4', {}, dl.title), h('p', {}, h('span.state', {}, t('state.' + dl.state)),
            dl.due_at ? [' · ', t('due'), ' ', timeEl(dl.due_at), ['open', 'due-soon', 'overdue'].includes(dl.state) ? [' · ', h('span.left', {}, timeLeft(dl.due_at, nowMs))] : null] : null,
            dl.waiting_for ? [' · ', h('span.muted', {}, dl.waiting_for)] : null,
            dl.citation ? [' · ', h('span.muted', {}, dl.citation)] : null),
          filed.map(f => h('details.filed', {}, h('summary', {}, t('file.filed', { id: f.id, by: f.filed_by }), ' ', timeEl(f.filed_at)),
            f.receipt ? receiptView(f.receipt, `receipt-${c.case_id}-${f.id}.json`) : null)),
          canFile ? fillingForm(c, rg, sd, dl, reload) : null,
          regulator ? regulatorForms(c, rg, dl, sd, reload) : null);
      })));
  });

  const atts = (c.attachments || []).map(a => {
    const url = `/api/v1/cases/${c.id}/attachments/${a.id}`;
    return h('li', {}, (a.media_type || '').startsWith('image/') ? h('a', { href: url }, h('img.capture', { src: url, alt: t('case.capture', { name: a.filename }) })) : null,
      h('a', { href: url }, a.filename), ` (${a.media_type || ''})`);
  });

  let statusCtl = null;
  if (mine && c.status !== 'closed') {
    const next = ['open', 'contained', 'closed'].filter(s => ['new', 'open', 'contained', 'closed'].indexOf(s) > ['new', 'open', 'contained', 'closed'].indexOf(c.status));
    const sel = field(t('case.move'), 'select', {}, next.map(s => [s, t('status.' + s)]));
    const serr = alertBox();
    const b = h('button', { type: 'submit' }, t('case.move.submit'));
    statusCtl = h('form.inline', {}, serr, sel.wrap, b);
    statusCtl.addEventListener('submit', async ev => {
      ev.preventDefault();
      try { await api('POST', `/api/v1/cases/${c.id}/status`, { status: sel.control.value }); reload(); } catch (e) { showError(serr, e); }
    });
  }

  clear(main,
    params.get('new') ? h('div.alert.ok', { role: 'status' }, t('report.created', { id: c.case_id })) : null,
    h('h1', {}, c.title, ' ', tlpBadge(c.tlp)),
    h('div.grid', {},
      section(t('case.details'), h('dl.details', {},
        h('dt', {}, t('case.id')), h('dd', {}, c.case_id),
        h('dt', {}, t('case.status')), h('dd', {}, t('status.' + c.status)),
        h('dt', {}, t('case.category')), h('dd', {}, `${c.category} / ${c.type}`),
        h('dt', {}, t('case.severity')), h('dd', {}, t('sev.' + c.severity)),
        h('dt', {}, t('case.revenue_risk')), h('dd', {}, t('risk.' + c.revenue_risk)),
        h('dt', {}, t('case.reporter')), h('dd', {}, `${c.reporter} (${c.reporter_org})`),
        h('dt', {}, t('case.discovered')), h('dd', {}, timeEl(c.discovered_at)),
        h('dt', {}, t('case.aware')), h('dd', {}, timeEl(c.aware_at)),
        h('dt', {}, t('case.location')), h('dd', {}, c.location || '-'),
        h('dt', {}, t('case.services')), h('dd', {}, (c.services || []).join(', ') || '-')),
        h('h3', {}, t('case.description')), h('p.pre', {}, c.description), statusCtl),
      section(t('case.timeline'), timeline(c))),
    section(t('case.captures'), atts.length ? h('ul.captures', {}, atts) : h('p.muted', {}, t('case.nocaptures'))),
    h('h2', {}, t('case.stages')), stages);
}

// ---- the regulator's view ----

export async function regulator(main, { me }) {
  title(t('reg.title'));
  const err = alertBox();
  clear(main, h('h1', {}, t('reg.title')), err);
  if (me.role !== 'regulator') { main.append(h('p', {}, t('reg.norole'))); return; }
  try {
    const [comp, { cases }] = await Promise.all([api('GET', '/api/v1/compliance'), api('GET', '/api/v1/cases')]);
    const nowMs = comp.now ? new Date(comp.now).getTime() : Date.now();
    main.append(section(t('reg.compliance'), comp.providers.length ? table(
      [t('reg.provider'), t('reg.cases'), t('reg.ontime'), t('reg.late'), t('reg.open'), t('reg.waiting'), t('reg.overdue')],
      comp.providers.map(p => [p.provider, String(p.cases), String(p.filings_on_time), String(p.filings_late), String(p.open_stages),
        String(p.waiting_for_regulator), p.overdue_now ? h('strong.overdue', {}, String(p.overdue_now)) : '0']), t('reg.compliance'))
      : h('p.muted', {}, t('reg.none'))));
    const overdue = [], waiting = [];
    for (const c of cases) for (const rg of c.regimes || []) for (const d of rg.deadlines || []) {
      if (d.state === 'overdue') overdue.push([link(`/cases/${c.id}`, c.case_id), c.title, c.reporter_org, d.title, timeEl(d.due_at), h('span.overdue', {}, timeLeft(d.due_at, nowMs))]);
      if (d.state === 'waiting-for-regulator') waiting.push([link(`/cases/${c.id}`, c.case_id), c.title, c.reporter_org, d.title, d.waiting_for || '']);
    }
    main.append(section(t('reg.overduelist'), overdue.length ? table([t('case.id'), t('case.title'), t('reg.provider'), t('reg.stage'), t('receipt.due'), t('reg.late.by')], overdue, t('reg.overduelist')) : h('p.muted', {}, t('reg.nooverdue'))));
    main.append(section(t('reg.waitinglist'), waiting.length ? table([t('case.id'), t('case.title'), t('reg.provider'), t('reg.stage'), t('reg.why')], waiting, t('reg.waitinglist')) : h('p.muted', {}, t('reg.nowaiting'))));
  } catch (e) { showError(err, e); }
}
