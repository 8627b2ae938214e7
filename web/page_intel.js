// page_intel.js - intelligence: search and bulk look-up (/intel), the indicator page
// (/indicators/ID), the collection browser (/collections, /collections/ID), sharing
// indicators by form or by uploading a STIX bundle or a CSV file with a progress bar (/share), and feed
// links for each format.
import { t } from './i18n.js';
import {
  h, clear, api, field, alertBox, showError, showOk, tlpBadge, timeEl, section, title, link, table,
  taxii, tlpId, tlpOf, TLPS, TAXII_ROOT, csrfToken, ApiError,
} from './ui.js';

const FEEDS = ['stix', 'csv', 'list', 'suricata', 'rpz', 'zeek'];

// ---- search and look-up ----

export async function search(main, { params }) {
  title(t('intel.title'));
  const err = alertBox();
  const values = field(t('intel.values'), 'textarea', { rows: 6, 'data-hint': t('intel.values.hint'), spellcheck: 'false' });
  if (params.get('q')) values.control.value = params.get('q');
  const submit = h('button.primary', { type: 'submit' }, t('intel.lookup'));
  const results = h('div', { 'aria-live': 'polite' });
  const form = h('form.card', { role: 'search' }, err, values.wrap, submit);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    const list = values.control.value.split(/[\s,;]+/).map(s => s.trim()).filter(Boolean);
    if (!list.length) { showError(err, new ApiError(400, '', t('intel.empty'))); return; }
    err.hidden = true;
    submit.disabled = true;
    try {
      const { results: rs } = await api('POST', '/api/v1/lookup', { values: list.slice(0, 10000) });
      const known = rs.filter(r => r.found).length;
      clear(results, h('h2', {}, t('intel.results', { known, total: rs.length })), table(
        [t('intel.value'), t('intel.kind'), t('intel.known'), t('intel.orgs'), t('intel.objects'), t('intel.sightings'), t('intel.lastseen'), t('intel.where')],
        rs.map(r => [r.value, r.kind || '-',
          [r.found ? h('strong.known', {}, t('intel.yes')) : h('span', {}, t('intel.no')),
            r.warninglists?.length ? [h('br'), h('span.muted', {}, t('intel.onlist', { lists: r.warninglists.map(w => w.name || w.id || w).join(', ') }))] : null],
          String(r.organisations || 0), String(r.objects || 0),
          String(r.sightings?.count || 0), r.last_seen ? timeEl(r.last_seen) : '-',
          h('ul.plain', {}, (r.matches || []).flatMap(m => m.listed || []).slice(0, 5).map(o =>
            h('li', {}, tlpBadge(o.tlp), ' ', link(`/indicators/${o.id}`, o.name || o.id)))),
        ]), t('intel.results', { known, total: rs.length })),
        rs.some(r => r.warninglists?.length) ? h('p.muted', {}, t('intel.warninglisted')) : null);
      results.focus?.();
    } catch (e) { showError(err, e); }
    submit.disabled = false;
  });
  clear(main, h('h1', {}, t('intel.title')), form, results, feedLinks());
  if (params.get('q')) form.requestSubmit();
}

function feedLinks(collection) {
  const q = collection ? `?collection=${encodeURIComponent(collection)}` : '';
  return section(t('feeds.title'), h('p', {}, t('feeds.intro')),
    h('ul.feeds', {}, FEEDS.map(f => h('li', {}, h('a', { href: `/api/v1/feeds/${f}${q}`, download: '' }, t('feeds.' + f)), ' ',
      h('code', {}, `/api/v1/feeds/${f}${q}`)))));
}

// ---- indicator page ----

