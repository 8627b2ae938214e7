// charts.js - plain SVG charts, readable without colour: every series has its own fill
// pattern as well as its own colour, the legend repeats the pattern, each bar segment
// has a <title> with its value, and every chart comes with its data as a table.
import { t } from './i18n.js';
import { h, table } from './ui.js';

const NS = 'http://www.w3.org/2000/svg';
// colours with at least 3:1 contrast against white; patterns tell them apart without colour
const COLOURS = ['#1f4e9c', '#b33c00', '#2f6b2f', '#6b3fa0', '#8a5a00', '#00707a', '#9c1f5a', '#4d4d4d'];
const PATTERNS = ['solid', 'diag', 'dots', 'cross', 'hlines', 'vlines', 'rdiag', 'grid'];

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

let uid = 0;

// The top of the axis: at least 4, a multiple of 4, so the 5 grid lines are whole numbers.
function niceMax(values) {
  return Math.max(4, Math.ceil(Math.max(0, ...values) / 4) * 4);
}
// Show every n-th period label so that labels (about 70 px wide) do not overlap.
function labelEvery(n) {
  return Math.max(1, Math.ceil(n * 70 / 600));
}
function defs(n, colours) {
  const d = s('defs');
  const ids = [];
  for (let i = 0; i < n; i++) {
    const id = `pat-${++uid}`;
    const c = (colours && colours[i]) || COLOURS[i % COLOURS.length];
    const p = s('pattern', { id, width: 8, height: 8, patternUnits: 'userSpaceOnUse' });
    p.append(s('rect', { width: 8, height: 8, fill: c }));
    const kind = PATTERNS[i % PATTERNS.length];
    const w = { stroke: '#fff', 'stroke-width': 1.5 };
    if (kind === 'diag') p.append(s('path', { d: 'M0,8 L8,0', ...w }));
    if (kind === 'rdiag') p.append(s('path', { d: 'M0,0 L8,8', ...w }));
    if (kind === 'dots') p.append(s('circle', { cx: 4, cy: 4, r: 1.6, fill: '#fff' }));
    if (kind === 'cross') p.append(s('path', { d: 'M0,8 L8,0 M0,0 L8,8', ...w }));
    if (kind === 'hlines') p.append(s('path', { d: 'M0,4 L8,4', ...w }));
    if (kind === 'vlines') p.append(s('path', { d: 'M4,0 L4,8', ...w }));
    if (kind === 'grid') p.append(s('path', { d: 'M0,4 L8,4 M4,0 L4,8', ...w }));
    d.append(p);
    ids.push(id);
  }
  return { d, ids };
}

function legend(series, ids) {
  return h('ul.legend', {}, series.map((name, i) => {
    const sw = s('svg', { width: 16, height: 16, 'aria-hidden': 'true', focusable: 'false' });
    sw.append(s('rect', { width: 16, height: 16, fill: `url(#${ids[i]})`, stroke: '#000', 'stroke-width': 1 }));
    return h('li', {}, sw, ' ', name);
  }));
}

