// hub.mjs - helpers for the browser tests: a fresh hub (postisac init --demo + serve
// --test-clock on a free port), Debian's Chromium through playwright-core, log-in with
// the keyboard, screenshots, and the checks every page must pass.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const root = resolve(here, '../..');
export const BIN = process.env.POSTISAC_BIN || join(root, 'build/check/src/cli/postisac');
export const SHOTS = join(here, 'screenshots');

function sleep(ms) { return new Promise(r => setTimeout(r, ms)); }

// Starts a hub with the demo community. Returns {url, users, collections, stop, dir, bin}.
export async function startHub() {
  const dir = mkdtempSync(join(tmpdir(), 'postisac-web-'));
  const db = `sqlite:${join(dir, 'hub.db')}`;
  const env = { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' };
  const init = spawnSync(BIN, ['init', '--db', db, '--demo', '--json'], { env, encoding: 'utf8', timeout: 120000 });
  if (init.status !== 0) throw new Error(`postisac init failed: ${init.stderr}`);
  const demo = JSON.parse(init.stdout);
  const portFile = join(dir, 'port');
  const proc = spawn(BIN, ['serve', '--db', db, '--port', '0', '--port-file', portFile, '--test-clock',
    '--reminder-interval', '0', '--receipt-key', join(dir, 'receipt-key.hex'), '--data-dir', join(root, 'data')],
  { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  proc.stderr.on('data', d => { log += d; });
  for (let i = 0; i < 300 && !existsSync(portFile); i++) await sleep(100);
  if (!existsSync(portFile)) { proc.kill('SIGKILL'); throw new Error('the hub did not start: ' + log); }
  let port = '';
  for (let i = 0; i < 50 && !port; i++) { port = readFileSync(portFile, 'utf8').trim(); if (!port) await sleep(50); }
  const url = `http://127.0.0.1:${port}`;
  const users = Object.fromEntries(demo.users.map(u => [u.username, u]));
  const stop = async () => {
    proc.kill('SIGTERM');
    for (let i = 0; i < 100 && proc.exitCode === null && proc.signalCode === null; i++) await sleep(50);
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  return { url, users, collections: demo.collections, stop, dir, log: () => log };
}

export async function launch() {
  // playwright-core gives every launch() a fresh temporary --user-data-dir of its own (it
  // refuses the flag in args), removed when the browser closes
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run'],
  });
  return { browser, close: async () => { await browser.close(); } };
}

// A new browser context (its own cookies) with a page that fails the test on any page
// error or CSP violation.
export async function newPage(browser, opts = {}) {
  const ctx = await browser.newContext({ acceptDownloads: true, locale: opts.locale || 'en-GB', viewport: opts.viewport || { width: 1280, height: 900 } });
  ctx.setDefaultTimeout(20000);
  const page = await ctx.newPage();
  page.problems = [];
  // a dialog (alert, or the browser's own password prompt) would block the page: none is expected
  page.on('dialog', d => { page.problems.push('dialog: ' + d.type() + ' ' + d.message()); d.dismiss().catch(() => {}); });
  page.on('pageerror', e => page.problems.push('page error: ' + e.message));
  page.on('console', m => { if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) page.problems.push('console: ' + m.text()); });
  return { ctx, page };
}

export async function ready(page) {
  await page.waitForSelector('body[data-ready="true"]', { timeout: 20000 });
}

export async function go(page, url) {
  await page.goto(url);
  await ready(page);
}

// Logs in with the keyboard only: type, Tab, type, Enter.
export async function login(page, hub, username, password) {
  await go(page, hub.url + '/login');
  await page.focus('input[name=username]');
  await page.keyboard.type(username);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password ?? hub.users[username].password);
  await page.keyboard.press('Enter');
}

export async function loggedIn(page, hub, username) {
  await login(page, hub, username);
  await page.waitForURL(u => !u.pathname.startsWith('/login'), { timeout: 20000 });
  await ready(page);
}

export async function shot(page, name) {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, name + '.png'), fullPage: true });
}

// Every form control has an accessible name (a <label>, aria-label or aria-labelledby).
export async function unlabelled(page) {
  return page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter(el => el.type !== 'hidden' && !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
    .map(el => el.outerHTML.slice(0, 120)));
}

// WCAG 2.1 AA contrast of every visible text: 4.5:1, or 3:1 for large text (24 px, or
// 18.66 px bold). The background is the first opaque background up the tree (pages here
// use plain colours, no images behind text). Returns the failures as readable strings.
export async function lowContrast(page) {
  return page.evaluate(() => {
    const rgb = s => (s.match(/[\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
      const c = [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
      return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    };
    const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((m, n) => n - m); return (x + 0.05) / (y + 0.05); };
    const background = el => {
      for (let e = el; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    const out = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const seen = new Set();
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || seen.has(el) || !n.textContent.trim()) continue;
      seen.add(el);
      const st = getComputedStyle(el);
      const box = el.getBoundingClientRect();
      if (st.visibility === 'hidden' || st.display === 'none' || box.width === 0 || box.height === 0) continue;
      if (el.closest('[hidden], [aria-hidden="true"], svg')) continue;
      const size = parseFloat(st.fontSize), bold = Number(st.fontWeight) >= 700;
      const need = size >= 24 || (size >= 18.66 && bold) ? 3 : 4.5;
      const fg = rgb(st.color);
      const r = ratio(fg.slice(0, 3), background(el));
      if (r + 1e-6 < need) out.push(`${el.tagName.toLowerCase()} "${n.textContent.trim().slice(0, 40)}": ${r.toFixed(2)}:1 < ${need}:1`);
    }
    return out;
  });
}

// API call with a bearer token (test set-up only; the UI never sees tokens).
export async function bearer(hub, user, method, path, body) {
  const res = await fetch(hub.url + path, {
    method, headers: { Authorization: 'Bearer ' + hub.users[user].token, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let data = null;
  try { data = JSON.parse(text); } catch (e) { data = text; }
  return { status: res.status, data };
}

// A small valid PNG (w x h, RGB), made here so the test depends on no file.
export function png(w = 32, h = 24) {
  const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
  const crc = buf => { let c = 0xffffffff; for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8); return (c ^ 0xffffffff) >>> 0; };
  const chunk = (type, data) => {
    const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const c = Buffer.alloc(4); c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  const rows = [];
  for (let y = 0; y < h; y++) {
    const row = Buffer.alloc(1 + w * 3);
    for (let x = 0; x < w; x++) { row[1 + x * 3] = (x * 8) & 255; row[2 + x * 3] = (y * 10) & 255; row[3 + x * 3] = 160; }
    rows.push(row);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

export function verifyReceipt(file, keyHex) {
  return spawnSync(BIN, ['receipt', 'verify', file, '--key-hex', keyHex], { encoding: 'utf8', env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=0' } });
}