export async function indicator(main, { args }) {
  const id = args[0];
  const err = alertBox();
  clear(main, err);
  let o;
  try {
    o = await api('GET', `/api/v1/objects/${encodeURIComponent(id)}`);
  } catch (e) {
    title(t('ind.notfound'));
    clear(main, h('h1', {}, t('ind.notfound')), err);
    showError(err, e);
    return;
  }
  const obj = o.object || {};
  title(obj.name || id);
  const sErr = alertBox();
  const fp = h('input', { type: 'checkbox', id: 'fp' });
  const sb = h('button', { type: 'submit' }, t('ind.sighted'));
  const sForm = h('form.inline', {}, sErr, h('div.check', {}, fp, h('label', { for: 'fp' }, t('ind.falsepositive'))), sb);
  sForm.addEventListener('submit', async ev => {
    ev.preventDefault();
    try {
      await api('POST', '/api/v1/sightings', { indicator: id, false_positive: fp.checked });
      showOk(sErr, t('ind.sighting.saved'));
      setTimeout(() => indicator(main, { args }), 800);
    } catch (e) { showError(sErr, e); }
  });
  const sg = o.sightings || {};
  clear(main,
    h('h1', {}, obj.name || id, ' ', tlpBadge(o.tlp)),
    h('p.mono', {}, id),
    h('div.grid', {},
      section(t('ind.what'), h('dl.details', {},
        h('dt', {}, t('ind.type')), h('dd', {}, obj.type),
        obj.pattern ? [h('dt', {}, t('ind.pattern')), h('dd', {}, h('code.pattern', {}, obj.pattern))] : null,
        obj.description ? [h('dt', {}, t('ind.description')), h('dd', {}, obj.description)] : null,
        h('dt', {}, t('ind.state')), h('dd', {}, o.revoked ? t('ind.revoked') : o.expired ? t('ind.expired') : t('ind.active')),
        h('dt', {}, t('ind.added')), h('dd', {}, timeEl(o.date_added)),
        obj.valid_from ? [h('dt', {}, t('ind.valid')), h('dd', {}, timeEl(obj.valid_from), obj.valid_until ? [' - ', timeEl(obj.valid_until)] : null)] : null,
        h('dt', {}, t('ind.versions')), h('dd', {}, String(o.visible_versions || 1)))),
      section(t('ind.correlation'), h('p', {}, t('ind.related', { objects: o.related_objects || 0, orgs: o.related_organisations || 0 })),
        h('h3', {}, t('ind.sightings')),
        h('p', {}, t('ind.sightings.text', { n: sg.count || 0, reports: sg.sightings || 0, fp: sg.false_positives || 0 })),
        sg.last_seen ? h('p', {}, t('intel.lastseen'), ' ', timeEl(sg.last_seen)) : null, sForm)),
    section(t('ind.observables'), (o.observables || []).length ? table(
      [t('intel.value'), t('intel.kind'), t('ind.alsoin')],
      o.observables.map(ob => [ob.value, ob.kind, (ob.listed || []).length ? h('ul.plain', {}, ob.listed.map(x =>
        h('li', {}, tlpBadge(x.tlp), ' ', link(`/indicators/${x.id}`, x.name || x.id)))) : t('ind.nowhere')]), t('ind.observables'))
      : h('p.muted', {}, t('ind.noobservables'))),
    h('details.card', {}, h('summary', {}, t('ind.json')), h('pre.json', {}, JSON.stringify(obj, null, 2))));
}

// ---- collections ----

export async function collections(main) {
  title(t('coll.title'));
  const err = alertBox();
  clear(main, h('h1', {}, t('coll.title')), err);
  try {
    const { collections: cs = [] } = await taxii('collections/');
    main.append(table([t('coll.name'), t('coll.description'), t('coll.access'), t('coll.id')],
      cs.map(c => [link(`/collections/${c.id}`, c.title), c.description || '', [c.can_read ? t('coll.read') : null, c.can_write ? t('coll.write') : null].filter(Boolean).join(', '), h('code', {}, c.id)]), t('coll.title')));
  } catch (e) { showError(err, e); }
}

