// web.test.mjs - the web interface in a real browser (Debian's Chromium driven by
// playwright-core): log-in, reporting an incident with a screen capture, filing with a
// verified receipt, the regulator's view and the overdue state under the test clock,
// search, bundle upload, French, CSRF refusal, isolation between organisations, lock-out.
// Screenshots of each page go to tests/browser/screenshots/ for review.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  startHub, launch, newPage, go, ready, login, loggedIn, shot, unlabelled, lowContrast, bearer, png, verifyReceipt,
} from './hub.mjs';

let hub, br;
// every test is bounded: a hang fails that test instead of the whole run
const it = (name, fn) => test(name, { timeout: 120000 }, fn);
const state = {};

async function checkPage(page, name) {
  assert.deepEqual(await unlabelled(page), [], `${name}: every control has a label`);
  assert.deepEqual(await lowContrast(page), [], `${name}: text meets WCAG 2.1 AA contrast`);
  assert.deepEqual(page.problems, [], `${name}: no script errors or CSP violations`);
  await shot(page, name);
}

// Top-level tests (run one after the other, sharing the hub and the browser), so that the
// TAP output has one 'ok' line per behaviour for scripts/check to count.
{
  before(async () => {
    hub = await startHub();
    br = await launch();
  });
  after(async () => {
    if (br) await br.close();
    if (hub) await hub.stop();
  });

  it('serves pages with a strict CSP and security headers, and sends anonymous users to log-in', async () => {
    const res = await fetch(hub.url + '/report', { headers: { Accept: 'text/html' }, redirect: 'manual' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/login?next=%2Freport');
    const page = await fetch(hub.url + '/login', { headers: { Accept: 'text/html' } });
    const csp = page.headers.get('content-security-policy');
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer');
    const api = await fetch(hub.url + '/');
    assert.equal((await api.json()).name, 'postisac', 'API clients still get the JSON index at /');
    const asset = await fetch(hub.url + '/static/app.js');
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type'), /text\/javascript/);
    assert.equal((await fetch(hub.url + '/static/nope.js')).status, 404);
  });

  it('refuses a wrong password where the user acted, then logs in with the keyboard alone', async () => {
    const { ctx, page } = await newPage(br.browser);
    await login(page, hub, 'mike', 'not-the-password');
    const alert = page.locator('.alert.error');
    await alert.waitFor();
    assert.match(await alert.innerText(), /user name or the password is not right/);
    await checkPage(page, '01-login-error');
    await loggedIn(page, hub, 'mike');
    const cookies = await ctx.cookies();
    const sess = cookies.find(c => c.name === 'pi_session');
    assert.ok(sess, 'session cookie set');
    assert.equal(sess.httpOnly, true);
    assert.equal(sess.sameSite, 'Strict');
    assert.equal(await page.locator('h1').innerText(), 'Dashboard');
    await checkPage(page, '02-dashboard-empty');
    state.mike = { ctx, page };
  });

  it('reports an incident with a PNG screen capture', async () => {
    const { page } = state.mike;
    await go(page, hub.url + '/report');
    await page.getByLabel('Title').fill('Tampered postage meter at depot 4');
    await page.getByLabel('Description').fill('The seal of meter M-1234 was broken and the clock reset.');
    await page.getByLabel('Category (ENISA RSIT class)').selectOption('fraud');
    await page.getByLabel('Incident type').selectOption('masquerade');
    await page.getByLabel('Location').fill('Depot 4, Springfield');
    await page.getByLabel('Affected services').fill('postage meters, online postage');
    await page.getByLabel('Severity').selectOption('high');
    await page.getByLabel('Revenue risk').selectOption('medium');
    await page.getByLabel('Sharing (TLP)').selectOption('amber');
    const regime = page.getByLabel(/39 CFR 501\.11/);
    if (!(await regime.isChecked())) await regime.check();
    await page.locator('[id="rc-usps-501.11"]').fill('postreg');
    const capture = join(hub.dir, 'meter.png');
    writeFileSync(capture, png());
    await page.setInputFiles('#captures', capture);
    await page.locator('.previews img').waitFor();
    await checkPage(page, '03-report-form');
    await page.getByRole('button', { name: 'Report the incident' }).click();
    await page.waitForURL(/\/cases\/[0-9]+/);
    await ready(page);
    state.caseId = page.url().match(/\/cases\/([0-9]+)/)[1];
    assert.match(await page.locator('.alert.ok').innerText(), /reported as case-/);
    assert.match(await page.locator('h1').innerText(), /Tampered postage meter/);
    const img = page.locator('img.capture');
    await img.waitFor();
    assert.ok(await img.evaluate(el => el.complete && el.naturalWidth === 32), 'the capture is shown');
    await checkPage(page, '04-case-new');
  });

  it('files the 24-hour notification and verifies the signed receipt', async () => {
    const { page } = state.mike;
    const stage = page.locator('li.stage[data-stage="notification"]');
    const form = stage.locator('form.filing');
    for (const ta of await form.locator('textarea').all()) await ta.fill('Meter M-1234: seal broken, clock reset.');
    await form.getByRole('button', { name: /^File:/ }).click();
    await stage.locator('.receipt').waitFor();
    await stage.getByRole('button', { name: 'Check the signature' }).click();
    await stage.locator('.verify.good').waitFor();
    assert.match(await stage.locator('.verify').innerText(), /signature is valid/);
    const [download] = await Promise.all([page.waitForEvent('download'), stage.getByRole('button', { name: 'Download the receipt' }).click()]);
    const file = join(hub.dir, 'receipt.json');
    await download.saveAs(file);
    const key = await bearer(hub, 'mike', 'GET', '/api/v1/receipts/key');
    const v = verifyReceipt(file, key.data.public_key);
    assert.equal(v.status, 0, `postisac receipt verify: ${v.stdout}${v.stderr}`);
    await checkPage(page, '05-case-filed');
  });

  it('the regulator sees the case, sets a time limit, and sees it overdue once the clock passes', async () => {
    const { ctx, page } = await newPage(br.browser);
    await loggedIn(page, hub, 'rita');
    await go(page, hub.url + '/regulator');
    const row = page.locator('table tr', { hasText: 'meterco' }).first();
    await row.waitFor();
    await checkPage(page, '06-regulator');
    await go(page, hub.url + `/cases/${state.caseId}`);
    const written = page.locator('li.stage[data-stage="written-report"]');
    await written.getByLabel('Unit').selectOption('days');
    await written.getByRole('spinbutton', { name: 'Time limit' }).fill('2');
    await written.getByRole('button', { name: 'Set the time limit' }).click();
    await page.locator('li.stage[data-stage="written-report"] .left').waitFor();
    await checkPage(page, '07-case-regulator');
    const later = new Date(Date.now() + 3 * 86400000).toISOString().replace(/\.\d+Z$/, 'Z');
    const clock = await bearer(hub, 'admin', 'PUT', '/api/v1/test/clock', { now: later });
    assert.equal(clock.status, 200, JSON.stringify(clock.data));
    await go(page, hub.url + '/regulator');
    const overdue = page.locator('section', { hasText: 'Overdue filings' }).locator('table');
    await overdue.waitFor();
    assert.match(await overdue.innerText(), /Written report/);
    assert.match(await overdue.innerText(), /overdue by 1 d/);
    await checkPage(page, '08-regulator-overdue');
    // the provider sees it on the dashboard
    const mp = state.mike.page;
    await go(mp, hub.url + '/');
    const od = mp.locator('li.deadline.overdue');
    await od.first().waitFor();
    assert.match(await od.first().innerText(), /Written report/);
    await mp.locator('figure.chart svg > rect').first().waitFor();
    await checkPage(mp, '09-dashboard-overdue');
    await bearer(hub, 'admin', 'PUT', '/api/v1/test/clock', { now: new Date().toISOString().replace(/\.\d+Z$/, 'Z') });
    await ctx.close();
  });

  it('a member of another organisation sees nothing of the case', async () => {
    const { ctx, page } = await newPage(br.browser);
    await loggedIn(page, hub, 'bob');
    await go(page, hub.url + `/cases/${state.caseId}`);
    assert.equal(await page.locator('h1').innerText(), 'Case not found');
    assert.equal(await page.locator('text=Tampered postage meter').count(), 0);
    await go(page, hub.url + '/cases');
    assert.equal(await page.locator('text=Tampered postage meter').count(), 0);
    const status = await page.evaluate(async id => (await fetch(`/api/v1/cases/${id}`)).status, state.caseId);
    assert.equal(status, 404);
    page.problems = [];
    await shot(page, '10-other-org-case');
    await ctx.close();
  });

  it('an analyst shares an indicator and finds it with the look-up', async () => {
    const { ctx, page } = await newPage(br.browser);
    await loggedIn(page, hub, 'alice');
    await go(page, hub.url + '/share');
    const one = page.locator('form', { hasText: 'One indicator' });
    await one.getByLabel('Name').fill('Redelivery smishing domain');
    await one.getByLabel('Kind of value').selectOption('domain');
    await one.getByRole('textbox', { name: /^Value/ }).fill('usps-redelivery-fee.com');
    await one.getByLabel('Sharing (TLP)').selectOption('green');
    await one.getByRole('button', { name: 'Share' }).click();
    await one.locator('.alert.ok').waitFor();
    await checkPage(page, '11-share');
    await go(page, hub.url + '/intel');
    await page.getByLabel('Values to look up').fill('usps-redelivery-fee.com\n192.0.2.77');
    await page.getByRole('button', { name: 'Look up' }).click();
    const h2 = page.locator('h2', { hasText: 'known' });
    await h2.waitFor();
    assert.equal(await h2.innerText(), '1 of 2 known');
    const row = page.locator('tr', { hasText: 'usps-redelivery-fee.com' });
    assert.match(await row.innerText(), /KNOWN/);
    await checkPage(page, '12-lookup');
    await row.getByRole('link').first().click();
    await page.waitForURL(/\/indicators\//);
    await ready(page);
    assert.match(await page.locator('h1').innerText(), /Redelivery smishing domain/);
    assert.equal(await page.locator('h1 .tlp').innerText(), 'TLP:GREEN');
    await checkPage(page, '13-indicator');
    state.alice = { ctx, page };
  });

  it('uploads a STIX bundle with a progress bar', async () => {
    const { page } = state.alice;
    const now = new Date().toISOString();
    const objects = [1, 2, 3].map(i => ({
      type: 'indicator', spec_version: '2.1', id: `indicator--0000000${i}-aaaa-4bbb-8ccc-dddddddddddd`, created: now, modified: now,
      name: `Parcel phishing ${i}`, pattern: `[domain-name:value = 'parcel-customs-${i}.example']`, pattern_type: 'stix', valid_from: now,
      object_marking_refs: ['marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb'],
    }));
    const file = join(hub.dir, 'bundle.json');
    writeFileSync(file, JSON.stringify({ type: 'bundle', id: 'bundle--11111111-2222-4333-8444-555555555555', objects }));
    await go(page, hub.url + '/share');
    const up = page.locator('form', { hasText: 'A STIX 2.1 bundle file' });
    await up.getByLabel('File').setInputFiles(file);
    await up.getByRole('button', { name: 'Upload' }).click();
    await up.locator('.alert.ok').waitFor();
    assert.match(await up.locator('.alert.ok').innerText(), /3 of 3 objects were added/);
    assert.equal(await page.locator('#upload-progress').evaluate(el => el.value), 100);
    await checkPage(page, '14-upload');
    await go(page, hub.url + '/collections');
    await checkPage(page, '15-collections');
  });

  it('uploads a CSV file of values with a progress bar and finds them with the look-up', async () => {
    const { page } = state.alice;
    const file = join(hub.dir, 'values.csv');
    writeFileSync(file, 'value,note\ncsv-parcel-1.example,a\n198.51.100.23,b\nhttps://csv-parcel-2.example/track,c\nthis is not a value,d\n');
    await go(page, hub.url + '/share');
    const up = page.locator('form', { hasText: 'A CSV file of values' });
    assert.equal(await up.getByLabel('Column of the value').inputValue(), '1');
    await up.getByLabel('CSV file').setInputFiles(file);
    await up.getByLabel('The first row is a header').check();
    await up.getByLabel('Sharing (TLP)').selectOption('green');
    await up.getByRole('button', { name: 'Upload' }).click();
    const ok = up.locator('.alert.ok');
    await ok.waitFor();
    const text = await ok.innerText();
    assert.match(text, /Rows read: 4\. New indicators: 3\. Updated: 0\. Already there: 0\. Rejected: 1\./);
    assert.match(text, /Rejected rows and why:/);
    assert.match(await ok.locator('li').innerText(), /^Line 5: /);
    assert.equal(await ok.locator('li').count(), 1);
    assert.equal(await page.locator('#csv-progress').evaluate(el => el.value), 100);
    await checkPage(page, '14b-upload-csv');
    await go(page, hub.url + '/intel');
    await page.getByLabel('Values to look up').fill('198.51.100.23\ncsv-parcel-1.example');
    await page.getByRole('button', { name: 'Look up' }).click();
    const h2 = page.locator('h2', { hasText: 'known' });
    await h2.waitFor();
    assert.equal(await h2.innerText(), '2 of 2 known');
  });

  it('switches to French', async () => {
    const { page } = state.alice;
    await go(page, hub.url + '/');
    await page.selectOption('#lang', 'fr');
    await page.waitForFunction(() => document.documentElement.lang === 'fr');
    await ready(page);
    assert.equal(await page.locator('h1').innerText(), 'Tableau de bord');
    assert.equal(await page.getByRole('link', { name: 'Signaler un incident' }).count(), 1);
    await checkPage(page, '16-dashboard-fr');
    await page.selectOption('#lang', 'en');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    // a browser that asks for French gets French without choosing
    const { ctx, page: fp } = await newPage(br.browser, { locale: 'fr-FR' });
    await go(fp, hub.url + '/login');
    assert.equal(await fp.locator('h1').innerText(), 'Connexion');
    await ctx.close();
  });

  it('refuses a state change without the CSRF token', async () => {
    const { page } = state.alice;
    await go(page, hub.url + '/');
    const res = await page.evaluate(async () => {
      const body = JSON.stringify({ name: 'csrf' });
      const none = await fetch('/api/v1/users/alice/tokens', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      const wrong = await fetch('/api/v1/users/alice/tokens', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': 'x'.repeat(43) }, body });
      const token = document.querySelector('meta[name="csrf-token"]').content;
      const right = await fetch('/api/v1/users/alice/tokens', { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token }, body });
      return [none.status, (await none.json()).description, wrong.status, right.status];
    });
    assert.equal(res[0], 403);
    assert.match(res[1], /CSRF/);
    assert.equal(res[2], 403);
    assert.equal(res[3], 201);
  });

  it('publishes an advisory from Markdown with raw HTML removed', async () => {
    const { ctx, page } = await newPage(br.browser);
    await loggedIn(page, hub, 'admin');
    await go(page, hub.url + '/advisories');
    await page.getByLabel('Title').fill('Smishing wave: fake redelivery fees');
    await page.getByLabel('Text (Markdown)').fill('# What to do\n\n*Block* these domains:\n\n- usps-redelivery-fee.com\n\n<script>alert(1)</script><img src=x onerror=alert(2)>\n\n[bad](javascript:alert(3))');
    await page.getByLabel('Sharing (TLP)').selectOption('green');
    await page.getByRole('button', { name: 'Publish' }).click();
    await page.waitForURL(/\/advisories\/[0-9]+/);
    await ready(page);
    assert.equal(await page.locator('.markdown h1').innerText(), 'What to do');
    assert.equal(await page.locator('.markdown em').innerText(), 'Block');
    assert.equal(await page.locator('.markdown script, .markdown img').count(), 0);
    assert.equal(await page.locator('.markdown a[href^="javascript"]').count(), 0);
    await checkPage(page, '17-advisory');
    await go(page, hub.url + '/admin');
    await page.locator('table', { hasText: 'northpost' }).first().waitFor();
    await checkPage(page, '18-admin');
    await go(page, hub.url + '/tokens');
    await page.getByLabel(/^Name/).fill('firewall feed');
    await page.getByRole('button', { name: 'Create the token' }).click();
    assert.match(await page.locator('#new-token').inputValue(), /^pi_/);
    await checkPage(page, '19-tokens');
    await ctx.close();
  });

  it('works on a phone-sized screen', async () => {
    const { ctx, page } = await newPage(br.browser, { viewport: { width: 390, height: 844 } });
    await loggedIn(page, hub, 'mike');
    const menu = page.getByRole('button', { name: 'Menu' });
    assert.equal(await page.locator('#mainnav').isVisible(), false);
    await menu.focus();
    await page.keyboard.press('Enter');
    assert.equal(await page.locator('#mainnav').isVisible(), true);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
    assert.equal(overflow, false, 'no horizontal scrolling');
    await checkPage(page, '20-phone-dashboard');
    await go(page, hub.url + `/cases/${state.caseId}`);
    await checkPage(page, '21-phone-case');
    await ctx.close();
  });

  it('locks a user name out after repeated failed log-ins', async () => {
    const { ctx, page } = await newPage(br.browser);
    for (let i = 0; i < 5; i++) {
      await login(page, hub, 'nils', 'wrong-' + i);
      await page.locator('.alert.error').waitFor();
    }
    await login(page, hub, 'nils');
    const alert = page.locator('.alert.error');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Too many failed attempts/);
    await ctx.close();
  });

  it('logs out: the session no longer opens the API', async () => {
    const { page, ctx } = state.mike;
    await go(page, hub.url + '/');
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login/);
    await ready(page);
    const status = await page.evaluate(async () => (await fetch('/api/v1/me', { headers: { 'X-Requested-With': 'postisac-web' } })).status);
    assert.equal(status, 401);
    await ctx.close();
    await state.alice.ctx.close();
  });
}
