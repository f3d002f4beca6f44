// Forward (转发), typing (正在输入), clear history (清空聊天记录), removing a chat from the list
// (删除聊天) and remarks (备注) in the web client, in real headless Chromium (API.md §14).
//
// A (妈妈, desktop) is friends with B (爸爸, phone) and C (弟弟, desktop); the three share the
// group 一家人. A chooses two messages of the chat with B (转发 in the menu, then a second
// checkbox) and forwards them to 一家人 and to the chat with C through the picker (filtered,
// two ticked): B and C see both copies arrive. C types in the group: B sees 「弟弟正在输入…」,
// gone after a few seconds, and gone at once when C's message comes; A typing in the private
// chat shows B 「对方正在输入…」. B clears the chat with A from its 聊天信息: B's side is empty
// (also after a reload), A's is not. C removes the chat with A from the list by its menu (a
// right click): it leaves the list and the open chat closes; A's next message brings it back
// with its unread count; removed again, the friends panel's 发消息 brings it back (from
// …/info). C mutes 一家人 from the same menu: a grey dot, no count. B pins it by a long press.
// A gives B the remark 老公: A's friends list, the private chat's title and B's name in the
// group change for A only, and B renaming themselves does not undo it. With CHATD_SCREENSHOTS
// set it takes the phone's typing indicator and the forward picker.

import {
  assert,
  DESKTOP,
  PHONE,
  until,
  sleep,
  tid,
  convItem,
  register,
  befriend,
  send,
  waitForMessage,
  messageTexts,
  backToList,
  openChat,
  openPrivateChat,
  createGroup,
  chatTitle,
  screenshot,
  scenario, reload } from './lib.mjs';

/** The open chat's message whose text is `text`. */
const messageItem = (u, text) =>
  tid(u.page, 'message-item').filter({ has: u.page.getByTestId('message-content').getByText(text, { exact: true }) });

/** The typing indicator's text, or null while it is hidden. */
const typingText = async (u) => ((await tid(u.page, 'typing-indicator').isVisible()) ? tid(u.page, 'typing-indicator').textContent() : null);

/** How many times `text` shows in the open chat. */
const countOf = async (u, text) => (await messageTexts(u.page)).filter((t) => t === text).length;

/** Right-clicks the list item `title` and picks `testid` from its menu. */
async function listMenu(u, title, testid) {
  await backToList(u);
  await convItem(u.page, title).click({ button: 'right' });
  await until('the conversation menu', () => tid(u.page, 'conversation-menu').isVisible());
  await tid(u.page, testid).click();
}

/** A finger held on the list item `title` for 600 ms, then lifted (with the click that ends a
 * touch): what a phone's long press sends. */
async function longPress(u, title) {
  await convItem(u.page, title).evaluate(async (li) => {
    const r = li.getBoundingClientRect();
    const at = { bubbles: true, pointerType: 'touch', clientX: r.left + 60, clientY: r.top + r.height / 2 };
    li.dispatchEvent(new PointerEvent('pointerdown', at));
    await new Promise((done) => setTimeout(done, 600));
    li.dispatchEvent(new PointerEvent('pointerup', at));
    li.dispatchEvent(new MouseEvent('click', at));
  });
}