export async function collection(main, { args, params }) {
  const id = args[0];
  const err = alertBox();
  clear(main, err);
  try {
    const c = await taxii(`collections/${id}/`);
    title(c.title);
    const next = params.get('next');
    const page = await taxii(`collections/${id}/objects/?limit=50${next ? '&next=' + encodeURIComponent(next) : ''}`);
    clear(main, h('h1', {}, c.title), c.description ? h('p', {}, c.description) : null, err,
      (page.objects || []).length ? table([t('coll.object'), t('ind.type'), 'TLP', t('coll.modified')],
        page.objects.map(o => [link(`/indicators/${o.id}`, o.name || o.id), o.type, tlpBadge(tlpOf(o)), timeEl(o.modified || o.created)]), c.title)
        : h('p.muted', {}, t('coll.empty')),
      page.more && page.next ? h('p', {}, link(`/collections/${id}?next=${encodeURIComponent(page.next)}`, t('coll.more'))) : null,
      feedLinks(id));
  } catch (e) {
    title(t('coll.notfound'));
    clear(main, h('h1', {}, t('coll.notfound')), err);
    showError(err, e);
  }
}

// ---- sharing ----

function stixQuote(v) { return "'" + v.replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'"; }
const PATTERNS = {
  domain: v => `[domain-name:value = ${stixQuote(v)}]`,
  ipv4: v => `[ipv4-addr:value = ${stixQuote(v)}]`,
  ipv6: v => `[ipv6-addr:value = ${stixQuote(v)}]`,
  url: v => `[url:value = ${stixQuote(v)}]`,
  email: v => `[email-addr:value = ${stixQuote(v)}]`,
  sha256: v => `[file:hashes.'SHA-256' = ${stixQuote(v.toLowerCase())}]`,
  md5: v => `[file:hashes.MD5 = ${stixQuote(v.toLowerCase())}]`,
};

// POSTs an envelope to a TAXII collection with upload progress (0..1) reported to onProgress.
function postEnvelope(collectionId, objects, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `${TAXII_ROOT}collections/${collectionId}/objects/`);
    xhr.setRequestHeader('Content-Type', 'application/taxii+json;version=2.1');
    xhr.setRequestHeader('Accept', 'application/taxii+json;version=2.1');
    xhr.setRequestHeader('X-CSRF-Token', csrfToken());
    xhr.setRequestHeader('X-Requested-With', 'postisac-web');
    xhr.upload.onprogress = ev => { if (ev.lengthComputable) onProgress(ev.loaded / ev.total); };
    xhr.onload = () => {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(new ApiError(xhr.status, data?.title, data?.description));
    };
    xhr.onerror = () => reject(new ApiError(0, '', ''));
    xhr.send(JSON.stringify({ objects }));
  });
}

// POSTs a file as the body of url with upload progress (0..1) reported to onProgress;
// resolves with the JSON answer.
function postFile(url, fileObj, contentType, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    xhr.setRequestHeader('Content-Type', contentType);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('X-CSRF-Token', csrfToken());
    xhr.setRequestHeader('X-Requested-With', 'postisac-web');
    xhr.upload.onprogress = ev => { if (ev.lengthComputable) onProgress(ev.loaded / ev.total); };
    xhr.onload = () => {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(new ApiError(xhr.status, data?.title, data?.description));
    };
    xhr.onerror = () => reject(new ApiError(0, '', ''));
    xhr.send(fileObj);
  });
}

