// Notifications and the installable app in the web client (API.md §11, §15), in real headless
// Chromium.
//
// A (妈妈, desktop) and B (爸爸, phone) are friends with a private chat. Deep links: B, signed
// in, loads `/#/c/<id>` (a notification's link): the chat opens and the hash is cleared; an
// unknown conversation says so and stays on the list; signed out, the link waits for the
// login and then opens the chat. ntfy: B saves a topic, a token and 显示消息内容 off in 我的 →
// 通知; after a reload they are back with the token masked; saving again with the token left
// empty clears it (after a confirmation). The installable app (A): the service worker
// registers at /sw.js with this version and controls the page, the manifest and its icons
// load and Chromium reports no installability error, and offline a reload still shows the
// app from the worker's cache. Web Push (A, the push service stubbed in the page): 新消息通知
// in 我的 subscribes with the server's VAPID key and POSTs the subscription, off DELETEs it and
// unsubscribes, and logging out DELETEs it too.

import { assert, DESKTOP, PHONE, until, tid, PASSWORD, register, backToList, logout, befriend, send, waitForMessage, openPrivateChat, chatTitle, apiFromPage, scenario, reload } from './lib.mjs';

await scenario('notify', async (t) => {
  const a = await t.user('mama5', '妈妈', DESKTOP);
  const b = await t.user('baba5', '爸爸', PHONE);

  t.step('two friends with a private chat');
  await Promise.all([register(a), register(b)]);
  await befriend(a, b);
  await openPrivateChat(a, b);
  await send(a, '晚饭吃什么？');
  const chatId = (await apiFromPage(b, 'GET', '/api/auth/conversations')).body.data.find((c) => c.title === a.displayName).conversation_id;
  assert.match(chatId, /^c_\d+$/);

  t.step('deep link: signed in, /#/c/<id> opens the chat and clears the hash');
  await b.page.goto(`${b.base}/#/c/${chatId}`);
  await until('the linked chat to open', async () => (await tid(b.page, 'chat-title').isVisible()) && (await chatTitle(b)) === a.displayName);
  await waitForMessage(b, '晚饭吃什么？');
  assert.equal(await b.page.evaluate(() => location.hash), '');

  t.step('deep link: an unknown conversation says so and stays on the list');
  await b.page.goto(`${b.base}/#/c/c_999999`);
  await until('the toast', async () => (await tid(b.page, 'toast').isVisible()) && (await tid(b.page, 'toast').textContent()).includes('找不到该聊天'));
  assert.equal(await tid(b.page, 'chat-title').isVisible(), false);
  assert.equal(await tid(b.page, 'conversation-list').isVisible(), true);
  assert.equal(await b.page.evaluate(() => location.hash), '');

  t.step('deep link: signed out, the link waits for the login');
  await logout(b);
  await b.page.goto(`${b.base}/#/c/${chatId}`);
  await tid(b.page, 'login-form').waitFor();
  await tid(b.page, 'login-username').fill(b.username);
  await tid(b.page, 'login-password').fill(PASSWORD);
  await tid(b.page, 'login-submit').click();
  await until('the linked chat to open after login', async () => (await tid(b.page, 'chat-title').isVisible()) && (await chatTitle(b)) === a.displayName);
  assert.equal(await b.page.evaluate(() => location.hash), '');

  t.step('ntfy: 我的 → 通知 saves the topic, a token and 显示消息内容 off');
  const openProfile = async () => {
    await backToList(b);
    await tid(b.page, 'open-profile').click();
    await until('the settings to load', async () => (await tid(b.page, 'ntfy-status').textContent()) === '' && (await tid(b.page, 'ntfy-save').isEnabled()));
  };
  const closeProfile = () => b.page.locator('#profile-dialog [data-close]').click();
  await openProfile();
  assert.equal(await tid(b.page, 'ntfy-url').inputValue(), '');
  assert.equal(await tid(b.page, 'ntfy-show-content').isChecked(), true);
  assert.equal(await tid(b.page, 'ntfy-token-hint').isVisible(), false);
  // A local port nobody listens on: the notifier's attempts go nowhere.
  await tid(b.page, 'ntfy-url').fill('http://127.0.0.1:9/chatd-baba');
  await tid(b.page, 'ntfy-token').fill('tk_secret_abcd1234');
  await tid(b.page, 'ntfy-show-content').uncheck();
  await tid(b.page, 'ntfy-save').click();
  await until('the saved toast', async () => (await tid(b.page, 'toast').textContent()) === '通知设置已保存');
  assert.equal(await tid(b.page, 'ntfy-token').inputValue(), '', 'the token is never shown back');
  await closeProfile();

  t.step('ntfy: after a reload the values are back, the token masked');
  await reload(b);
  await until('signed in again', async () => (await tid(b.page, 'me-name').textContent()) === b.displayName);
  await openProfile();
  assert.equal(await tid(b.page, 'ntfy-url').inputValue(), 'http://127.0.0.1:9/chatd-baba');
  assert.equal(await tid(b.page, 'ntfy-token').inputValue(), '');
  assert.equal(await tid(b.page, 'ntfy-token').getAttribute('placeholder'), '访问令牌：••••1234');
  assert.equal(await tid(b.page, 'ntfy-token-hint').isVisible(), true);
  assert.equal(await tid(b.page, 'ntfy-show-content').isChecked(), false);
  const saved = (await apiFromPage(b, 'GET', '/api/auth/me/notifications')).body.data;
  assert.deepEqual(saved, { ntfy_url: 'http://127.0.0.1:9/chatd-baba', ntfy_token: '••••1234', show_content: false });

  t.step('ntfy: saving with the token left empty clears it (after the confirmation)');
  await tid(b.page, 'ntfy-show-content').check();
  await tid(b.page, 'ntfy-save').click();
  await until('the token to be cleared', async () => (await tid(b.page, 'ntfy-token').getAttribute('placeholder')) === '访问令牌（可选）');
  assert.equal(await tid(b.page, 'ntfy-token-hint').isVisible(), false);
  const cleared = (await apiFromPage(b, 'GET', '/api/auth/me/notifications')).body.data;
  assert.deepEqual(cleared, { ntfy_url: 'http://127.0.0.1:9/chatd-baba', ntfy_token: null, show_content: true });
  await closeProfile();

  t.step('installable: the service worker registers at /sw.js (scope /) and controls the page');
  await reload(a);
  await until('signed in again', async () => (await tid(a.page, 'me-name').textContent()) === a.displayName);
  const scope = await a.page.evaluate(async () => (await navigator.serviceWorker.ready).scope);
  assert.equal(scope, `${a.base}/`);
  await until('the worker to control the page', () => a.page.evaluate(() => !!navigator.serviceWorker.controller));
  const sw = await a.page.evaluate(async () => {
    const res = await fetch('/sw.js', { cache: 'no-store' });
    return { cache: res.headers.get('Cache-Control'), type: res.headers.get('Content-Type'), text: await res.text() };
  });
  assert.equal(sw.cache, 'no-cache');
  assert.match(sw.type, /javascript/);
  const version = /const VERSION = '([0-9a-f]{12})';/.exec(sw.text)[1];
  assert.ok(sw.text.includes(`"/v/${version}/app.js"`) && !sw.text.includes('__PRECACHE__'));
  assert.ok(await a.page.evaluate((v) => caches.has(`chatd-${v}`), version), 'the versioned cache');

  t.step('installable: the manifest is linked and fetchable with its icons; Chromium finds no installability error');
  const manifest = await a.page.evaluate(async () => {
    const href = document.querySelector('link[rel="manifest"]').href;
    const m = await (await fetch(href)).json();
    const icons = [];
    for (const i of m.icons) {
      const res = await fetch(i.src);
      icons.push({ ...i, status: res.status, type: res.headers.get('Content-Type') });
    }
    return { ...m, icons };
  });
  assert.equal(manifest.name, 'chatd');
  assert.equal(manifest.display, 'standalone');
  assert.equal(manifest.start_url, '/');
  for (const i of manifest.icons) assert.equal(i.status, 200, i.src);
  assert.ok(manifest.icons.some((i) => i.sizes === '192x192' && i.type === 'image/png'));
  assert.ok(manifest.icons.some((i) => i.sizes === '512x512' && i.purpose === 'maskable'));
  const cdp = await a.context.newCDPSession(a.page);
  const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
  // Playwright's contexts are incognito, which Chromium never installs from: that one aside.
  assert.deepEqual(installabilityErrors.filter((e) => e.errorId !== 'in-incognito'), []);

  t.step('installable: offline, a reload still shows the app (from the service worker)');
  await a.context.setOffline(true);
  const offline = await reload(a);
  assert.equal(offline.fromServiceWorker(), true);
  await tid(a.page, 'login-form').waitFor();
  await until('the offline explanation', async () => (await tid(a.page, 'auth-error').textContent()).includes('请刷新页面重试'));
  await a.context.setOffline(false);
  await reload(a);
  await until('signed in once online', async () => (await tid(a.page, 'me-name').textContent()) === a.displayName);

  t.step('Web Push: 新消息通知 subscribes with the server key and POSTs the subscription');
  // The browser's real push service is out of reach here: PushManager's subscribe and
  // getSubscription are stubbed in the page, returning a subscription whose toJSON() gives a
  // fixed endpoint and valid keys; the stub notes the applicationServerKey it was given.
  const ENDPOINT = 'https://push.example.test/send/chatd-notify-test';
  const KEYS = { p256dh: 'BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4', auth: 'BTBZMqHH6r4Tts7J_aSIgg' };
  await a.context.addInitScript(({ endpoint, keys }) => {
    let current = null;
    PushManager.prototype.subscribe = async function (options) {
      const key = new Uint8Array(options.applicationServerKey);
      window.__pushKey = btoa(String.fromCharCode(...key)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      current = {
        endpoint,
        options,
        toJSON: () => ({ endpoint, expirationTime: null, keys }),
        unsubscribe: async () => {
          current = null;
          return true;
        },
      };
      return current;
    };
    PushManager.prototype.getSubscription = async function () {
      return current;
    };
  }, { endpoint: ENDPOINT, keys: KEYS });
  await a.context.grantPermissions(['notifications'], { origin: a.base });
  await reload(a);
  await until('signed in again', async () => (await tid(a.page, 'me-name').textContent()) === a.displayName);
  await tid(a.page, 'open-profile').click();
  await until('the switch to show', () => tid(a.page, 'push-row').isVisible());
  assert.equal(await tid(a.page, 'push-state').textContent(), '关闭');
  assert.equal(await tid(a.page, 'push-toggle').isChecked(), false);
  const isPush = (method) => (r) => r.url() === `${a.base}/api/auth/push/subscriptions` && r.request().method() === method;
  let posted = a.page.waitForResponse(isPush('POST'));
  await tid(a.page, 'push-toggle').click();
  let res = await posted;
  assert.equal(res.status(), 201);
  assert.deepEqual(res.request().postDataJSON(), { endpoint: ENDPOINT, keys: KEYS });
  await until('开启', async () => (await tid(a.page, 'push-state').textContent()) === '开启');
  assert.equal(await tid(a.page, 'push-toggle').isChecked(), true);
  const info = (await apiFromPage(a, 'GET', '/api/info')).body.data;
  assert.equal(await a.page.evaluate(() => window.__pushKey), info.vapid_public_key, 'subscribed with the server key');

  t.step('Web Push: switched off, the subscription is DELETEd and the browser unsubscribed');
  let deleted = a.page.waitForResponse(isPush('DELETE'));
  await tid(a.page, 'push-toggle').click();
  res = await deleted;
  assert.equal(res.status(), 200);
  assert.deepEqual(res.request().postDataJSON(), { endpoint: ENDPOINT });
  await until('关闭', async () => (await tid(a.page, 'push-state').textContent()) === '关闭');
  assert.equal(await a.page.evaluate(async () => (await navigator.serviceWorker.ready).pushManager.getSubscription()), null);

  t.step('Web Push: on again, then logging out DELETEs it');
  posted = a.page.waitForResponse(isPush('POST'));
  await tid(a.page, 'push-toggle').click();
  assert.equal((await posted).status(), 201);
  await until('开启', async () => (await tid(a.page, 'push-state').textContent()) === '开启');
  await a.page.locator('#profile-dialog [data-close]').click();
  deleted = a.page.waitForResponse(isPush('DELETE'));
  await logout(a);
  res = await deleted;
  assert.equal(res.status(), 200);
  assert.deepEqual(res.request().postDataJSON(), { endpoint: ENDPOINT });
  assert.equal(await a.page.evaluate(async () => (await navigator.serviceWorker.ready).pushManager.getSubscription()), null);
});
