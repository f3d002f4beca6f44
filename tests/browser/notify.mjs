// Notifications and the installable app in the web client (API.md §11, §15), in real headless
// Chromium.
//
// A (妈妈, desktop) and B (爸爸, phone) are friends with a private chat. Deep links: B, signed
// in, loads `/#/c/<id>` (a notification's link): the chat opens and the hash is cleared; an
// unknown conversation says so and stays on the list; signed out, the link waits for the
// login and then opens the chat.

import { assert, DESKTOP, PHONE, until, tid, PASSWORD, register, logout, befriend, send, waitForMessage, openPrivateChat, chatTitle, apiFromPage, scenario } from './lib.mjs';

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
});
