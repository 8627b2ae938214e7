// page_advisories.js - advisories and best practices: the list, one page (Markdown
// rendered to HTML by the server with libcmark, raw HTML dropped), and the publishing form
// for the ISAC operator.
import { t } from './i18n.js';
import { h, clear, api, field, alertBox, showError, tlpBadge, timeEl, section, title, link, TLPS, ApiError } from './ui.js';

function mayPublish(me) {
  return me.role === 'admin' || (me.org.type === 'isac-operator' && ['analyst', 'org-admin'].includes(me.role));
}

export async function list(main, { me }) {
  title(t('adv.title'));
  const err = alertBox();
  clear(main, h('h1', {}, t('adv.title')), err);
  try {
    const { advisories } = await api('GET', '/api/v1/advisories');
    for (const kind of ['advisory', 'best-practice']) {
      const items = advisories.filter(a => a.kind === kind);
      main.append(section(t('adv.kind.' + kind), items.length ? h('ul.advisories', {}, items.map(a => h('li', {},
        tlpBadge(a.tlp), ' ', link(`/advisories/${a.id}`, a.title), ' · ', h('span.muted', {}, a.org || '', ' · '), timeEl(a.created_at))))
        : h('p.muted', {}, t('adv.none'))));
    }
  } catch (e) { showError(err, e); }
  if (mayPublish(me)) main.append(publishForm());
}

function publishForm() {
  const err = alertBox();
  const kind = field(t('adv.kind'), 'select', {}, [['advisory', t('adv.kind.advisory')], ['best-practice', t('adv.kind.best-practice')]]);
  const ttl = field(t('adv.titlefield'), 'input', { type: 'text', required: true, maxlength: 300 });
  const body = field(t('adv.body'), 'textarea', { rows: 12, required: true, 'data-hint': t('adv.body.hint') });
  const tlp = field(t('case.tlp'), 'select', {}, TLPS.map(l => [l, 'TLP:' + l.toUpperCase()]));
  tlp.control.value = 'green';
  const b = h('button.primary', { type: 'submit' }, t('adv.publish'));
  const form = h('form.card', { novalidate: true, 'aria-labelledby': 'adv-new' }, h('h2', { id: 'adv-new' }, t('adv.new')), err, kind.wrap, ttl.wrap, body.wrap, tlp.wrap, b);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    if (!ttl.control.value.trim() || !body.control.value.trim()) { showError(err, new ApiError(400, '', t('adv.missing'))); return; }
    try {
      const a = await api('POST', '/api/v1/advisories', { kind: kind.control.value, title: ttl.control.value.trim(), body: body.control.value, tlp: tlp.control.value });
      location.assign(`/advisories/${a.id}`);
    } catch (e) { showError(err, e); }
  });
  return form;
}

export async function page(main, { args }) {
  const err = alertBox();
  clear(main, err);
  try {
    const a = await api('GET', `/api/v1/advisories/${args[0]}`);
    title(a.title);
    const body = h('div.markdown');
    // HTML from the server's libcmark renderer in safe mode: no raw HTML, no javascript: links
    body.innerHTML = a.html;
    clear(main, h('p', {}, link('/advisories', t('adv.back'))), h('article', {},
      h('h1', {}, a.title, ' ', tlpBadge(a.tlp)),
      h('p.muted', {}, t('adv.kind.' + a.kind), ' · ', a.org || '', ' · ', timeEl(a.created_at)), body));
  } catch (e) {
    title(t('adv.notfound'));
    clear(main, h('h1', {}, t('adv.notfound')), err);
    showError(err, e);
  }
}
