// Sign-in and sign-up forms.

import { api, setToken, clearToken } from './api.js';
import { $, toast } from './dom.js';

export function showAuth(errorText) {
  $('#app-view').hidden = true;
  $('#auth-view').hidden = false;
  // Signed out (or never signed in): the login form, whichever form was used last.
  $('#login-form').hidden = false;
  $('#register-form').hidden = true;
  const err = $('#auth-error');
  err.textContent = errorText || '';
  err.hidden = !errorText;
  $('#login-password').value = '';
  $('#register-password').value = '';
}

export function showApp() {
  $('#auth-view').hidden = true;
  $('#app-view').hidden = false;
  $('#auth-error').hidden = true;
}

/** @param {{ enter: () => Promise<void> }} app  enter(): loads the signed-in app */
export function initAuth(app) {
  const switchTo = (register) => {
    $('#login-form').hidden = register;
    $('#register-form').hidden = !register;
    $('#auth-error').hidden = true;
    $(register ? '#register-username' : '#login-username').focus();
  };
  $('#show-register').addEventListener('click', () => switchTo(true));
  $('#show-login').addEventListener('click', () => switchTo(false));

  const authError = (text) => {
    const err = $('#auth-error');
    err.textContent = text;
    err.hidden = false;
  };

  $('#login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const btn = e.submitter || $('[data-testid="login-submit"]');
    btn.disabled = true;
    try {
      const data = await api('POST', '/api/login', {
        username: $('#login-username').value.trim(),
        password: $('#login-password').value,
      });
      setToken(data.token);
      await app.enter();
    } catch (err) {
      if ($('#app-view').hidden) clearToken();
      authError(err.message);
    } finally {
      btn.disabled = false;
    }
  });

  $('#register-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const btn = e.submitter || $('[data-testid="register-submit"]');
    btn.disabled = true;
    const body = {
      username: $('#register-username').value.trim(),
      password: $('#register-password').value,
    };
    const dn = $('#register-display-name').value.trim();
    if (dn) body.display_name = dn;
    try {
      const data = await api('POST', '/api/register', body);
      setToken(data.token);
      await app.enter();
      toast('注册成功', 'ok');
    } catch (err) {
      authError(err.message);
    } finally {
      btn.disabled = false;
    }
  });
}
