// Quote-reply (引用) and @mentions in the web client, in real headless Chromium (API.md §14).
//
// A (妈妈, desktop, the group's owner), B (爸爸, phone) and C (弟弟, desktop) share the group
// 一家人. B quotes A's message from its menu (the chip above the composer, removed once and
// chosen again): A sees the quote under B's bubble live, as 「我：…」, and tapping it scrolls to
// the quoted message and flashes it. In the composer 「@」 opens the member picker: B (not the
// owner) gets the others without 所有人, Esc closes it; A gets 所有人 first, narrows it by
// typing and picks C, and the send carries C's id. C, in another chat, sees 「[有人@我]」 in the
// list live; it clears when C opens the group, where 「@弟弟」 is marked, and stays cleared
// after a reload. A's 「@所有人」 (chosen with Enter) shows 「[@所有人]」 to C. A recalls the
// quoted message: every quote of it reads 「引用的内容已撤回」, live and after a reload. With
// CHATD_SCREENSHOTS set it takes the README's quote-and-mention screenshots (the desktop one
// with the picker open).

import {
  assert,
  DESKTOP,
  PHONE,
  until,
  tid,
  convItem,
  register,
  befriend,
  send,
  isStored,
  waitForMessage,
  backToList,
  openChat,
  openPrivateChat,
  createGroup,
  apiFromPage,
  screenshot,
  scenario, reload } from './lib.mjs';

/** The open chat's message whose text is `text`. */
const messageItem = (u, text) =>
  tid(u.page, 'message-item').filter({ has: u.page.getByTestId('message-content').getByText(text, { exact: true }) });

/** The quote block under the message `text`, as shown (or null). */
const quoteOf = async (u, text) => {
  const q = messageItem(u, text).getByTestId('message-quote');
  return (await q.count()) ? q.textContent() : null;
};

/** The list's mention mark on the conversation `title` (or null). */
const markOf = async (u, title) => {
  const m = convItem(u.page, title).getByTestId('mention-mark');
  return (await m.count()) ? m.textContent() : null;
};

/** The names the open @ picker offers, in order (null when it is closed). */
const choices = async (u) => ((await tid(u.page, 'mention-picker').isVisible()) ? tid(u.page, 'mention-choice').locator('.mention-name').allTextContents() : null);