// The CSV upload form (POST /api/v1/import?format=csv): column map, header row, TLP, a
// progress bar, then the summary and the rejected rows in plain words.
function csvForm(collOpts) {
  const cErr = alertBox();
  const file = field(t('share.csv.file'), 'input', { type: 'file', accept: '.csv,.txt,text/csv,text/plain', 'data-hint': t('share.csv.file.hint') });
  const valueCol = field(t('share.csv.valuecol'), 'input', { type: 'number', min: 1, max: 256, step: 1, value: '1', inputmode: 'numeric' });
  const typeCol = field(t('share.csv.typecol'), 'input', { type: 'number', min: 1, max: 256, step: 1, inputmode: 'numeric', 'data-hint': t('share.csv.typecol.hint') });
  const header = h('input', { type: 'checkbox', id: 'csv-header' });
  const tlp = field(t('case.tlp'), 'select', { 'data-hint': t('share.csv.tlp.hint') }, TLPS.map(l => [l, 'TLP:' + l.toUpperCase()]));
  tlp.control.value = 'green';
  const coll = field(t('share.collection'), 'select', {}, collOpts);
  const bar = h('progress', { max: 100, value: 0, id: 'csv-progress', 'aria-label': t('share.csv.progress') });
  const barText = h('span', { 'aria-live': 'polite' });
  const submit = h('button.primary', { type: 'submit' }, t('share.upload'));
  const form = h('form.card', { novalidate: true, 'aria-labelledby': 'share-csv' }, h('h2', { id: 'share-csv' }, t('share.csv')), cErr,
    file.wrap, valueCol.wrap, typeCol.wrap, h('div.check', {}, header, h('label', { for: 'csv-header' }, t('share.csv.header'))),
    tlp.wrap, coll.wrap, submit, h('div.progress', {}, bar, ' ', barText));
  const col = s => (/^\d+$/.test(s) && +s >= 1 && +s <= 256 ? +s : null);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    const fl = file.control.files[0];
    if (!fl) { showError(cErr, new ApiError(400, '', t('share.nofile'))); return; }
    const vc = col(valueCol.control.value.trim());
    const tcRaw = typeCol.control.value.trim();
    const tc = tcRaw ? col(tcRaw) : 0;
    if (!vc || tc === null || tc === vc) { showError(cErr, new ApiError(400, '', t('share.csv.badcol'))); return; }
    const params = new URLSearchParams({
      collection: coll.control.value, format: 'csv', map: `value=${vc}` + (tc ? `,type=${tc}` : ''),
      header: header.checked ? 'true' : 'false', tlp: tlp.control.value,
    });
    cErr.hidden = true;
    submit.disabled = true;
    bar.value = 0;
    barText.textContent = '0 %';
    try {
      const s = await postFile(`/api/v1/import?${params}`, fl, 'text/csv', p => {
        bar.value = Math.round(p * 100);
        barText.textContent = p >= 1 ? t('share.csv.working') : `${bar.value} %`;
      });
      bar.value = 100;
      barText.textContent = '100 %';
      const where = w => (/^line (\d+)$/.test(w || '') ? t('share.csv.line', { n: w.slice(5) }) : w || '');
      const reasons = s.reasons || [];
      showOk(cErr, h('p', {}, t('share.csv.summary', s)),
        reasons.length ? [h('p', {}, t('share.csv.rejected')),
          h('ul', {}, reasons.map(x => h('li', {}, `${where(x.where)}: ${x.reason}`)))] : null,
        s.rejected > reasons.length ? h('p', {}, t('share.csv.more', { n: s.rejected - reasons.length })) : null);
    } catch (e) {
      barText.textContent = '';
      showError(cErr, e);
    }
    submit.disabled = false;
  });
  return form;
}

async function writableCollections() {
  const { collections: cs = [] } = await taxii('collections/');
  return cs.filter(c => c.can_write);
}

