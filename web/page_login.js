// page_login.js - the log-in form. The password goes to POST /login (JSON); the answer
// sets the HttpOnly session cookie. Failures are shown next to the form.
import { t } from './i18n.js';
import { h, clear, field, alertBox, showError, ApiError, title } from './ui.js';

export async function login(main, { params }) {
  title(t('login.title'));
  const user = field(t('login.username'), 'input', { type: 'text', name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none' });
  const pass = field(t('login.password'), 'input', { type: 'password', name: 'password', autocomplete: 'current-password', required: true });
  const err = alertBox();
  const submit = h('button.primary', { type: 'submit' }, t('login.submit'));
  const form = h('form.card.narrow', { novalidate: true }, h('h1', {}, t('login.title')), err, user.wrap, pass.wrap, submit);
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    if (!user.control.value || !pass.control.value) {
      showError(err, new ApiError(400, '', t('login.missing')));
      return;
    }
    submit.disabled = true;
    try {
      const res = await fetch('/login', {
        method: 'POST', credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ username: user.control.value.trim(), password: pass.control.value }),
      });
      const data = await res.json().catch(() => ({}));
      if (!res.ok) throw new ApiError(res.status, data.title, res.status === 401 ? t('login.wrong') : data.description);
      const next = params.get('next') || '/';
      location.assign(/^\/(?!\/)/.test(next) ? next : '/');
    } catch (e) {
      showError(err, e instanceof ApiError ? e : new ApiError(0, '', ''));
      pass.control.value = '';
      submit.disabled = false;
    }
  });
  clear(main, form);
  user.control.focus();
}