/** The next message send's request body from `u`'s page, while `action` runs. */
async function sentBody(u, action) {
  const [req] = await Promise.all([u.page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/auth/messages'), action()]);
  return req.postDataJSON();
}

await scenario('staples', async (t) => {
  const a = await t.user('mama', '妈妈', DESKTOP);
  const b = await t.user('baba', '爸爸', PHONE);
  const c = await t.user('didi', '弟弟', DESKTOP);

  t.step('three users; A befriends B and C and makes the group 一家人; C is in another chat');
  await Promise.all([register(a), register(b), register(c)]);
  await befriend(a, b);
  await befriend(a, c);
  await openPrivateChat(a, c);
  await send(a, '放学了吗？');
  await openChat(c, a.displayName);
  await waitForMessage(c, '放学了吗？');
  await createGroup(a, '一家人', [b, c]);
  const cId = (await apiFromPage(c, 'GET', '/api/auth/me')).body.data.user_id;

  t.step('A asks; B (phone) quotes it from the message menu, removes the chip, quotes again');
  const asked = '今晚吃饺子？';
  await send(a, asked);
  await openChat(b, '一家人');
  await waitForMessage(b, asked);
  await messageItem(b, asked).getByTestId('message-content').click();
  await messageItem(b, asked).getByTestId('message-reply').click();
  const chip = tid(b.page, 'compose-quote');
  await until('the quote chip', () => chip.isVisible());
  assert.equal(await chip.locator('.compose-quote-text').textContent(), `${a.displayName}: ${asked}`, 'sender: content');
  await tid(b.page, 'compose-quote-cancel').click();
  await until('the chip to go', async () => !(await chip.isVisible()));
  await messageItem(b, asked).getByTestId('message-content').click();
  await messageItem(b, asked).getByTestId('message-reply').click();
  await until('the quote chip again', () => chip.isVisible());

  t.step('B sends the reply: it carries reply_to, the chip clears, the bubble shows the quote');
  const reply = '好呀，我去买韭菜';
  const askedId = await messageItem(b, asked).getAttribute('data-id');
  const body = await sentBody(b, () => send(b, reply));
  assert.equal(body.reply_to, askedId, 'the send quotes the message');
  assert.equal(body.mentions, undefined, 'no mentions');
  assert.equal(await chip.isVisible(), false, 'sending clears the chip');
  assert.equal(await quoteOf(b, reply), `${a.displayName}：${asked}`);

  t.step('A sees the quote live (their own message: 我), and tapping it flashes the quoted message');
  await waitForMessage(a, reply);
  await until("A's quote block", async () => (await quoteOf(a, reply)) === `我：${asked}`);
  await messageItem(a, reply).getByTestId('message-quote').click();
  await until('the quoted message highlighted', async () => (await messageItem(a, asked).getAttribute('class')).includes('highlight'));

  t.step('B (not the owner) types @: the others without 所有人; Esc closes it');
  const bInput = tid(b.page, 'message-input');
  await bInput.click();
  await bInput.pressSequentially('@');
  await until("B's picker", async () => JSON.stringify(await choices(b)) === JSON.stringify([a.displayName, c.displayName]));
  await bInput.press('Escape');
  await until("B's picker to close", async () => (await choices(b)) === null);
  assert.equal(await bInput.inputValue(), '@', 'Esc leaves the text');
  await bInput.fill('');

  t.step('A types @: 所有人 first, narrowed by typing, picks C; the send mentions C');
  const aInput = tid(a.page, 'message-input');
  await aInput.click();
  await aInput.pressSequentially('@');
  await until("A's picker: 所有人, then the others", async () => {
    const shown = await choices(a);
    return shown && shown[0] === '所有人' && JSON.stringify(shown.slice(1).sort()) === JSON.stringify([b.displayName, c.displayName].sort());
  });
  await aInput.pressSequentially('弟');
  await until('the picker narrowed', async () => JSON.stringify(await choices(a)) === JSON.stringify([c.displayName]));
  await tid(a.page, 'mention-choice').click();
  assert.equal(await aInput.inputValue(), `@${c.displayName} `);
  assert.equal(await tid(a.page, 'mention-picker').isVisible(), false, 'choosing closes the picker');
  await aInput.pressSequentially('作业写完了吗？');
  const mentionText = `@${c.displayName} 作业写完了吗？`;
  const sent = await sentBody(a, () => aInput.press('Enter'));
  assert.deepEqual(sent.mentions, [cId], 'the send mentions C');
  await until("A's message stored", () => isStored(a, mentionText));

  t.step('C, in another chat, sees [有人@我] live; A and B do not');
  await until("C's mention mark", async () => (await markOf(c, '一家人')) === '[有人@我]');
  assert.equal(await tid(c.page, 'chat-title').textContent(), a.displayName, 'C is still in the chat with A');
  await waitForMessage(b, mentionText);
  await backToList(b);
  assert.equal(await markOf(b, '一家人'), null, 'B was not mentioned');
  assert.equal(await markOf(a, '一家人'), null, 'nor the sender');

  t.step('C opens the group: the mark clears; @弟弟 is marked; the quote is there');
  await openChat(c, '一家人');
  await waitForMessage(c, mentionText);
  await until("C's mark to clear", async () => (await markOf(c, '一家人')) === null);
  const mark = messageItem(c, mentionText).getByTestId('mention');
  await until('the @ marked', async () => (await mark.count()) === 1 && (await mark.textContent()) === `@${c.displayName}`);
  assert.match(await mark.getAttribute('class'), /mention-me/, 'marked as this user');
  assert.equal(await quoteOf(c, reply), `${a.displayName}：${asked}`);
  await openChat(b, '一家人');
  await until("B sees the @ marked too", async () => (await messageItem(b, mentionText).getByTestId('mention').count()) === 1);
  await screenshot(b, 'phone-quote-mention');

  t.step('C reloads: the server has the mention read');
  await reload(c);
  await until("C's list after reload", () => convItem(c.page, '一家人').isVisible());
  assert.equal(await markOf(c, '一家人'), null);

  t.step('A @所有人 with the keyboard: C, elsewhere, sees [@所有人]');
  await openChat(c, a.displayName);
  await aInput.pressSequentially('@');
  await until("A's picker", async () => (await choices(a))?.[0] === '所有人');
  await screenshot(a, 'desktop-quote-mention'); // the quote, an @ and the picker
  await aInput.press('ArrowDown');
  await aInput.press('ArrowUp');
  await aInput.press('Enter');
  assert.equal(await aInput.inputValue(), '@所有人 ', 'Enter chose, and sent nothing');
  await aInput.pressSequentially('七点开饭');
  const everyone = await sentBody(a, () => aInput.press('Enter'));
  assert.deepEqual(everyone.mentions, ['all']);
  await until("C's [@所有人]", async () => (await markOf(c, '一家人')) === '[@所有人]');
  await openChat(c, '一家人');
  await waitForMessage(c, '@所有人 七点开饭');
  await until("C's mark to clear again", async () => (await markOf(c, '一家人')) === null);
  assert.equal(await messageItem(c, '@所有人 七点开饭').getByTestId('mention').textContent(), '@所有人');

  t.step('A recalls the quoted message: every quote of it says so, live and after a reload');
  await messageItem(a, asked).getByTestId('message-content').click();
  await messageItem(a, asked).getByTestId('message-recall').click();
  for (const u of [a, b, c]) {
    await until(`${u.username}'s quote to read recalled`, async () => (await quoteOf(u, reply)) === '引用的内容已撤回');
  }
  await messageItem(a, reply).getByTestId('message-quote').click();
  await until('the toast', async () => (await tid(a.page, 'toast').textContent()) === '引用的内容已撤回');
  await reload(c);
  await openChat(c, '一家人');
  await waitForMessage(c, reply);
  assert.equal(await quoteOf(c, reply), '引用的内容已撤回', 'as the server renders it');
});
