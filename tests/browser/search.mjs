// Search in the web client, in real headless Chromium (issue 16; API.md §13).
//
// A (desktop) and B are friends with a private chat and the group 周末吃饭群. A sends 80
// messages into the chat through the API, some with 吃饭, some with only 饭, one with
// 下午一起吃饭 (40 from the end) and one with the word PicNic. B (desktop) searches from the
// list: the group under 群聊 by its name, both chats under 聊天记录 with their counts, the query
// in <mark>; a slow answer to an older query never replaces a newer one's; nothing found says
// 无结果 and a failure offers 重试. B opens the chat's matches (paged as they scroll), then the
// message 40 back: the chat opens there with it highlighted, detached from the live end (a
// message A sends meanwhile waits), loads older pages scrolling up and newer ones scrolling
// down until the newest, each message once and in order. One character (饭), a mixed-case
// English word (one match: straight to the message) and six characters all find theirs. The
// chat's own 查找聊天记录 jumps too, and 回到最新 comes back. Esc and 取消 end a search. On a
// phone, B's second device runs the flow one pane at a time, the back button stepping back
// from the chat to the results and from the results to the list. With CHATD_SCREENSHOTS set
// it takes the README's search screenshots.

import {
  assert,
  DESKTOP,
  PHONE,
  until,
  tid,
  convItem,
  register,
  login,
  befriend,
  send,
  openPrivateChat,
  createGroup,
  waitForMessage,
  apiFromPage,
  screenshot,
  scenario,
} from './lib.mjs';

/** What A sends into the private chat, oldest first. */
function history() {
  const texts = [];
  for (let i = 0; i < 80; i++) {
    if (i === 40) texts.push(`第${i}条：明天下午一起吃饭吧`);
    else if (i === 25) texts.push(`第${i}条：周日去 PicNic 怎么样`);
    else if (i % 3 === 0) texts.push(`第${i}条：晚上吃饭了吗`);
    else if (i % 7 === 1) texts.push(`第${i}条：米饭还是面条`);
    else texts.push(`第${i}条`);
  }
  return texts;
}

/** Sends `texts` into `convId` as `u`, one after another, through the API from `u`'s page. */
function sendAll(u, convId, texts) {
  return u.page.evaluate(
    async ({ convId, texts }) => {
      const headers = { Authorization: `Bearer ${localStorage.getItem('chatd.token')}`, 'Content-Type': 'application/json' };
      for (const content of texts) {
        const res = await fetch('/api/auth/messages', { method: 'POST', headers, body: JSON.stringify({ conversation_id: convId, content }) });
        if (res.status !== 201) throw new Error(`send answered ${res.status}`);
      }
    },
    { convId, texts }
  );
}

/** Types `q` into the list's search box and waits for its answer to be shown. */
async function searchFor(u, q) {
  await tid(u.page, 'search-input').fill(q);
  await until(`${u.username}'s results for ${q}`, () => resultsShown(u));
}

/** Whether the list shows the answer to the box's query (not loading, not stale). */
const resultsShown = (u) =>
  u.page.evaluate(() => {
    const box = document.getElementById('search-results');
    const status = document.getElementById('search-status');
    return !box.hidden && status.dataset.state !== 'loading' && !document.getElementById('search-sections').classList.contains('stale');
  });

/** The results as shown: for each section its kind and each item's title, detail and marks. */
const results = (u) =>
  u.page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="search-section"]')].map((s) => ({
      kind: s.dataset.kind,
      heading: s.querySelector('h3').textContent,
      items: [...s.querySelectorAll('li')].map((li) => ({
        id: li.dataset.id,
        title: li.querySelector('[data-testid="search-title"]').textContent,
        detail: li.querySelector('[data-testid="search-detail"]')?.textContent ?? null,
        marks: [...li.querySelectorAll('mark')].map((m) => m.textContent),
      })),
    }))
  );