// Stacked bars. buckets: ['2026-10', ...]; series: names; value(bucket, series) -> number.
// colours (optional): one per series, e.g. the TLP colours.
export function stackedBars(caption, buckets, series, value, colours) {
  const W = 640, H = 260, L = 40, B = 40, T = 16;
  const totals = buckets.map(b => series.reduce((a, sr) => a + value(b, sr), 0));
  const max = niceMax(totals);
  const bw = Math.max(6, (W - L - 10) / Math.max(1, buckets.length) * 0.7);
  const step = (W - L - 10) / Math.max(1, buckets.length);
  const { d, ids } = defs(series.length, colours);
  const every = labelEvery(buckets.length);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': caption, class: 'chart' });
  svg.append(s('title', {}, caption), d);
  for (let k = 0; k <= 4; k++) {
    const y = T + (H - T - B) * (1 - k / 4);
    svg.append(s('line', { x1: L, x2: W - 5, y1: y, y2: y, stroke: '#767676', 'stroke-width': 0.5 }));
    svg.append(s('text', { x: L - 6, y: y + 4, 'text-anchor': 'end', class: 'axis' }, Math.round(max * k / 4)));
  }
  buckets.forEach((b, i) => {
    let y = H - B;
    const x = L + i * step + (step - bw) / 2;
    series.forEach((sr, j) => {
      const v = value(b, sr);
      if (!v) return;
      const hgt = (H - T - B) * v / max;
      y -= hgt;
      svg.append(s('rect', { x, y, width: bw, height: hgt, fill: `url(#${ids[j]})`, stroke: '#000', 'stroke-width': 0.5 },
        s('title', {}, `${b} · ${sr}: ${v}`)));
    });
    if (totals[i]) svg.append(s('text', { x: x + bw / 2, y: y - 3, 'text-anchor': 'middle', class: 'val' }, totals[i]));
    if (i % every === 0) svg.append(s('text', { x: x + bw / 2, y: H - B + 16, 'text-anchor': 'middle', class: 'axis' }, b));
  });
  const data = table([t('chart.period'), ...series, t('chart.total')],
    buckets.map((b, i) => [b, ...series.map(sr => String(value(b, sr))), String(totals[i])]), caption);
  return h('figure.chart', {}, h('figcaption', {}, caption), svg, legend(series, ids),
    h('details', {}, h('summary', {}, t('chart.data')), data));
}

// One line with points: points [[label, value]].
export function lineChart(caption, points) {
  const W = 640, H = 220, L = 40, B = 40, T = 16;
  const max = niceMax(points.map(p => p[1]));
  const every = labelEvery(points.length);
  const step = (W - L - 20) / Math.max(1, points.length - 1);
  const xy = points.map(([, v], i) => [L + 10 + i * step, T + (H - T - B) * (1 - v / max)]);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': caption, class: 'chart' });
  svg.append(s('title', {}, caption));
  for (let k = 0; k <= 4; k++) {
    const y = T + (H - T - B) * (1 - k / 4);
    svg.append(s('line', { x1: L, x2: W - 5, y1: y, y2: y, stroke: '#767676', 'stroke-width': 0.5 }));
    svg.append(s('text', { x: L - 6, y: y + 4, 'text-anchor': 'end', class: 'axis' }, Math.round(max * k / 4)));
  }
  if (xy.length) svg.append(s('polyline', { points: xy.map(p => p.join(',')).join(' '), fill: 'none', stroke: COLOURS[0], 'stroke-width': 2 }));
  xy.forEach(([x, y], i) => {
    svg.append(s('circle', { cx: x, cy: y, r: 4, fill: COLOURS[0] }, s('title', {}, `${points[i][0]}: ${points[i][1]}`)));
    svg.append(s('text', { x, y: y - 8, 'text-anchor': 'middle', class: 'val' }, points[i][1]));
    if (i % every === 0) svg.append(s('text', { x, y: H - B + 16, 'text-anchor': 'middle', class: 'axis' }, points[i][0]));
  });
  const data = table([t('chart.period'), t('chart.count')], points.map(([l, v]) => [l, String(v)]), caption);
  return h('figure.chart', {}, h('figcaption', {}, caption), svg,
    h('details', {}, h('summary', {}, t('chart.data')), data));
}

// Period keys.
export function monthKey(iso) { return iso ? iso.slice(0, 7) : null; }
export function weekKey(iso) {
  if (!iso) return null;
  const d = new Date(iso);
  const day = (d.getUTCDay() + 6) % 7; // Monday = 0
  const monday = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - day));
  return monday.toISOString().slice(0, 10);
}
export function lastMonths(n, nowMs) {
  const out = [];
  const d = new Date(nowMs);
  for (let i = n - 1; i >= 0; i--) {
    const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() - i, 1));
    out.push(m.toISOString().slice(0, 7));
  }
  return out;
}
export function lastWeeks(n, nowMs) {
  const out = [];
  for (let i = n - 1; i >= 0; i--) out.push(weekKey(new Date(nowMs - i * 7 * 86400000).toISOString()));
  return out;
}
