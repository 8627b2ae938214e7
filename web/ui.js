// ui.js - small helpers shared by every page: building DOM without innerHTML, calling the
// JSON API with the session cookie and CSRF token, turning API errors into plain words,
// TLP badges in the FIRST colours and wording, times in the reader's zone.
import { t, lang } from './i18n.js';

// h('tag.class', {attr: value, onclick: fn}, child, ...) -> element. Children may be
// strings (text nodes, never parsed as HTML), nodes, arrays, null or false (skipped).
export function h(spec, attrs, ...children) {
  const [tag, ...classes] = spec.split('.');
  const el = document.createElement(tag || 'div');
  if (classes.length) el.className = classes.join(' ');
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'text') el.textContent = v;
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const csrfToken = () => document.querySelector('meta[name="csrf-token"]')?.content || '';

export class ApiError extends Error {
  constructor(status, title, description) {
    super(description || title || `HTTP ${status}`);
    this.status = status;
    this.title = title || '';
    this.description = description || '';
  }
}

// Calls the API. body: object (sent as JSON), Blob/ArrayBuffer (sent raw with opts.type)
// or undefined. Resolves to the parsed JSON (or text for non-JSON answers); rejects with
// ApiError.
export async function api(method, path, body, opts = {}) {
  // X-Requested-With: the hub then answers 401 without a Basic challenge (no browser dialog)
  const headers = { Accept: opts.accept || 'application/json', 'X-Requested-With': 'postisac-web' };
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrfToken();
  let payload;
  if (body instanceof Blob || body instanceof ArrayBuffer) {
    payload = body;
    headers['Content-Type'] = opts.type || 'application/octet-stream';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['Content-Type'] = opts.type || 'application/json';
  }
  let res;
  try {
    res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  } catch (e) {
    throw new ApiError(0, '', t('err.network'));
  }
  const ct = res.headers.get('Content-Type') || '';
  const data = ct.includes('json') ? await res.json().catch(() => null) : await res.text();
  if (!res.ok) {
    if (res.status === 401 && !opts.noRedirect) {
      location.assign('/login?next=' + encodeURIComponent(location.pathname));
    }
    throw new ApiError(res.status, data?.title, data?.description);
  }
  return data;
}

// The words a non-specialist reads for an API error.
export function explain(err) {
  const s = err.status;
  let lead;
  if (s === 0) lead = t('err.network');
  else if (s === 400 || s === 422) lead = t('err.invalid');
  else if (s === 401) lead = t('err.auth');
  else if (s === 403) lead = t('err.forbidden');
  else if (s === 404) lead = t('err.notfound');
  else if (s === 409) lead = t('err.conflict');
  else if (s === 413) lead = t('err.toobig');
  else if (s === 415) lead = t('err.type');
  else if (s === 429) lead = t('err.locked');
  else if (s === 503) lead = t('err.unavailable');
  else lead = t('err.server');
  return { lead, detail: s === 0 ? '' : err.description };
}

// Shows err in box (an element next to where the user acted), focusable and announced.
export function showError(box, err) {
  const { lead, detail } = explain(err);
  clear(box, h('p', {}, h('strong', {}, lead)), detail ? h('p.detail', {}, detail) : null);
  box.hidden = false;
  box.className = 'alert error';
  box.setAttribute('role', 'alert');
  box.tabIndex = -1;
  box.focus();
}

export function showOk(box, ...content) {
  clear(box, ...content);
  box.hidden = false;
  box.className = 'alert ok';
  box.setAttribute('role', 'status');
}

export const alertBox = () => h('div.alert', { hidden: true });

// TLP badge: FIRST TLP 2.0 colours (text in the TLP colour on black) and wording.
export function tlpBadge(tlp) {
  const v = String(tlp || 'unmarked').toLowerCase().replace(/^tlp:/, '');
  const known = ['clear', 'green', 'amber', 'amber+strict', 'red'];
  const cls = known.includes(v) ? v.replace('+', '-') : 'unmarked';
  return h(`span.tlp.tlp-${cls}`, { title: t('tlp.' + (known.includes(v) ? v : 'unmarked') + '.help') },
    known.includes(v) ? 'TLP:' + v.toUpperCase() : t('tlp.unmarked'));
}

export const TLPS = ['clear', 'green', 'amber', 'amber+strict', 'red'];

