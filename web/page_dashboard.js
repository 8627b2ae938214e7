// page_dashboard.js - my deadlines (ticking), recent intelligence I can see, and charts:
// incidents per month by RSIT class, indicators shared per week by TLP, sightings over time.
import { t } from './i18n.js';
import { h, clear, api, taxii, taxiiAll, tlpOf, tlpBadge, timeEl, timeLeft, section, alertBox, showError, title, link, TLPS } from './ui.js';
import { stackedBars, lineChart, monthKey, weekKey, lastMonths, lastWeeks } from './charts.js';

let ticker = null;
// FIRST TLP 2.0 colours for the chart of indicators by TLP
const TLP_COLOURS = { clear: '#ffffff', green: '#33ff00', amber: '#ffc000', 'amber+strict': '#ffc000', red: '#ff2b2b', unmarked: '#4d4d4d' };

function deadlineList(items, offset, cls) {
  if (!items.length) return h('p.muted', {}, t('dash.none'));
  const rows = items.map(d => {
    const left = h('span.left', { 'data-due': d.due_at || '' }, d.due_at ? timeLeft(d.due_at, Date.now() + offset) : d.waiting_for || '');
    return h(`li.deadline.${cls}`, {},
      h('span.state', {}, t('state.' + d.state)), ' ',
      link(`/cases/${d.case}`, d.case_title), ' · ', d.title, ' (', d.regime, ')',
      h('br'), d.due_at ? [t('due'), ' ', timeEl(d.due_at), ' · '] : null, left);
  });
  return h('ul.deadlines', {}, rows);
}

async function deadlines(box) {
  try {
    const d = await api('GET', '/api/v1/deadlines');
    const offset = d.now ? new Date(d.now).getTime() - Date.now() : 0;
    clear(box,
      h('h3', {}, t('dash.overdue'), ` (${d.overdue.length})`), deadlineList(d.overdue, offset, 'overdue'),
      h('h3', {}, t('dash.duesoon'), ` (${d.due_soon.length})`), deadlineList(d.due_soon, offset, 'due-soon'),
      d.waiting_for_regulator?.length ? [h('h3', {}, t('dash.waiting'), ` (${d.waiting_for_regulator.length})`),
        deadlineList(d.waiting_for_regulator, offset, 'waiting')] : null,
      d.open?.length ? [h('h3', {}, t('dash.open'), ` (${d.open.length})`), deadlineList(d.open, offset, 'open')] : null);
    clearInterval(ticker);
    ticker = setInterval(() => {
      for (const el of box.querySelectorAll('.left[data-due]')) {
        if (el.dataset.due) el.textContent = timeLeft(el.dataset.due, Date.now() + offset);
      }
    }, 1000);
  } catch (e) {
    if (e.status === 403) clear(box, h('p.muted', {}, t('dash.nodeadlines')));
    else showError(box, e);
  }
}

async function intelligence(recentBox, chartBox, nowMs) {
  const since = new Date(nowMs - 84 * 86400000).toISOString();
  let colls = [];
  try {
    colls = (await taxii('collections/')).collections || [];
  } catch (e) {
    showError(recentBox, e);
    return;
  }
  const objs = [];
  for (const c of colls.filter(c => c.can_read)) {
    try {
      const manifest = await taxiiAll(`collections/${c.id}/manifest/?added_after=${encodeURIComponent(since)}`, 'objects', 5);
      const added = new Map(manifest.map(m => [m.id + '|' + m.version, m.date_added]));
      const list = await taxiiAll(`collections/${c.id}/objects/?added_after=${encodeURIComponent(since)}&match[type]=indicator,sighting,report`, 'objects', 5);
      for (const o of list) objs.push({ o, coll: c, added: added.get(o.id + '|' + o.modified) || o.modified || o.created });
    } catch (e) { /* a collection that fails is left out; the others still show */ }
  }
  const recent = objs.filter(x => x.o.type !== 'sighting').sort((a, b) => (b.added || '').localeCompare(a.added || '')).slice(0, 10);
  clear(recentBox, recent.length ? h('ul.recent', {}, recent.map(x => h('li', {},
    tlpBadge(tlpOf(x.o)), ' ', link(`/indicators/${x.o.id}`, x.o.name || x.o.id), ' · ',
    h('span.muted', {}, x.coll.title, ' · '), timeEl(x.added)))) : h('p.muted', {}, t('dash.nointel')));

  const weeks = lastWeeks(12, nowMs);
  const ind = objs.filter(x => x.o.type === 'indicator');
  const tlps = [...TLPS, 'unmarked'].filter(l => ind.some(x => tlpOf(x.o) === l));
  const count = (w, l) => ind.filter(x => weekKey(x.added) === w && tlpOf(x.o) === l).length;
  const sightWeeks = weeks.map(w => [w, objs.filter(x => x.o.type === 'sighting' &&
    weekKey(x.o.last_seen || x.o.first_seen || x.o.created) === w).reduce((a, x) => a + (x.o.count || 1), 0)]);
  chartBox.append(
    stackedBars(t('chart.indicators'), weeks, tlps.map(l => l === 'unmarked' ? t('tlp.unmarked') : 'TLP:' + l.toUpperCase()),
      (w, name) => count(w, tlps.find(l => (l === 'unmarked' ? t('tlp.unmarked') : 'TLP:' + l.toUpperCase()) === name)),
      tlps.map(l => TLP_COLOURS[l])),
    lineChart(t('chart.sightings'), sightWeeks));
}

async function incidents(chartBox, nowMs) {
  try {
    const { cases } = await api('GET', '/api/v1/cases');
    const months = lastMonths(6, nowMs);
    const classes = [...new Set(cases.map(c => c.category))].sort();
    chartBox.prepend(stackedBars(t('chart.incidents'), months, classes,
      (m, cls) => cases.filter(c => c.category === cls && monthKey(c.discovered_at) === m).length));
  } catch (e) { /* no cases service: no chart */ }
}

export async function dashboard(main, { me }) {
  title(t('dash.title'));
  const dl = h('div', {}, h('p.loading', {}, t('loading')));
  const recent = h('div', {}, h('p.loading', {}, t('loading')));
  const charts = h('div.charts');
  clear(main, h('h1', {}, t('dash.title')),
    h('div.grid', {}, section(t('dash.deadlines'), dl), section(t('dash.recent'), recent)),
    section(t('dash.charts'), charts));
  let nowMs = Date.now();
  try {
    const c = await api('GET', '/api/v1/deadlines');
    if (c.now) nowMs = new Date(c.now).getTime();
  } catch (e) { /* keep the browser's clock */ }
  await Promise.all([deadlines(dl), incidents(charts, nowMs), intelligence(recent, charts, nowMs)]);
}
