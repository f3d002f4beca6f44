// Groups, dropped connections and accounts in chatd's web client, in real headless Chromium.
//
// A rejected friend request; a group grown by invitation, then shrunk by removal and by
// leaving, each seen live by everyone concerned; a new display name; a phone that loses its
// network and catches up on what it missed; the server restarted under open pages (the
// disconnected indicator, an unsent message retried once it is back, stored once); and a
// password change that signs out the user's other device.

import {
  assert,
  DESKTOP,
  PHONE,
  PASSWORD,
  until,
  tid,
  messageTexts,
  waitForMessage,
  convItem,
  register,
  login,
  requestFriend,
  answerFriend,
  befriend,
  send,
  isStored,
  openChat,
  openPrivateChat,
  chatTitle,
  createGroup,
  tickFriend,
  inGroupPanel,
  control,
  networkProxy,
  scenario, reload } from './lib.mjs';

const memberCount = (u) => tid(u.page, 'group-member-item').count();
const offline = (u) => tid(u.page, 'connection-status').isVisible();

await scenario('groups', async (t) => {
  const a = await t.user('ayi', '阿姨', DESKTOP);
  const phoneNetwork = await networkProxy();
  const b = await t.user('biaoge', '表哥', PHONE, phoneNetwork.url);
  const c = await t.user('biaomei', '表妹', DESKTOP);

  t.step('register three users');
  await Promise.all([register(a), register(b), register(c)]);

  t.step('a rejected friend request makes no friendship');
  await requestFriend(c, b);
  await tid(c.page, 'open-friends').click();
  await tid(c.page, 'outgoing-request').filter({ hasText: `@${b.username}` }).waitFor();
  await answerFriend(b, c, 'reject');
  // friend.rejected: C's open panel follows without a click.
  await until("C's outgoing request to go", async () => (await tid(c.page, 'outgoing-request').count()) === 0);
  assert.equal(await tid(c.page, 'friend-item').count(), 0);
  await tid(c.page, 'friends-close').click();

  t.step('A befriends B and C');
  await befriend(a, b);
  await befriend(a, c);

  t.step('A creates a group with B, then invites C from the group panel');
  await createGroup(a, '表亲群', [b]);
  await openChat(b, '表亲群');
  await waitForMessage(b, `${a.displayName}邀请你加入了群聊`);
  await inGroupPanel(a, async () => {
    await tickFriend(a, '#group-invite-friends', c);
    await tid(a.page, 'group-invite-submit').click();
    await until('three members', async () => (await memberCount(a)) === 3);
  });
  await waitForMessage(a, `你邀请${c.displayName}加入了群聊`);
  await waitForMessage(b, `${a.displayName}邀请${c.displayName}加入了群聊`);
  await until("B's title to count three", async () => (await chatTitle(b)) === '表亲群（3）');
  await openChat(c, '表亲群');
  await waitForMessage(c, `${a.displayName}邀请你加入了群聊`);
  await send(c, '大家好');
  await waitForMessage(b, '大家好');

  t.step('群公告: A (the owner) publishes one; B and C see it above the chat, live; dismissed, it stays hidden');
  await inGroupPanel(a, async () => {
    await until('the announcement section', async () => (await tid(a.page, 'group-announcement').textContent()) === '暂无群公告');
    await tid(a.page, 'group-announcement-input').fill('周六晚上六点\n在奶奶家吃饭');
    await tid(a.page, 'group-announcement-submit').click();
    await until('the panel to show it', async () => (await tid(a.page, 'group-announcement').textContent()) === '周六晚上六点\n在奶奶家吃饭');
  });
  await waitForMessage(a, '你更新了群公告');
  for (const u of [b, c]) {
    await waitForMessage(u, `${a.displayName}更新了群公告`);
    await until('the banner', async () => (await tid(u.page, 'announcement-text').textContent()) === '周六晚上六点\n在奶奶家吃饭');
    assert.equal(await tid(u.page, 'announcement-banner').isVisible(), true);
  }
  await tid(c.page, 'group-info-button').click();
  await until("C's panel to show it", async () => (await tid(c.page, 'group-announcement').textContent()) === '周六晚上六点\n在奶奶家吃饭');
  assert.equal(await tid(c.page, 'group-announcement-input').isVisible(), false, 'only the owner edits it');
  await c.page.keyboard.press('Escape');
  await tid(b.page, 'announcement-dismiss').click();
  await until('the banner to go', async () => !(await tid(b.page, 'announcement-banner').isVisible()));
  await reload(b);
  await openChat(b, '表亲群');
  await waitForMessage(b, `${a.displayName}更新了群公告`);
  assert.equal(await tid(b.page, 'announcement-banner').isVisible(), false, 'dismissed stays dismissed');

  t.step("A removes B: B's chat closes and the group leaves B's list");
  await inGroupPanel(a, async () => {
    await tid(a.page, 'group-member-item').filter({ hasText: `@${b.username}` }).getByTestId('group-remove-member').click();
    await until('two members', async () => (await memberCount(a)) === 2);
  });
  await waitForMessage(a, `你将${b.displayName}移出了群聊`);
  await waitForMessage(c, `${a.displayName}将${b.displayName}移出了群聊`);
  await until("B's chat to close", async () => !(await tid(b.page, 'chat-window').isVisible()));
  await until('the group to leave B\'s list', async () => (await convItem(b.page, '表亲群').count()) === 0);
  assert.equal(await tid(b.page, 'toast').textContent(), '你已被移出「表亲群」');

  t.step('C leaves the group; A sees it live');
  await tid(c.page, 'group-info-button').click();
  await tid(c.page, 'group-leave-button').click();
  await until('the group to leave C\'s list', async () => (await convItem(c.page, '表亲群').count()) === 0);
  await waitForMessage(a, `${c.displayName}退出了群聊`);
  await until("A's title to count one", async () => (await chatTitle(a)) === '表亲群（1）');

  t.step('a new display name shows at once, and live to a friend');
  await tid(c.page, 'open-friends').click();
  await tid(c.page, 'friend-item').filter({ hasText: `${a.displayName}（@${a.username}）` }).waitFor();
  await tid(a.page, 'open-profile').click();
  assert.equal(await tid(a.page, 'profile-username').textContent(), a.username);
  await tid(a.page, 'profile-display-name').fill('大姨');
  await tid(a.page, 'profile-save').click();
  await until('the new name', async () => (await tid(a.page, 'me-name').textContent()) === '大姨');
  await a.page.locator('#profile-dialog [data-close]').click();
  a.displayName = '大姨';
  await tid(c.page, 'friend-item').filter({ hasText: `大姨（@${a.username}）` }).waitFor();
  await tid(c.page, 'friends-close').click();

  t.step('a phone that loses its network catches up on what it missed');
  await openPrivateChat(a, b);
  await send(a, '在吗？');
  await openChat(b, a.displayName);
  await waitForMessage(b, '在吗？');
  const streams = [];
  b.page.on('request', (r) => {
    if (r.url().includes('/api/events?')) streams.push(new URL(r.url()).searchParams.get('last_event_id'));
  });
  phoneNetwork.cut();
  await until("B's disconnected indicator", () => offline(b));
  await send(a, '断网时发的一');
  await send(a, '断网时发的二');
  phoneNetwork.restore();
  await until("B's indicator to go", async () => !(await offline(b)), 40_000);
  await waitForMessage(b, '断网时发的二');
  const seen = (await messageTexts(b.page)).filter((m) => m.startsWith('断网时发的'));
  assert.deepEqual(seen, ['断网时发的一', '断网时发的二'], 'each missed message once, in order');
  assert.ok(streams.length > 0 && streams.every((id) => /^\d+$/.test(id)), `resumed from the last event seen: ${streams}`);

  t.step('recall is offered only within the recall window (4 s here)');
  await send(a, '这条四秒后不能撤回');
  const fresh = tid(a.page, 'message-item').filter({ hasText: '这条四秒后不能撤回' });
  await fresh.getByTestId('message-content').click();
  assert.equal(await fresh.getByTestId('message-recall').count(), 1, 'recall offered at first');
  await until('the recall button to go', async () => (await fresh.getByTestId('message-recall').count()) === 0, 10_000);
  assert.equal(await fresh.getByTestId('message-delete').count(), 1, 'delete stays');
  await reload(b); // a page opened later offers no recall for old messages either
  await openChat(b, a.displayName);
  await waitForMessage(b, '这条四秒后不能撤回');
  await reload(a);
  await openChat(a, b.displayName);
  await waitForMessage(a, '这条四秒后不能撤回');
  assert.equal(await tid(a.page, 'message-recall').count(), 0, 'no recall for old messages after a reload');

  t.step('the server restarts under open pages (registration now closed): indicator, retry, stored once');
  await control('stop');
  await until("A's disconnected indicator", () => offline(a));
  await until("B's disconnected indicator", () => offline(b));
  const input = tid(a.page, 'message-input');
  await input.fill('服务器重启时写的');
  await input.press('Enter');
  await tid(a.page, 'message-send-error').waitFor();
  await control('start allow_registration=false');
  await until("A's indicator to go", async () => !(await offline(a)), 40_000);
  await until("B's indicator to go", async () => !(await offline(b)), 40_000);
  // No tap on 重试: reconnecting resends it (same client_msg_id).
  await until('the unsent message to be stored by itself', () => isStored(a, '服务器重启时写的'));
  await waitForMessage(b, '服务器重启时写的');
  await send(b, '收到，服务器回来了');
  await waitForMessage(a, '收到，服务器回来了');
  const count = (await messageTexts(a.page)).filter((m) => m === '服务器重启时写的').length;
  assert.equal(count, 1, 'shown once');

  t.step("a password change signs out A's other device, not this one");
  const a2 = await t.user('ayi', '大姨', PHONE);
  await login(a2);
  await tid(a.page, 'open-profile').click();
  await tid(a.page, 'password-old').fill(PASSWORD);
  await tid(a.page, 'password-new').fill('a-new-secret-2');
  await tid(a.page, 'password-submit').click();
  await until('the password form to clear', async () => (await tid(a.page, 'password-old').inputValue()) === '');
  await a.page.locator('#profile-dialog [data-close]').click();
  await until('the other device to be signed out', async () => tid(a2.page, 'login-form').isVisible());
  assert.equal(await tid(a2.page, 'auth-error').textContent(), '登录已失效，请重新登录');
  await send(a, '改完密码还能发');
  await waitForMessage(b, '改完密码还能发');
  assert.equal(await tid(a2.page, 'show-register').isVisible(), false, 'registration is closed: no sign-up link');
  await login(a2, 'a-new-secret-2');
});