// Times: the API speaks UTC; the page shows the reader's zone.
export function fmtTime(iso) {
  if (!iso) return '-';
  const d = new Date(iso);
  if (isNaN(d)) return iso;
  return new Intl.DateTimeFormat(lang(), { dateStyle: 'medium', timeStyle: 'short' }).format(d);
}

export function timeEl(iso) {
  return h('time', { datetime: iso || '' }, fmtTime(iso));
}

// "3 h 12 min left" / "overdue by 2 h" for due, relative to now (ms).
export function timeLeft(dueIso, nowMs) {
  const ms = new Date(dueIso).getTime() - nowMs;
  const abs = Math.abs(ms);
  const d = Math.floor(abs / 86400000);
  const hh = Math.floor((abs % 86400000) / 3600000);
  const mm = Math.floor((abs % 3600000) / 60000);
  const ss = Math.floor((abs % 60000) / 1000);
  const span = d > 0 ? `${d} ${t('u.d')} ${hh} ${t('u.h')}` :
    hh > 0 ? `${hh} ${t('u.h')} ${mm} ${t('u.min')}` : `${mm} ${t('u.min')} ${ss} ${t('u.s')}`;
  return ms >= 0 ? t('left', { span }) : t('overdue.by', { span });
}

// A labelled control. kind: 'input' (attrs.type), 'select' (options [[value,label]]),
// 'textarea'. Returns {wrap, control}.
export function field(label, kind, attrs = {}, options = []) {
  const id = attrs.id || 'f-' + Math.random().toString(36).slice(2, 9);
  let control;
  if (kind === 'select') {
    control = h('select', { ...attrs, id },
      options.map(([v, l]) => h('option', { value: v }, l)));
  } else {
    control = h(kind, { ...attrs, id });
  }
  const hint = attrs['data-hint'] ? h('span.hint', { id: id + '-hint' }, attrs['data-hint']) : null;
  if (hint) control.setAttribute('aria-describedby', id + '-hint');
  const wrap = h('div.field', {}, h('label', { for: id }, label,
    attrs.required ? h('span.req', { 'aria-hidden': 'true' }, ' *') : null), hint, control);
  return { wrap, control };
}

export function title(text) {
  document.title = text + ' - postisac';
  const live = document.getElementById('live');
  if (live) live.textContent = text;
}

export function section(heading, ...content) {
  return h('section.card', {}, h('h2', {}, heading), content);
}

export function download(name, text, type = 'application/json') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = h('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

export function table(headers, rows, caption) {
  return h('div.table-wrap', { tabindex: '0', role: 'region', 'aria-label': caption || headers.join(', ') },
    h('table', {}, caption ? h('caption.sr-only', {}, caption) : null,
      h('thead', {}, h('tr', {}, headers.map(x => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, rows.map(r => h('tr', {}, r.map((c, i) => i === 0 ? h('th', { scope: 'row' }, c) : h('td', {}, c)))))));
}

export function link(href, text) {
  return h('a', { href }, text);
}

// TAXII 2.1 reads with the session cookie (the same access decision as every other read).
export const TAXII_ROOT = '/taxii2/hub/';
export function taxii(path) {
  return api('GET', TAXII_ROOT + path, undefined, { accept: 'application/taxii+json;version=2.1' });
}

// Every page of a TAXII objects/manifest listing, at most maxPages pages.
export async function taxiiAll(path, key, maxPages = 10) {
  const out = [];
  let next = null;
  for (let i = 0; i < maxPages; i++) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await taxii(next ? `${path}${sep}next=${encodeURIComponent(next)}` : path);
    out.push(...(page[key] || []));
    if (!page.more || !page.next) break;
    next = page.next;
  }
  return out;
}

const TLP_IDS = {
  'marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487': 'clear',
  'marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb': 'green',
  'marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421': 'amber',
  'marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003': 'amber+strict',
  'marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1': 'red',
  'marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9': 'clear',
  'marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da': 'green',
  'marking-definition--f88d31f6-486f-44da-b317-01333bde0b82': 'amber',
  'marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed': 'red',
};
export function tlpOf(obj) {
  for (const ref of obj.object_marking_refs || []) if (TLP_IDS[ref]) return TLP_IDS[ref];
  return 'unmarked';
}
export function tlpId(level) {
  return Object.keys(TLP_IDS).find(k => TLP_IDS[k] === level);
}
