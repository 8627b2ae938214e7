// page_admin.js - administration (/admin: organisations, users, roles, sharing groups, for
// admins and org-admins) and the API-token page (/tokens: my tokens, shown once).
import { t } from './i18n.js';
import { h, clear, api, field, alertBox, showError, showOk, timeEl, section, title, table, ApiError } from './ui.js';

const ROLES = ['admin', 'org-admin', 'analyst', 'reporter', 'regulator', 'read-only'];
const ORG_TYPES = ['postal-operator', 'regulator', 'pes-provider', 'partner', 'isac-operator'];

function userForm(orgs, me, reload) {
  const err = alertBox();
  const f = {
    username: field(t('adm.username'), 'input', { type: 'text', required: true, pattern: '[a-z0-9._-]{2,63}', 'data-hint': t('adm.username.hint'), autocomplete: 'off' }),
    display: field(t('adm.display'), 'input', { type: 'text' }),
    email: field(t('adm.email'), 'input', { type: 'email' }),
    org: field(t('adm.org'), 'select', {}, orgs.map(o => [o.slug, o.name])),
    role: field(t('adm.role'), 'select', {}, ROLES.filter(r => me.role === 'admin' || r !== 'admin').map(r => [r, t('role.' + r)])),
    password: field(t('adm.password'), 'input', { type: 'password', autocomplete: 'new-password', 'data-hint': t('adm.password.hint') }),
  };
  f.role.control.value = 'analyst';
  const b = h('button.primary', { type: 'submit' }, t('adm.adduser'));
  const form = h('form.card', { novalidate: true, 'aria-labelledby': 'adm-newuser' }, h('h3', { id: 'adm-newuser' }, t('adm.adduser')), err,
    Object.values(f).map(x => x.wrap), b);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    if (!f.username.control.value) { showError(err, new ApiError(400, '', t('adm.missing'))); return; }
    const body = { username: f.username.control.value.trim(), org: f.org.control.value, role: f.role.control.value };
    if (f.display.control.value) body.display_name = f.display.control.value;
    if (f.email.control.value) body.email = f.email.control.value;
    if (f.password.control.value) body.password = f.password.control.value;
    try { await api('POST', '/api/v1/users', body); reload(); } catch (e) { showError(err, e); }
  });
  return form;
}

function orgForm(reload) {
  const err = alertBox();
  const f = {
    slug: field(t('adm.slug'), 'input', { type: 'text', required: true, 'data-hint': t('adm.slug.hint') }),
    name: field(t('adm.orgname'), 'input', { type: 'text', required: true }),
    type: field(t('adm.orgtype'), 'select', {}, ORG_TYPES.map(x => [x, t('orgtype.' + x)])),
    country: field(t('adm.country'), 'input', { type: 'text', maxlength: 2, 'data-hint': t('adm.country.hint') }),
  };
  const b = h('button.primary', { type: 'submit' }, t('adm.addorg'));
  const form = h('form.card', { novalidate: true, 'aria-labelledby': 'adm-neworg' }, h('h3', { id: 'adm-neworg' }, t('adm.addorg')), err, Object.values(f).map(x => x.wrap), b);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    const body = { slug: f.slug.control.value.trim(), name: f.name.control.value.trim(), type: f.type.control.value };
    if (f.country.control.value) body.country = f.country.control.value.toUpperCase();
    try { await api('POST', '/api/v1/orgs', body); reload(); } catch (e) { showError(err, e); }
  });
  return form;
}

function groupForm(orgs, reload) {
  const err = alertBox();
  const name = field(t('adm.groupname'), 'input', { type: 'text', required: true });
  const desc = field(t('adm.groupdesc'), 'input', { type: 'text' });
  const b = h('button.primary', { type: 'submit' }, t('adm.addgroup'));
  const form = h('form.card', { novalidate: true, 'aria-labelledby': 'adm-newgroup' }, h('h3', { id: 'adm-newgroup' }, t('adm.addgroup')), err, name.wrap, desc.wrap, b);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    try { await api('POST', '/api/v1/groups', { name: name.control.value.trim(), description: desc.control.value || undefined }); reload(); } catch (e) { showError(err, e); }
  });
  const mErr = alertBox();
  const g = field(t('adm.group'), 'select', {}, []);
  const o = field(t('adm.org'), 'select', {}, orgs.map(x => [x.slug, x.name]));
  const add = h('button', { type: 'submit' }, t('adm.addmember'));
  const rm = h('button', { type: 'button' }, t('adm.removemember'));
  const member = h('form.card', { 'aria-labelledby': 'adm-members' }, h('h3', { id: 'adm-members' }, t('adm.members')), mErr, g.wrap, o.wrap, add, ' ', rm);
  const act = method => async ev => {
    ev.preventDefault();
    try {
      await api(method, `/api/v1/groups/${encodeURIComponent(g.control.value)}/members/${encodeURIComponent(o.control.value)}`, method === 'PUT' ? {} : undefined);
      reload();
    } catch (e) { showError(mErr, e); }
  };
  member.addEventListener('submit', act('PUT'));
  rm.addEventListener('click', act('DELETE'));
  return { form, member, groupSelect: g.control };
}