const section = (shown, kind) => shown.find((s) => s.kind === kind);

/** The open chat's stored messages as shown, in order: ids and texts. */
const shownMessages = (u) =>
  u.page.evaluate(() =>
    [...document.querySelectorAll('#msg-list > li[data-testid="message-item"]')]
      .filter((li) => /^m_\d+$/.test(li.dataset.id))
      .map((li) => ({ id: li.dataset.id, text: li.querySelector('[data-testid="message-content"]').textContent }))
  );

/** Each message once, in the order of their ids. */
function assertInOrder(list, what) {
  const ids = list.map((m) => Number(m.id.slice(2)));
  assert.equal(new Set(ids).size, ids.length, `${what}: no message twice`);
  assert.ok(
    ids.every((n, i) => i === 0 || n > ids[i - 1]),
    `${what}: in order`
  );
}

/** Whether message `text` is highlighted and on screen in the open chat. */
const highlightedOnScreen = (u, text) =>
  u.page.evaluate((text) => {
    const scroller = document.getElementById('msg-scroll');
    const li = [...document.querySelectorAll('#msg-list > li[data-testid="message-item"]')].find(
      (x) => x.querySelector('[data-testid="message-content"]')?.textContent === text
    );
    if (!li || !li.classList.contains('highlight')) return false;
    const r = li.getBoundingClientRect();
    const v = scroller.getBoundingClientRect();
    return r.top >= v.top && r.bottom <= v.bottom;
  }, text);

const scrollTo = (u, where) =>
  u.page.evaluate((where) => {
    const el = document.getElementById('msg-scroll');
    el.scrollTop = where === 'top' ? 0 : el.scrollHeight;
  }, where);

/** Opens the hit whose text is `text` in the open matches panel. */
async function openHit(u, text) {
  const hit = tid(u.page, 'message-hit').filter({ has: u.page.getByTestId('hit-text').getByText(text, { exact: true }) });
  await until(`the match ${text}`, () => hit.isVisible());
  await hit.click();
}