await scenario('staples2', async (t) => {
  const a = await t.user('mama2', '妈妈', DESKTOP);
  const b = await t.user('baba2', '爸爸', PHONE);
  const c = await t.user('didi2', '弟弟', DESKTOP);

  t.step('three users; A befriends B and C, chats with each, and makes the group 一家人');
  await Promise.all([register(a), register(b), register(c)]);
  await befriend(a, b);
  await befriend(a, c);
  await openPrivateChat(a, c);
  await send(a, '在吗？');
  await openPrivateChat(a, b);
  const first = '晚饭做好了';
  const second = '周末去爬山吧';
  await send(a, first);
  await send(a, second);
  await createGroup(a, '一家人', [b, c]);

  t.step('A opens the chat with B, chooses 转发 on a message, then ticks a second one');
  await openChat(a, b.displayName);
  await waitForMessage(a, second);
  await messageItem(a, second).getByTestId('message-content').click();
  await messageItem(a, second).getByTestId('message-forward').click();
  await until('the select bar', () => tid(a.page, 'select-bar').isVisible());
  assert.equal(await tid(a.page, 'message-input').isVisible(), false, 'the bar replaces the composer');
  assert.equal(await tid(a.page, 'select-count').textContent(), '已选择 1 条');
  await messageItem(a, first).getByTestId('message-select').click();
  await until('two chosen', async () => (await tid(a.page, 'select-count').textContent()) === '已选择 2 条');
  assert.equal(await messageItem(a, first).getByTestId('message-select').isChecked(), true);
  assert.equal(await messageItem(a, second).getByTestId('message-select').isChecked(), true);

  t.step('the picker: filtered to 一家人, ticked, then the chat with C ticked too; 发送 → 已转发');
  await tid(a.page, 'forward-selected').click();
  const picker = tid(a.page, 'forward-picker');
  await until('the forward picker', () => picker.isVisible());
  const target = (title) => tid(a.page, 'forward-target').filter({ hasText: title });
  await tid(a.page, 'forward-filter').fill('一家');
  await until('the filtered targets', async () => (await tid(a.page, 'forward-target').count()) === 1);
  await target('一家人').click();
  await tid(a.page, 'forward-filter').fill('');
  await until('every target again', async () => (await tid(a.page, 'forward-target').count()) === 3);
  await target(c.displayName).click();
  assert.equal(await tid(a.page, 'forward-confirm').textContent(), '发送（2）');
  await tid(a.page, 'forward-confirm').click();
  await until('已转发', async () => (await tid(a.page, 'toast').textContent()) === '已转发');
  await until('the picker and the bar to close', async () => !(await picker.isVisible()) && !(await tid(a.page, 'select-bar').isVisible()));
  assert.equal(await tid(a.page, 'message-input').isVisible(), true, 'the composer is back');
  assert.equal(await tid(a.page, 'message-select').count(), 0, 'no checkboxes left');

  t.step('the copies arrive: B in 一家人, C in the chat with A, in order');
  await openChat(b, '一家人');
  await waitForMessage(b, second);
  const bTexts = await messageTexts(b.page);
  assert.ok(bTexts.indexOf(first) >= 0 && bTexts.indexOf(first) < bTexts.indexOf(second), 'oldest first');
  await openChat(c, a.displayName);
  await waitForMessage(c, first);
  await waitForMessage(c, second);
  await openChat(a, '一家人');
  await waitForMessage(a, second);
  assert.equal(await countOf(a, first), 1, 'the sender sees each copy once');

  t.step('C types in 一家人: B (phone) sees 「弟弟正在输入…」, and it goes after a few seconds');
  await openChat(c, '一家人');
  const cInput = tid(c.page, 'message-input');
  await cInput.click();
  await cInput.pressSequentially('我');
  await until("B's typing indicator", async () => (await typingText(b)) === `${c.displayName}正在输入…`);
  await screenshot(b, 'phone-typing');
  assert.equal(await typingText(a), `${c.displayName}正在输入…`, 'A sees it too');
  assert.equal(await typingText(c), null, 'not the typer');
  await until('the indicator to go by itself', async () => (await typingText(b)) === null, 9000);

  t.step('C types again and sends: the indicator goes as the message comes');
  await sleep(500);
  await cInput.pressSequentially('马上到');
  await until("B's typing indicator again", async () => (await typingText(b)) !== null);
  await cInput.press('Enter');
  await waitForMessage(b, '我马上到');
  await until('the indicator gone with the message', async () => (await typingText(b)) === null, 1500);

  t.step('A types in the chat with B: B sees 「对方正在输入…」');
  await openChat(b, a.displayName);
  await openChat(a, b.displayName);
  await tid(a.page, 'message-input').pressSequentially('好');
  await until("B's 对方正在输入…", async () => (await typingText(b)) === '对方正在输入…');
  await tid(a.page, 'message-input').fill('');

  t.step('B clears the chat with A from 聊天信息: empty on B, A keeps it, also after a reload');
  await tid(b.page, 'chat-info-button').click();
  const bInfo = tid(b.page, 'chat-info-panel');
  await until('the chat info panel', () => bInfo.isVisible());
  await until('the friend card', async () => (await tid(b.page, 'friend-name').textContent()) === a.displayName);
  await bInfo.getByTestId('clear-history').click();
  await until('已清空', async () => (await tid(b.page, 'toast').textContent()) === '已清空');
  await until("B's chat empty", async () => (await tid(b.page, 'message-item').count()) === 0);
  assert.equal(await bInfo.isVisible(), false, 'the panel closes');
  assert.match(await b.page.locator('#older-status').textContent(), /暂无聊天记录/);
  await backToList(b);
  assert.equal(await convItem(b.page, a.displayName).getByTestId('conversation-preview').textContent(), '', 'the preview empties');
  assert.ok((await messageTexts(a.page)).includes(second), 'A still has the messages');
  await reload(b);
  await openChat(b, a.displayName);
  await until("B's chat loaded", async () => /暂无聊天记录/.test(await b.page.locator('#older-status').textContent()));
  assert.equal(await tid(b.page, 'message-item').count(), 0, 'still empty after a reload');

  t.step('C removes the open chat with A from the list (right click → 删除聊天): it leaves, the chat closes');
  await openChat(c, a.displayName);
  await waitForMessage(c, second);
  await listMenu(c, a.displayName, 'conversation-delete');
  await until('已删除', async () => (await tid(c.page, 'toast').textContent()) === '已删除');
  await until("the item to leave C's list", async () => (await convItem(c.page, a.displayName).count()) === 0);
  assert.equal(await tid(c.page, 'chat-window').isVisible(), false, 'the open chat closed');
  assert.equal(await tid(c.page, 'conversation-menu').isVisible(), false, 'the menu closed');

  t.step("A's next message brings it back, unread, with only the new message");
  await openChat(a, c.displayName);
  await send(a, '晚上回来吃饭吗？');
  await until("the chat back in C's list", () => convItem(c.page, a.displayName).isVisible());
  await until('its unread badge', async () => (await convItem(c.page, a.displayName).getByTestId('unread-badge').textContent()) === '1');
  await openChat(c, a.displayName);
  await waitForMessage(c, '晚上回来吃饭吗？');
  assert.deepEqual(await messageTexts(c.page), ['晚上回来吃饭吗？'], 'the old history stays cleared');

  t.step('C removes it again and opens it from the friends panel: back in the list, titled, empty');
  await listMenu(c, a.displayName, 'conversation-delete');
  await until("the item to leave C's list again", async () => (await convItem(c.page, a.displayName).count()) === 0);
  await openPrivateChat(c, a);
  await until("the chat in C's list", () => convItem(c.page, a.displayName).isVisible());
  await until("C's chat loaded", async () => /暂无聊天记录/.test(await c.page.locator('#older-status').textContent()));
  assert.equal(await tid(c.page, 'message-item').count(), 0, 'its history cleared');

  t.step('C mutes 一家人 from the list menu: a grey dot, not a count');
  await listMenu(c, '一家人', 'conversation-mute');
  await until('the mute mark', async () => (await convItem(c.page, '一家人').getByTestId('mute-mark').count()) === 1);
  await openChat(a, '一家人');
  await send(a, '都回来吃饭');
  const muted = convItem(c.page, '一家人');
  await until('a grey dot on the muted group', async () => (await muted.getByTestId('unread-dot').count()) === 1);
  assert.equal(await muted.getByTestId('unread-badge').count(), 0, 'no count on a muted group');

  t.step('B (phone) pins 一家人 by a long press on it: the menu, and no chat opens');
  await backToList(b);
  await longPress(b, '一家人');
  await until("B's conversation menu", () => tid(b.page, 'conversation-menu').isVisible());
  assert.equal(await tid(b.page, 'chat-window').isVisible(), false, 'the press opened no chat');
  assert.equal(await tid(b.page, 'conversation-pin').textContent(), '置顶');
  await tid(b.page, 'conversation-pin').click();
  await until('the pin mark', async () => (await convItem(b.page, '一家人').getByTestId('pin-mark').count()) === 1);
  assert.equal(await tid(b.page, 'conversation-menu').isVisible(), false, 'the menu closed');

  t.step('B says something in the group; A gives B the remark 老公 from the friends list');
  await openChat(b, '一家人');
  await send(b, '收到');
  await waitForMessage(a, '收到');
  await tid(a.page, 'open-friends').click();
  const bFriend = tid(a.page, 'friend-item').filter({ hasText: `@${b.username}` });
  await bFriend.getByTestId('friend-remark-button').click();
  await until('the friend card', () => tid(a.page, 'chat-info-panel').isVisible());
  await tid(a.page, 'remark-input').fill('老公');
  await tid(a.page, 'remark-save').click();
  await until('备注已保存', async () => (await tid(a.page, 'toast').textContent()) === '备注已保存');
  assert.equal(await tid(a.page, 'friend-name').textContent(), '老公');
  await a.page.locator('#chat-info-dialog [data-close]').click();
  await until('the friends list shows the remark', async () => (await bFriend.textContent()).includes('老公') && (await bFriend.getByTestId('friend-nickname').textContent()) === `昵称：${b.displayName}`);
  await tid(a.page, 'friends-close').click();

  t.step("the remark replaces B's name for A only: the list, the group's senders");
  await until("A's list titles the chat 老公", () => convItem(a.page, '老公').isVisible());
  const sender = (u) => messageItem(u, '收到').getByTestId('message-sender').textContent();
  await until("A's group shows 老公 as the sender", async () => (await sender(a)) === '老公');
  await openChat(c, '一家人');
  await waitForMessage(c, '收到');
  assert.equal(await sender(c), b.displayName, 'C still sees 爸爸');
  await openChat(a, '老公');
  assert.equal(await chatTitle(a), '老公');

  t.step('B renames themselves: C follows, A keeps the remark');
  await backToList(b);
  await tid(b.page, 'open-profile').click();
  await tid(b.page, 'profile-display-name').fill('老爸');
  await tid(b.page, 'profile-save').click();
  await until('the rename', async () => (await tid(b.page, 'toast').textContent()) === '昵称已保存');
  await b.page.locator('#profile-dialog [data-close]').click();
  await until('C sees the new name', async () => (await sender(c)) === '老爸');
  await openChat(a, '一家人');
  await waitForMessage(a, '收到');
  assert.equal(await sender(a), '老公', 'the remark stays');
  assert.ok(await convItem(a.page, '老公').isVisible(), 'and titles the private chat');
  await tid(a.page, 'open-friends').click();
  await until("A's card of B has the new nickname", async () => (await bFriend.getByTestId('friend-nickname').textContent()) === '昵称：老爸');
  await tid(a.page, 'friends-close').click();

  t.step('the forward picker on the phone (screenshot)');
  await openChat(b, '一家人');
  await waitForMessage(b, '收到');
  await messageItem(b, '收到').getByTestId('message-content').click();
  await messageItem(b, '收到').getByTestId('message-forward').click();
  await tid(b.page, 'forward-selected').click();
  await until("B's picker", () => tid(b.page, 'forward-picker').isVisible());
  await tid(b.page, 'forward-target').filter({ hasText: a.displayName }).click();
  await screenshot(b, 'phone-forward');
  await tid(b.page, 'forward-close').click();
  await tid(b.page, 'select-cancel').click();
  await until("B's bar to go", async () => !(await tid(b.page, 'select-bar').isVisible()));
});