export async function admin(main, { me }) {
  title(t('adm.title'));
  const err = alertBox();
  clear(main, h('h1', {}, t('adm.title')), err);
  if (!['admin', 'org-admin'].includes(me.role)) { main.append(h('p', {}, t('adm.norole'))); return; }
  const reload = () => admin(main, { me });
  try {
    const [{ orgs }, { users }, groupsRes] = await Promise.all([api('GET', '/api/v1/orgs'), api('GET', '/api/v1/users'),
      api('GET', '/api/v1/groups').catch(() => ({ groups: [] }))]);
    const groups = groupsRes.groups || [];
    main.append(
      section(t('adm.orgs'), table([t('adm.slug'), t('adm.orgname'), t('adm.orgtype'), t('adm.country')],
        orgs.map(o => [o.slug, o.name, t('orgtype.' + o.type), o.country || '-']), t('adm.orgs')),
        me.role === 'admin' ? orgForm(reload) : null),
      section(t('adm.users'), table([t('adm.username'), t('adm.display'), t('adm.org'), t('adm.role'), t('adm.state'), t('adm.action')],
        users.map(u => [u.username, u.display_name || '', u.org, t('role.' + u.role), u.disabled ? t('adm.disabled') : t('adm.enabled'), userActions(u, me, reload)]), t('adm.users')),
        userForm(orgs, me, reload)));
    if (me.role === 'admin') {
      const gf = groupForm(orgs, reload);
      for (const g of groups) gf.groupSelect.append(h('option', { value: g.name }, g.name));
      main.append(section(t('adm.groups'), table([t('adm.groupname'), t('adm.groupdesc'), t('adm.created')],
        groups.map(g => [g.name, g.description || '', timeEl(g.created_at)]), t('adm.groups')), gf.form, gf.member));
    }
  } catch (e) { showError(err, e); }
}

function userActions(u, me, reload) {
  if (u.username === me.user.username) return t('adm.you');
  const err = alertBox();
  const b = h('button', { type: 'button' }, u.disabled ? t('adm.enable') : t('adm.disable'));
  b.setAttribute('aria-label', (u.disabled ? t('adm.enable') : t('adm.disable')) + ' ' + u.username);
  b.addEventListener('click', async () => {
    try { await api('PATCH', `/api/v1/users/${encodeURIComponent(u.username)}`, { disabled: !u.disabled }); reload(); } catch (e) { showError(err, e); }
  });
  return h('span', {}, b, err);
}

export async function tokens(main, { me }) {
  title(t('tok.title'));
  const err = alertBox();
  const base = `/api/v1/users/${encodeURIComponent(me.user.username)}/tokens`;
  const reload = () => tokens(main, { me });
  const name = field(t('tok.name'), 'input', { type: 'text', required: true, maxlength: 100, 'data-hint': t('tok.name.hint') });
  const shown = h('div', { 'aria-live': 'polite' });
  const b = h('button.primary', { type: 'submit' }, t('tok.create'));
  const form = h('form.card', { novalidate: true, 'aria-labelledby': 'tok-new' }, h('h2', { id: 'tok-new' }, t('tok.new')), err, name.wrap, b, shown);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    if (!name.control.value.trim()) { showError(err, new ApiError(400, '', t('tok.missing'))); return; }
    try {
      const tok = await api('POST', base, { name: name.control.value.trim() });
      const input = h('input.mono', { type: 'text', readonly: true, value: tok.token, id: 'new-token', 'aria-label': t('tok.value') });
      showOk(shown, h('p', {}, h('strong', {}, t('tok.once'))), input);
      input.select();
      name.control.value = '';
      listTokens(listBox, base, reload);
    } catch (e) { showError(err, e); }
  });
  const listBox = h('div');
  clear(main, h('h1', {}, t('tok.title')), h('p', {}, t('tok.intro')), form, section(t('tok.mine'), listBox));
  listTokens(listBox, base, reload);
}

async function listTokens(box, base, reload) {
  const err = alertBox();
  try {
    const { tokens: list = [] } = await api('GET', base);
    clear(box, err, list.length ? table([t('tok.name'), t('tok.created'), t('tok.used'), t('tok.state'), t('adm.action')],
      list.map(k => {
        const rv = h('button', { type: 'button', 'aria-label': t('tok.revoke') + ' ' + k.name }, t('tok.revoke'));
        rv.addEventListener('click', async () => {
          try { await api('DELETE', `${base}/${k.id}`); listTokens(box, base, reload); } catch (e) { showError(err, e); }
        });
        return [k.name, timeEl(k.created_at), k.last_used_at ? timeEl(k.last_used_at) : '-', k.revoked ? t('tok.revoked') : t('tok.active'), k.revoked ? '' : rv];
      }), t('tok.mine')) : h('p.muted', {}, t('tok.none')));
  } catch (e) { showError(err, e); clear(box, err); }
}