await scenario('search', async (t) => {
  const a = await t.user('mama', '妈妈', DESKTOP);
  const b = await t.user('baba', '爸爸', DESKTOP);
  const texts = history();

  t.step('A and B are friends with a private chat and the group 周末吃饭群');
  await Promise.all([register(a), register(b)]);
  await befriend(a, b);
  await openPrivateChat(a, b);
  await send(a, '你好');
  const chatId = (await apiFromPage(a, 'GET', '/api/auth/conversations')).body.data.find((c) => c.title === b.displayName).conversation_id;
  await createGroup(a, '周末吃饭群', [b]);
  await send(a, '周六中午一起吃饭？');
  const groupId = (await apiFromPage(a, 'GET', '/api/auth/conversations')).body.data.find((c) => c.title === '周末吃饭群').conversation_id;

  t.step('A sends 80 messages into the chat through the API');
  await sendAll(a, chatId, texts);
  await until("B's list to show the last one", async () =>
    (await convItem(b.page, a.displayName).getByTestId('conversation-preview').textContent()) === texts[79]
  );
  await b.page.evaluate(() => {
    window.__sameDocument = true; // survives only if the page is never reloaded
  });

  t.step('B searches 吃饭: the group by its name, both chats with their counts, the query marked');
  await searchFor(b, '吃饭');
  assert.equal(await tid(b.page, 'conversation-list').isVisible(), false, 'the results replace the list');
  let shown = await results(b);
  assert.deepEqual(
    shown.map((s) => s.heading),
    ['群聊', '聊天记录']
  );
  assert.deepEqual(section(shown, 'groups').items, [{ id: groupId, title: '周末吃饭群', detail: null, marks: ['吃饭'] }]);
  const eats = texts.filter((x) => x.includes('吃饭'));
  assert.deepEqual(
    section(shown, 'conversations').items.map((i) => [i.id, i.title, i.detail, i.marks]),
    [
      [chatId, a.displayName, `${eats.length}条相关聊天记录`, []],
      [groupId, '周末吃饭群', '周六中午一起吃饭？', ['吃饭']],
    ],
    'the newest match first; one match shows its text'
  );

  t.step('B opens the chat’s matches: newest first, the query marked, paged when scrolled');
  await tid(b.page, 'search-conversation').filter({ hasText: a.displayName }).click();
  const panel = tid(b.page, 'message-search-panel');
  await until('the matches panel', async () => (await panel.isVisible()) && (await tid(b.page, 'message-hit').count()) === 20);
  assert.equal(await tid(b.page, 'message-search-input').inputValue(), '吃饭');
  assert.equal(await tid(b.page, 'message-search-summary').textContent(), `共${eats.length}条与“吃饭”相关的聊天记录`);
  await b.page.locator('#hits-scroll').evaluate((el) => (el.scrollTop = el.scrollHeight));
  await until('the next page of matches', async () => (await tid(b.page, 'message-hit').count()) === eats.length);
  const hits = await b.page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="message-hit"]')].map((li) => ({
      id: li.dataset.id,
      sender: li.querySelector('[data-testid="hit-sender"]').textContent,
      text: li.querySelector('[data-testid="hit-text"]').textContent,
      marks: [...li.querySelectorAll('mark')].map((m) => m.textContent),
    }))
  );
  assert.deepEqual(
    hits.map((x) => x.text),
    [...eats].reverse(),
    'every match once, newest first'
  );
  assert.ok(
    hits.every((x) => x.sender === a.displayName && x.marks.length === 1 && x.marks[0] === '吃饭'),
    'the sender and the query marked'
  );
  await until('没有更多了 at the end', async () => (await tid(b.page, 'message-search-status').textContent()) === '没有更多了');

  t.step('B opens the match 40 back: the chat opens there, the message highlighted, detached');
  const target = texts[40];
  await openHit(b, target);
  await until('the matches panel to close', async () => !(await panel.isVisible()));
  await until('the message highlighted on screen', () => highlightedOnScreen(b, target));
  let loaded = await shownMessages(b);
  assert.deepEqual(
    loaded.map((m) => m.text),
    texts.slice(16, 66),
    'the 24 older, the message and the 25 newer'
  );
  assert.equal(await tid(b.page, 'jump-latest').isVisible(), true, '回到最新 while the newest is not shown');
  assert.equal(await tid(b.page, 'search-results').isVisible(), true, 'the results stay beside the chat');
  await screenshot(b, 'desktop-search');

  t.step('A sends a message meanwhile: it is not appended after the gap');
  const live = '第80条：新消息';
  await sendAll(a, chatId, [live]);
  await until("B's list to show it", async () => (await convItem(b.page, a.displayName).getByTestId('conversation-preview').textContent()) === live);
  assert.equal((await shownMessages(b)).some((m) => m.text === live), false, 'not shown while detached');

  t.step('scrolling up loads the older messages, each once, in order');
  await until('the oldest message', async () => {
    await scrollTo(b, 'top');
    return (await tid(b.page, 'message-list').locator('.msg-top').textContent()).includes('没有更多消息了');
  });
  loaded = await shownMessages(b);
  assert.deepEqual(
    loaded.map((m) => m.text),
    ['你好', ...texts.slice(0, 66)]
  );
  assertInOrder(loaded, 'after scrolling up');

  t.step('scrolling down loads the newer ones until the newest, then the chat is live again');
  await until('the newest message', async () => {
    await scrollTo(b, 'bottom');
    return !(await tid(b.page, 'jump-latest').isVisible());
  });
  await until('the message sent meanwhile, last', async () => (await shownMessages(b)).at(-1)?.text === live);
  loaded = await shownMessages(b);
  assert.deepEqual(
    loaded.map((m) => m.text),
    ['你好', ...texts, live]
  );
  assertInOrder(loaded, 'after scrolling down');
  await until('the chat to be read', async () => !(await convItem(b.page, a.displayName).getByTestId('unread-badge').isVisible()));
  const serverUnread = (await apiFromPage(b, 'GET', '/api/auth/conversations')).body.data.find((c) => c.conversation_id === chatId).unread_count;
  assert.equal(serverUnread, 0, 'read on the server too');
  const more = '第81条：回来了';
  await sendAll(a, chatId, [more]);
  await waitForMessage(b, more);
  assert.equal((await shownMessages(b)).at(-1).text, more, 'live again: appended at the end');

  t.step('one character: 饭 finds every message with it');
  const rice = texts.filter((x) => x.includes('饭'));
  await searchFor(b, '饭');
  shown = await results(b);
  const riceChat = section(shown, 'conversations').items.find((i) => i.id === chatId);
  assert.equal(riceChat.detail, `${rice.length}条相关聊天记录`);
  assert.deepEqual(section(shown, 'groups').items[0].marks, ['饭'], 'the one character marked');

  t.step('a slow answer to an older query never replaces the newer one’s');
  let release;
  const held = new Promise((r) => {
    release = r;
  });
  const slow = (url) => url.pathname === '/api/auth/search' && url.searchParams.get('q') === '下午';
  await b.page.route(slow, async (route) => {
    await held;
    await route.continue();
  });
  await tid(b.page, 'search-input').fill('下午');
  await b.page.waitForRequest((r) => slow(new URL(r.url())));
  await searchFor(b, 'picnic');
  const heldDone = b.page.waitForEvent('requestfinished', (r) => slow(new URL(r.url())));
  release();
  await heldDone;
  await b.page.evaluate(() => new Promise((r) => setTimeout(r, 100))); // its JSON read and dropped
  shown = await results(b);
  assert.deepEqual(
    section(shown, 'conversations').items.map((i) => [i.detail, i.marks]),
    [[texts[25], ['PicNic']]],
    'picnic: the mixed-case word marked as written'
  );
  await b.page.unroute(slow);

  t.step('one match opens the chat at it directly');
  await tid(b.page, 'search-conversation').click();
  await until('PicNic highlighted on screen', () => highlightedOnScreen(b, texts[25]));
  assert.equal(await panel.isVisible(), false, 'no list of matches for one');

  t.step('six characters: 下午一起吃饭');
  await searchFor(b, '下午一起吃饭');
  shown = await results(b);
  assert.deepEqual(
    section(shown, 'conversations').items.map((i) => [i.id, i.detail, i.marks]),
    [[chatId, target, ['下午一起吃饭']]]
  );

  t.step('a friend by name or username opens the private chat; a group by name opens it');
  await searchFor(b, '妈');
  shown = await results(b);
  assert.deepEqual(section(shown, 'friends').items.map((i) => [i.title, i.detail, i.marks]), [[a.displayName, null, ['妈', '妈']]], 'each occurrence marked');
  await searchFor(b, a.username.slice(0, 4).toUpperCase());
  shown = await results(b);
  assert.deepEqual(
    section(shown, 'friends').items.map((i) => [i.title, i.detail, i.marks]),
    [[a.displayName, `用户名：${a.username}`, ['mama']]],
    'found by the username, which it shows'
  );
  await tid(b.page, 'search-friend').click();
  await until('the private chat', async () => (await tid(b.page, 'chat-title').textContent()) === a.displayName);
  await searchFor(b, '周末');
  await tid(b.page, 'search-group').click();
  await until('the group chat', async () => (await tid(b.page, 'chat-title').textContent()) === '周末吃饭群（2）');
  await waitForMessage(b, '周六中午一起吃饭？');

  t.step('nothing found says 无结果; a failure offers 重试');
  await searchFor(b, '没有这句话');
  assert.equal(await tid(b.page, 'search-status').textContent(), '无结果');
  assert.equal(await tid(b.page, 'search-section').count(), 0);
  let failures = 0;
  await b.page.route('**/api/auth/search?*', (route) => {
    failures++;
    return route.abort('connectionreset');
  });
  await tid(b.page, 'search-input').fill('吃饭了吗');
  await until('the failure', async () => (await tid(b.page, 'search-status').getAttribute('data-state')) === 'failed');
  assert.equal(await tid(b.page, 'search-retry').textContent(), '搜索失败，点击重试');
  await b.page.unroute('**/api/auth/search?*');
  await tid(b.page, 'search-retry').click();
  await until('the retried search', () => resultsShown(b));
  assert.equal(failures, 1);
  assert.equal(section(await results(b), 'conversations').items[0].detail, `${texts.filter((x) => x.includes('吃饭了吗')).length}条相关聊天记录`);

  t.step('Esc and 取消 end the search: the list is back');
  await tid(b.page, 'search-input').press('Escape');
  await until('the list after Esc', () => tid(b.page, 'conversation-list').isVisible());
  assert.equal(await tid(b.page, 'search-input').inputValue(), '');
  await searchFor(b, '吃饭');
  await tid(b.page, 'search-cancel').click();
  await until('the list after 取消', () => tid(b.page, 'conversation-list').isVisible());
  assert.equal(await tid(b.page, 'search-results').isVisible(), false);

  t.step("the chat's own 查找聊天记录 jumps to a match; 回到最新 returns to the newest");
  await convItem(b.page, a.displayName).click(); // reopened: its newest 50, without 第12条
  await until('the newest page', async () => (await shownMessages(b)).length === 50);
  await tid(b.page, 'chat-search-button').click();
  await until('the empty matches panel', () => panel.isVisible());
  await tid(b.page, 'message-search-input').fill('第12条');
  await openHit(b, texts[12]);
  await until('第12条 highlighted on screen', () => highlightedOnScreen(b, texts[12]));
  assert.equal(await tid(b.page, 'jump-latest').isVisible(), true);
  await tid(b.page, 'jump-latest').click();
  await until('the newest page', async () => (await shownMessages(b)).at(-1)?.text === more && !(await tid(b.page, 'jump-latest').isVisible()));
  loaded = await shownMessages(b);
  assert.equal(loaded.length, 50, 'the newest page, as on opening');
  assertInOrder(loaded, 'after 回到最新');
  assert.equal(await b.page.evaluate(() => window.__sameDocument), true, 'B never reloaded');

  t.step("on a phone: B's second device searches, opens a match, and steps back with the back button");
  const p = await t.user('baba', '爸爸', PHONE);
  await login(p);
  await searchFor(p, '吃饭');
  assert.equal(await tid(p.page, 'conversation-list').isVisible(), false);
  await screenshot(p, 'phone-search');
  await tid(p.page, 'search-conversation').filter({ hasText: a.displayName }).click();
  await until('the matches, full screen', async () => (await tid(p.page, 'message-hit').count()) === 20);
  const box = await tid(p.page, 'message-search-panel').boundingBox();
  assert.deepEqual([box.width, box.height], [PHONE.width, PHONE.height], 'the panel fills the phone');
  await openHit(p, target);
  await until('the message highlighted on screen', () => highlightedOnScreen(p, target));
  assert.equal(await tid(p.page, 'search-results').isVisible(), false, 'one pane at a time');
  await p.page.goBack();
  await until('back: the results again', () => tid(p.page, 'search-results').isVisible());
  assert.equal(await tid(p.page, 'search-input').inputValue(), '吃饭');
  await p.page.goBack();
  await until('back again: the list', () => tid(p.page, 'conversation-list').isVisible());
  assert.equal(await tid(p.page, 'search-input').inputValue(), '');
  await searchFor(p, 'picnic');
  await tid(p.page, 'search-cancel').click();
  await until('取消: the list', () => tid(p.page, 'conversation-list').isVisible());
});
