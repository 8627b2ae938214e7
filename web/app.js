// app.js - the web interface's entry module: header and navigation, language switch,
// log-out, and the router that maps the path to a page module. Pages render into <main>.
import { t, lang, setLang } from './i18n.js';
import { h, clear, api, csrfToken } from './ui.js';

// path pattern -> [module, export]. The server serves the same shell for these paths.
const routes = [
  [/^\/login$/, 'page_login.js', 'login'],
  [/^\/$/, 'page_dashboard.js', 'dashboard'],
  [/^\/report$/, 'page_cases.js', 'report'],
  [/^\/cases$/, 'page_cases.js', 'list'],
  [/^\/cases\/([0-9]+)$/, 'page_cases.js', 'casePage'],
  [/^\/regulator$/, 'page_cases.js', 'regulator'],
  [/^\/intel$/, 'page_intel.js', 'search'],
  [/^\/indicators\/([a-z0-9-]+--[0-9a-f-]{36})$/, 'page_intel.js', 'indicator'],
  [/^\/collections$/, 'page_intel.js', 'collections'],
  [/^\/collections\/([0-9a-f-]{36})$/, 'page_intel.js', 'collection'],
  [/^\/share$/, 'page_intel.js', 'share'],
  [/^\/advisories$/, 'page_advisories.js', 'list'],
  [/^\/advisories\/([0-9]+)$/, 'page_advisories.js', 'page'],
  [/^\/admin$/, 'page_admin.js', 'admin'],
  [/^\/tokens$/, 'page_admin.js', 'tokens'],
];

function navItems(me) {
  const role = me?.role;
  const items = [['/', t('nav.dashboard')]];
  if (['reporter', 'analyst', 'org-admin', 'admin'].includes(role)) items.push(['/report', t('nav.report')]);
  items.push(['/cases', t('nav.cases')]);
  if (role === 'regulator') items.push(['/regulator', t('nav.regulator')]);
  items.push(['/intel', t('nav.intel')], ['/collections', t('nav.collections')]);
  if (['analyst', 'org-admin', 'admin'].includes(role)) items.push(['/share', t('nav.share')]);
  items.push(['/advisories', t('nav.advisories')]);
  if (['admin', 'org-admin'].includes(role)) items.push(['/admin', t('nav.admin')]);
  items.push(['/tokens', t('nav.tokens')]);
  return items;
}

function langSwitch() {
  const sel = h('select', { id: 'lang', 'aria-label': t('lang.choose') },
    h('option', { value: 'en', lang: 'en' }, 'English'),
    h('option', { value: 'fr', lang: 'fr' }, 'Français'));
  sel.value = lang();
  sel.addEventListener('change', () => { setLang(sel.value); location.reload(); });
  return h('div.lang', {}, h('label.sr-only', { for: 'lang' }, t('lang.choose')), sel);
}

function header(me) {
  const top = document.getElementById('top');
  const here = location.pathname;
  const nav = h('nav', { 'aria-label': t('nav.main') },
    h('ul', {}, navItems(me).map(([href, label]) => h('li', {},
      h('a', { href, 'aria-current': (href === here || (href !== '/' && here.startsWith(href + '/'))) ? 'page' : null }, label)))));
  const logout = h('button.link', { type: 'button', id: 'logout' }, t('nav.logout'));
  logout.addEventListener('click', async () => {
    await fetch('/logout', { method: 'POST', headers: { 'X-CSRF-Token': csrfToken(), 'X-Requested-With': 'postisac-web' }, credentials: 'same-origin' });
    location.assign('/login');
  });
  const menu = h('button.menu', { type: 'button', 'aria-expanded': 'false', 'aria-controls': 'mainnav' }, t('nav.menu'));
  nav.id = 'mainnav';
  menu.addEventListener('click', () => {
    const open = menu.getAttribute('aria-expanded') !== 'true';
    menu.setAttribute('aria-expanded', String(open));
    nav.classList.toggle('open', open);
  });
  clear(top,
    h('div.bar', {},
      h('a.brand', { href: '/' }, h('img', { src: '/static/icon.svg', alt: '', width: 28, height: 28 }), ' postisac'),
      me ? menu : null,
      h('div.who', {}, me ? [h('span', {}, `${me.user.display_name || me.user.username} · ${me.org.name}`), ' ', logout] : null, langSwitch())),
    me ? nav : null);
}

async function start() {
  document.getElementById('skip').textContent = t('skip');
  const path = location.pathname.replace(/\/+$/, '') || '/';
  const main = document.getElementById('main');
  let me = null;
  if (path !== '/login') {
    try { me = await api('GET', '/api/v1/me'); } catch (e) { return; }
  }
  header(me);
  for (const [re, mod, name] of routes) {
    const m = path.match(re);
    if (!m) continue;
    clear(main, h('p.loading', {}, t('loading')));
    const page = await import('./' + mod);
    await page[name](main, { me, args: m.slice(1), params: new URLSearchParams(location.search) });
    document.body.dataset.ready = 'true';
    return;
  }
  clear(main, h('h1', {}, t('notfound.title')), h('p', {}, t('notfound.text')));
  document.body.dataset.ready = 'true';
}

start().catch(e => {
  const main = document.getElementById('main');
  clear(main, h('div.alert.error', { role: 'alert' }, t('err.page'), ' ', String(e.message || e)));
  document.body.dataset.ready = 'true';
});