export async function share(main) {
  title(t('share.title'));
  const err = alertBox();
  let colls = [];
  try { colls = await writableCollections(); } catch (e) { showError(err, e); }
  const collOpts = colls.map(c => [c.id, c.title]);

  // one indicator by form
  const fErr = alertBox();
  const f = {
    name: field(t('share.name'), 'input', { type: 'text', required: true, maxlength: 300 }),
    kind: field(t('share.kind'), 'select', {}, Object.keys(PATTERNS).map(k => [k, t('kind.' + k)])),
    value: field(t('share.value'), 'input', { type: 'text', required: true, spellcheck: 'false' }),
    description: field(t('share.description'), 'textarea', { rows: 3 }),
    tlp: field(t('case.tlp'), 'select', { 'data-hint': t('share.tlp.hint') }, TLPS.map(l => [l, 'TLP:' + l.toUpperCase()])),
    coll: field(t('share.collection'), 'select', {}, collOpts),
  };
  f.tlp.control.value = 'green';
  const fSubmit = h('button.primary', { type: 'submit' }, t('share.submit'));
  const form = h('form.card', { novalidate: true, 'aria-labelledby': 'share-one' }, h('h2', { id: 'share-one' }, t('share.one')), fErr,
    f.name.wrap, f.kind.wrap, f.value.wrap, f.description.wrap, f.tlp.wrap, f.coll.wrap, fSubmit);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    const value = f.value.control.value.trim();
    if (!f.name.control.value.trim() || !value) { showError(fErr, new ApiError(400, '', t('share.missing'))); return; }
    const now = new Date().toISOString();
    const obj = {
      type: 'indicator', spec_version: '2.1', id: 'indicator--' + crypto.randomUUID(), created: now, modified: now,
      name: f.name.control.value.trim(), pattern: PATTERNS[f.kind.control.value](value), pattern_type: 'stix', valid_from: now,
      object_marking_refs: [tlpId(f.tlp.control.value)],
    };
    if (f.description.control.value.trim()) obj.description = f.description.control.value.trim();
    fSubmit.disabled = true;
    try {
      const st = await postEnvelope(f.coll.control.value, [obj], () => {});
      if (st?.failure_count) throw new ApiError(400, '', st.failures.map(x => x.message).join('; '));
      showOk(fErr, t('share.done'), ' ', link(`/indicators/${obj.id}`, obj.name));
    } catch (e) { showError(fErr, e); }
    fSubmit.disabled = false;
  });

  // a file
  const uErr = alertBox();
  const file = field(t('share.file'), 'input', { type: 'file', accept: '.json,application/json', 'data-hint': t('share.file.hint') });
  const ucoll = field(t('share.collection'), 'select', {}, collOpts);
  const bar = h('progress', { max: 100, value: 0, id: 'upload-progress', 'aria-label': t('share.progress') });
  const barText = h('span', { 'aria-live': 'polite' });
  const uSubmit = h('button.primary', { type: 'submit' }, t('share.upload'));
  const upload = h('form.card', { novalidate: true, 'aria-labelledby': 'share-file' }, h('h2', { id: 'share-file' }, t('share.bundle')), uErr,
    file.wrap, ucoll.wrap, uSubmit, h('div.progress', {}, bar, ' ', barText));
  upload.addEventListener('submit', async ev => {
    ev.preventDefault();
    const fl = file.control.files[0];
    if (!fl) { showError(uErr, new ApiError(400, '', t('share.nofile'))); return; }
    let objects;
    try {
      const doc = JSON.parse(await fl.text());
      objects = doc.type === 'bundle' ? doc.objects : doc.objects || (Array.isArray(doc) ? doc : null);
      if (!Array.isArray(objects) || !objects.length) throw new Error('no objects');
    } catch (e) {
      showError(uErr, new ApiError(400, '', t('share.notbundle')));
      return;
    }
    uSubmit.disabled = true;
    const BATCH = 500;
    let ok = 0, failed = [];
    try {
      for (let i = 0; i < objects.length; i += BATCH) {
        const part = objects.slice(i, i + BATCH);
        const st = await postEnvelope(ucoll.control.value, part, p => {
          const done = (i + p * part.length) / objects.length;
          bar.value = Math.round(done * 100);
          barText.textContent = `${bar.value} %`;
        });
        ok += st?.success_count || 0;
        failed = failed.concat(st?.failures || []);
      }
      bar.value = 100;
      barText.textContent = '100 %';
      showOk(uErr, t('share.uploaded', { ok, total: objects.length }),
        failed.length ? h('ul', {}, failed.slice(0, 20).map(x => h('li', {}, `${x.id}: ${x.message}`))) : null);
    } catch (e) { showError(uErr, e); }
    uSubmit.disabled = false;
  });

  clear(main, h('h1', {}, t('share.title')), err, colls.length ? [form, upload, csvForm(collOpts)] : h('p', {}, t('share.nocollection')), feedLinks());
}
