// A family's first evening with chatd's web client, in real headless Chromium.
//
// Three users, each in a browser context of their own (separate storage, separate event
// streams; one is phone-sized): register, become friends, chat, recall, a message of HTML, links, emoji,
// history paging, delete-for-me, pinning, muting, a group of three created and renamed, reload,
// logout. With CHATD_SCREENSHOTS set it also takes the README's screenshots.

import {
  assert,
  BASE,
  SHOTS,
  DESKTOP,
  PHONE,
  sleep,
  until,
  tid,
  messageTexts,
  waitForMessage,
  convItem,
  register,
  befriend,
  send,
  backToList,
  openChat,
  openPrivateChat,
  chatTitle,
  createGroup,
  inGroupPanel,
  apiFromPage,
  screenshot,
  scenario, reload } from './lib.mjs';

await scenario('family', async (t) => {
  const a = await t.user('mama', '妈妈', DESKTOP);
  const b = await t.user('baba', '爸爸', PHONE);
  const c = await t.user('didi', '弟弟', DESKTOP);

  t.step('register three users');
  await Promise.all([register(a), register(b), register(c)]);
  await screenshotLogin(t.browser);

  t.step('A and B become friends (request arrives live)');
  await befriend(a, b);

  t.step('A opens a private chat with B from the friends list');
  await openPrivateChat(a, b);

  t.step("A's message reaches B's list live, with an unread badge");
  await b.page.evaluate(() => {
    window.__sameDocument = true; // survives only if the page is never reloaded
  });
  await send(a, '晚饭吃什么？');
  const bItem = convItem(b.page, a.displayName);
  await until("B's unread badge to show 1", async () => (await bItem.getByTestId('unread-badge').textContent()) === '1');
  assert.equal(await b.page.title(), '(1) chatd', 'the tab title counts unread chats');
  assert.equal(await bItem.getByTestId('conversation-preview').textContent(), '晚饭吃什么？');

  t.step("B opens the chat: the badge clears and stays cleared");
  await bItem.click();
  await waitForMessage(b, '晚饭吃什么？');
  assert.equal(await tid(b.page, 'back-button').isVisible(), true, 'phone: the chat has a back button');
  assert.equal(await b.page.locator('.sidebar').isVisible(), false, 'phone: one pane at a time');
  await tid(b.page, 'back-button').click();
  await until("B's list after going back", () => bItem.isVisible());
  await until('the badge to be gone after reading', async () => (await bItem.getByTestId('unread-badge').count()) === 0);
  assert.equal(await b.page.title(), 'chatd');
  await reload(b);
  await until("B's list after reload", () => bItem.isVisible());
  assert.equal(await bItem.getByTestId('unread-badge').count(), 0, 'the server counts the chat as read');
  await b.page.evaluate(() => {
    window.__sameDocument = true;
  });
  await bItem.click();
  await waitForMessage(b, '晚饭吃什么？');

  t.step("A's next message appears in B's open chat without reload");
  await send(a, '我做红烧肉 🍖');
  await waitForMessage(b, '我做红烧肉 🍖');
  assert.equal(await b.page.evaluate(() => window.__sameDocument), true, 'B never reloaded');
  await send(b, '好呀，我七点到家');
  await waitForMessage(a, '好呀，我七点到家');
  const senders = await tid(a.page, 'message-sender').allTextContents();
  assert.deepEqual(senders.slice(-3), ['我', '我', b.displayName]);

  t.step('A recalls a message: both see the recall notice');
  const first = tid(a.page, 'message-item').filter({ hasText: '晚饭吃什么？' });
  await first.getByTestId('message-content').click(); // shows the message's actions
  await first.getByTestId('message-recall').click();
  await waitForMessage(a, '你撤回了一条消息');
  await waitForMessage(b, `${a.displayName}撤回了一条消息`);
  for (const u of [a, b]) {
    assert.equal((await messageTexts(u.page)).includes('晚饭吃什么？'), false, `${u.username} no longer sees the text`);
    const notice = tid(u.page, 'message-item').filter({ hasText: '撤回了一条消息' });
    assert.equal(await notice.getAttribute('data-status'), '2', 'the notice is a system message');
    // Centred: the notice's text sits in the middle of the message list.
    const offset = await notice.evaluate((el) => {
      const text = el.querySelector('[data-testid="message-content"]').getBoundingClientRect();
      const list = document.getElementById('msg-list').getBoundingClientRect();
      return Math.abs(text.left + text.width / 2 - (list.left + list.width / 2));
    });
    assert.ok(offset < 4, `system messages are centred (off by ${offset}px)`);
  }

  t.step('a message that looks like HTML is shown as text and runs nothing');
  const xss = '<img src=x onerror="window.__xss=1;alert(1)"><script>window.__xss=2</script>';
  await send(a, xss);
  await waitForMessage(b, xss);
  await sleep(300);
  for (const u of [a, b]) {
    const found = await u.page.evaluate(() => ({
      xss: window.__xss ?? null,
      imgs: document.querySelectorAll('#msg-list img, #msg-list script').length,
    }));
    assert.deepEqual(found, { xss: null, imgs: 0 }, `${u.username}: the markup stayed text`);
  }
  const preview = await convItem(b.page, a.displayName).getByTestId('conversation-preview').textContent();
  assert.equal(preview, xss.slice(0, 100), 'the list preview is text too');

  t.step('web addresses become links to a new tab, never javascript:');
  const withLinks = '看看 https://example.com/a?b=1。还有 javascript:alert(1) 和 www.example.org.';
  await send(a, withLinks);
  await waitForMessage(b, withLinks);
  const bubbleOf = tid(b.page, 'message-item').filter({ hasText: '看看' }).getByTestId('message-content');
  const links = await bubbleOf.getByTestId('message-link').evaluateAll((as) =>
    as.map((x) => ({ href: x.getAttribute('href'), text: x.textContent, target: x.target, rel: x.rel }))
  );
  assert.deepEqual(links, [
    { href: 'https://example.com/a?b=1', text: 'https://example.com/a?b=1', target: '_blank', rel: 'noopener noreferrer' },
    { href: 'https://www.example.org/', text: 'www.example.org', target: '_blank', rel: 'noopener noreferrer' },
  ]);
  assert.equal(await bubbleOf.textContent(), withLinks, 'the text reads as sent');

  t.step('the emoji picker puts emoji where the cursor is');
  await tid(a.page, 'message-input').fill('好的');
  await tid(a.page, 'emoji-button').click();
  assert.equal(await tid(a.page, 'emoji-menu').isVisible(), true);
  await tid(a.page, 'emoji-choice').filter({ hasText: '👍' }).click();
  await tid(a.page, 'emoji-choice').filter({ hasText: '🎉' }).click();
  assert.equal(await tid(a.page, 'message-input').inputValue(), '好的👍🎉');
  await tid(a.page, 'send-button').click();
  await waitForMessage(b, '好的👍🎉');
  assert.equal(await tid(a.page, 'emoji-menu').isVisible(), false, 'sending closes it');

  t.step('A and C become friends');
  await befriend(a, c);

  t.step('A creates a group of three: everyone sees it and its system message');
  await createGroup(a, '一家人', [b, c]);
  await waitForMessage(a, `你邀请${b.displayName}、${c.displayName}加入了群聊`);
  for (const u of [b, c]) {
    await openChat(u, '一家人'); // waits for the group to arrive live
    await until(`${u.username}'s group title`, async () => (await chatTitle(u)) === '一家人（3）');
    const others = u === b ? `你、${c.displayName}` : `${b.displayName}、你`;
    await waitForMessage(u, `${a.displayName}邀请${others}加入了群聊`);
  }

  t.step('A renames the group: the system message and new title reach everyone live');
  await inGroupPanel(a, async () => {
    await until('three members listed', async () => (await tid(a.page, 'group-member-item').count()) === 3);
    await tid(a.page, 'group-rename-input').fill('周末聚餐');
    await tid(a.page, 'group-rename-submit').click();
  });
  await waitForMessage(a, '你修改群名为「周末聚餐」');
  for (const u of [b, c]) {
    await waitForMessage(u, `${a.displayName}修改群名为「周末聚餐」`);
    await until(`${u.username}'s title to follow`, async () => (await chatTitle(u)) === '周末聚餐（3）');
  }
  await send(c, '周六见！');
  await waitForMessage(a, '周六见！');
  await waitForMessage(b, '周六见！');

  t.step('history: older pages load when scrolling up');
  const privateId = await convItem(a.page, b.displayName).getAttribute('data-id');
  for (let i = 0; i < 60; i++) {
    const res = await apiFromPage(a, 'POST', '/api/auth/messages', { conversation_id: privateId, content: `第${i}条` });
    assert.equal(res.status, 201);
  }
  await openChat(b, a.displayName);
  await waitForMessage(b, '第59条');
  assert.equal((await messageTexts(b.page)).includes('第0条'), false, 'only the newest page at first');
  await tid(b.page, 'message-list').evaluate((el) => {
    el.scrollTop = 0;
  });
  await waitForMessage(b, '第0条');
  const history = (await messageTexts(b.page)).filter((t) => /^第\d+条$/.test(t));
  assert.deepEqual(history, Array.from({ length: 60 }, (_, i) => `第${i}条`), 'oldest first, none twice');

  t.step('delete-for-me hides a message for B only');
  const doomed = tid(b.page, 'message-item').filter({ hasText: '第59条' });
  await doomed.getByTestId('message-content').click();
  await doomed.getByTestId('message-delete').click();
  await until('the deleted message to go', async () => !(await messageTexts(b.page)).includes('第59条'));

  t.step('a pinned conversation comes first');
  await tid(b.page, 'pin-button').click();
  await until('the pin to take', async () => (await tid(b.page, 'pin-button').textContent()) === '取消置顶');

  t.step('消息免打扰: B mutes the chat with A');
  await tid(b.page, 'mute-button').click();
  await until('the mute to take', async () => (await tid(b.page, 'mute-button').getAttribute('aria-pressed')) === 'true');

  t.step('reload keeps the session');
  await reload(b);
  await until("B signed in after reload", async () => (await tid(b.page, 'me-name').textContent()) === b.displayName);
  assert.equal(await tid(b.page, 'login-form').isVisible(), false);
  await until("B's two conversations", async () => (await tid(b.page, 'conversation-item').count()) === 2);
  const titles = await tid(b.page, 'conversation-title').allTextContents();
  assert.deepEqual(titles, [a.displayName, '周末聚餐'], 'the pinned chat first, though the group is newer');
  await openChat(b, a.displayName);
  await waitForMessage(b, '第58条');
  assert.equal((await messageTexts(b.page)).includes('第59条'), false, 'the delete was stored');
  const newest = await apiFromPage(a, 'GET', `/api/auth/conversations/${privateId}?limit=1`);
  assert.equal(newest.body.data[0].content, '第59条', 'A still has the message B deleted');
  await backToList(b);

  t.step('a muted chat shows a grey dot, not a count, and stays out of the tab title');
  const muted = tid(b.page, 'conversation-item').filter({ hasText: a.displayName });
  assert.equal(await muted.getByTestId('mute-mark').count(), 1, 'the muted bell, after the reload too');
  for (const content of ['免打扰时的消息1', '免打扰时的消息2']) {
    const res = await apiFromPage(a, 'POST', '/api/auth/messages', { conversation_id: privateId, content });
    assert.equal(res.status, 201);
  }
  await until('a grey dot on the muted chat', async () => (await muted.getByTestId('unread-dot').count()) === 1);
  assert.equal(await muted.getByTestId('unread-badge').count(), 0, 'no count on a muted chat');
  const counted = await tid(b.page, 'unread-badge').count();
  assert.equal(await b.page.title(), counted ? `(${counted}) chatd` : 'chatd', 'the title counts only unmuted chats');

  if (SHOTS) {
    t.step('screenshots');
    await openChat(b, '周末聚餐');
    for (const [u, text] of [
      [b, '我带水果和酸奶'],
      [a, '好，六点开饭，别迟到'],
      [c, '收到！我把游戏机也带上'],
      [b, '作业写完再玩 😄'],
    ]) {
      await send(u, text);
      for (const v of [a, b, c]) await waitForMessage(v, text);
    }
    await until('the toasts to fade', async () => {
      for (const u of [a, b]) if (await tid(u.page, 'toast').isVisible()) return false;
      return true;
    });
    for (const u of [a, b]) {
      assert.ok((await tid(u.page, 'date-separator').count()) > 0, 'the chat has a date separator');
      assert.ok((await tid(u.page, 'message-list').getByTestId('avatar').count()) > 0, 'messages have avatars');
    }
    await screenshot(a, 'desktop-chat');
    await screenshot(b, 'phone-chat');
    for (const u of [a, b]) await u.page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(a, 'desktop-chat-dark');
    await screenshot(b, 'phone-chat-dark');
    await backToList(b);
    await screenshot(b, 'phone-list-dark');
    for (const u of [a, b]) await u.page.emulateMedia({ colorScheme: 'light' });
    await screenshot(b, 'phone-list');
    await reload(a);
    await until("A's list", async () => (await tid(a.page, 'conversation-item').count()) === 2);
    await screenshot(a, 'desktop-list');
  }

  t.step('logout ends the session, also after reload');
  await tid(a.page, 'open-profile').click();
  await tid(a.page, 'logout-button').click();
  assert.equal(await tid(a.page, 'login-form').isVisible(), false, 'logging out asks first');
  await tid(a.page, 'logout-confirm').click();
  await tid(a.page, 'login-form').waitFor();
  await reload(a);
  await tid(a.page, 'login-form').waitFor();
  assert.equal(await a.page.locator('#app-view').isVisible(), false);
});

/** The login page, in a fresh context of its own (only when screenshots are asked for). */
async function screenshotLogin(browser) {
  if (!SHOTS) return;
  const context = await browser.newContext({ viewport: PHONE, locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(`${BASE}/`);
  await page.getByTestId('login-form').waitFor();
  await sleep(200);
  await page.screenshot({ path: `${SHOTS}/phone-login.png` });
  await context.close();
}
