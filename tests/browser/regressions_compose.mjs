// Regressions of issue 14 in the composer, the list's loading and the panels, in real
// headless Chromium.
//
// Each case reproduces one bug of the first-generation web client and states what the
// second generation must do instead: two identical messages sent quickly each shown and
// confirmed once, long text never cut silently (characters, not UTF-16 units), trailing
// whitespace trimmed, one fetch each of the list, the friends and the requests on load, and
// a search result that knows an accepted request made a friend.

import { scenario, reload } from './lib.mjs';
import {
  assert,
  sleep,
  tid,
  http,
  api,
  friends,
  privateChat,
  post,
  history,
  itemsWithText,
  openById,
  expectWithin,
  runCases,
  seesMessage,
} from './regressions_lib.mjs';

/**
 * X and Y (both in browsers when `yInBrowser`) with their chat open on X's side (and Y's);
 * `prepare(x)` runs before X's page loads.
 */
async function chatPair(c, prefix, yInBrowser = false, prepare = async () => {}) {
  const x = await c.user(`${prefix}x`, '小明');
  const y = yInBrowser ? await c.user(`${prefix}y`, '小红') : await c.account(`${prefix}y`, '小红');
  await friends(x, y);
  const conv = await privateChat(x, y);
  await prepare(x);
  await c.signIn(x);
  await openById(x, conv, y.displayName);
  if (yInBrowser) {
    await c.signIn(y);
    await openById(y, conv, x.displayName);
  }
  return { x, y, conv };
}

/** `好` twice in quick succession: two messages, each shown once and confirmed once. */
async function identicalQuickMessages(c) {
  c.step('X and Y in their chat, both live; X on a network where the second send is slow');
  // The order that shows the bug, made certain: the first send's answer comes before its
  // event, and the event before the second send is stored. X's event stream is 300 ms late
  // (a slow proxy), and the second send waits 1 s before it leaves the browser.
  let sends = 0;
  const { x, y, conv } = await chatPair(c, 'id', true, async (u) => {
    await u.context.addInitScript(() => {
      const Native = window.EventSource;
      if (!Native) return;
      window.EventSource = class extends Native {
        addEventListener(type, listener, options) {
          if (typeof listener !== 'function') return super.addEventListener(type, listener, options);
          this.__late = this.__late || new Map();
          if (!this.__late.has(listener)) this.__late.set(listener, (ev) => setTimeout(() => listener.call(this, ev), 300));
          return super.addEventListener(type, this.__late.get(listener), options);
        }
        removeEventListener(type, listener, options) {
          const late = this.__late && this.__late.get(listener);
          return super.removeEventListener(type, late || listener, options);
        }
      };
    });
    await u.page.route('**/api/auth/messages', async (route) => {
      if (route.request().method() === 'POST' && ++sends === 2) await sleep(1000);
      await route.continue();
    });
  });
  await post(y, conv, '在吗');
  await seesMessage(x, '在吗');
  await post(x, conv, '在');
  await seesMessage(y, '在');
  // Every state of X's `好` messages, as the page shows them.
  await x.page.evaluate(() => {
    window.__states = [];
    const read = () => {
      const items = [...document.querySelectorAll('[data-testid="message-item"]')].filter((li) => {
        const content = li.querySelector('[data-testid="message-content"]');
        return content && content.textContent === '好';
      });
      const state = items.map((li) => `${li.getAttribute('data-id')}:${li.getAttribute('data-status')}`).join(' ');
      const last = window.__states[window.__states.length - 1];
      if (!last || last.state !== state) window.__states.push({ count: items.length, state });
    };
    new MutationObserver(read).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  });

  c.step('X sends 好, then 好 again at once: each appears once and is confirmed once');
  const input = tid(x.page, 'message-input');
  await input.fill('好');
  await input.press('Enter');
  await input.fill('好');
  await input.press('Enter');
  await expectWithin(
    5000,
    "X's two 好 to be confirmed",
    () => itemsWithText(x.page, '好'),
    (l) => l.length === 2 && l.every((m) => m.status === '0') && l[0].id !== l[1].id
  );
  await sleep(1000);
  const final = await itemsWithText(x.page, '好');
  assert.equal(final.length, 2, `X still shows two: ${JSON.stringify(final)}`);
  const states = await x.page.evaluate(() => window.__states);
  assert.equal(sends, 2, "X's page sent each 好 once");
  const both = states.findIndex((s) => s.count === 2);
  const wrong = states.slice(both).filter((s) => s.count !== 2);
  assert.ok(
    both >= 0 && wrong.length === 0,
    `once both were shown, X shows two 好 at every moment; it showed ${wrong.map((s) => s.count).join(', ')} (each state: ${JSON.stringify(states)})`
  );
  const stored = (await history(y, conv)).filter((m) => m.content === '好');
  assert.equal(stored.length, 2, 'stored twice');
  assert.deepEqual(final.map((m) => m.id).sort(), stored.map((m) => m.id).sort(), "X's two are the stored two");
  await expectWithin(3000, 'Y to see two 好', () => itemsWithText(y.page, '好'), (l) => l.length === 2);
}

/** 5,001 characters: a counter, nothing cut, nothing sent; 3,000 emoji are kept and sent. */
async function noSilentCut(c) {
  c.step('X pastes 5,001 CJK characters: all kept, a counter shows 5001');
  const { x, y, conv } = await chatPair(c, 'cut');
  const big = Array.from({ length: 5001 }, (_, i) => String.fromCodePoint(0x4e00 + ((i * 7) % 20000))).join('');
  const input = tid(x.page, 'message-input');
  await input.fill(big);
  const chars = () => input.evaluate((el) => [...el.value].length);
  assert.equal(await chars(), 5001, 'the composer keeps all 5,001 characters');
  const counter = tid(x.page, 'char-counter');
  assert.ok(await counter.isVisible(), 'a char-counter is shown');
  assert.ok((await counter.textContent()).includes('5001'), `the counter shows 5001: ${await counter.textContent()}`);

  c.step('Enter and the send button send nothing');
  const before = await tid(x.page, 'message-item').count();
  await input.press('Enter');
  // A disabled or hidden send button is fine: it sends nothing either.
  await tid(x.page, 'send-button')
    .click({ force: true, timeout: 2000 })
    .catch(() => {});
  await sleep(1500);
  assert.equal((await history(y, conv)).length, 0, 'Y received nothing');
  const statuses = await tid(x.page, 'message-item').evaluateAll((els) => els.map((el) => el.getAttribute('data-status')));
  const sent = statuses.slice(before).filter((s) => s !== 'failed');
  assert.deepEqual(sent, [], 'X shows nothing as sent or sending');

  c.step('3,000 emoji (6,000 UTF-16 units) are kept whole and sent');
  const emoji = Array.from({ length: 3000 }, (_, i) => ['😀', '🍖', '🎉', '🐱', '🌸'][i % 5]).join('');
  await input.fill(emoji);
  assert.equal(await chars(), 3000, 'the composer keeps all 3,000 emoji');
  await input.press('Enter');
  const received = await expectWithin(
    5000,
    'Y to receive the 3,000 emoji',
    async () => (await history(y, conv)).map((m) => m.content),
    (l) => l.length > 0
  );
  assert.equal(received.length, 1, 'one message');
  assert.equal([...received[0]].length, 3000, 'all 3,000 emoji arrive');
  assert.equal(received[0], emoji, 'exactly as typed');
}

/** A trailing newline (Shift+Enter, then Enter) is not stored. */
async function trailingWhitespace(c) {
  c.step('X types 你好, Shift+Enter, Enter: 你好 is stored, without the newline');
  const { x, y, conv } = await chatPair(c, 'ws');
  const input = tid(x.page, 'message-input');
  await input.fill('你好');
  await input.press('Shift+Enter');
  await input.press('Enter');
  const stored = await expectWithin(
    5000,
    'the message to be stored',
    async () => (await history(y, conv)).map((m) => m.content),
    (l) => l.length > 0
  );
  assert.deepEqual(stored, ['你好'], 'stored as 你好');
}

/** A page load fetches the list, the friends and the requests once each. */
async function oneFetchEachOnLoad(c) {
  c.step('X, signed in, with a friend and a chat, reloads the page');
  const x = await c.user('ldx', '小明');
  const y = await c.account('ldy', '小红');
  await friends(x, y);
  const conv = await privateChat(x, y);
  await post(y, conv, '你好');
  await c.signIn(x);
  await sleep(1500); // the first load's requests are over
  const counted = ['/api/auth/conversations', '/api/auth/friends', '/api/auth/friends/requests'];
  const counts = Object.fromEntries(counted.map((p) => [p, 0]));
  x.page.on('request', (r) => {
    const p = new URL(r.url()).pathname;
    if (r.method() === 'GET' && p in counts) counts[p]++;
  });
  await reload(x);

  c.step('in the first 3 s after load: one GET each of the list, the friends and the requests');
  await sleep(3000);
  assert.deepEqual(counts, Object.fromEntries(counted.map((p) => [p, 1])), 'one GET each');
}

/** After the other side accepts, a new search says 已是好友, not 已发送. */
async function searchSaysFriends(c) {
  c.step('X finds Y by search and sends a friend request');
  const x = await c.user('srx', '小明');
  const y = await c.account('sry', '小红');
  await c.signIn(x);
  await tid(x.page, 'open-friends').click();
  await tid(x.page, 'user-search-input').fill(y.username);
  await tid(x.page, 'user-search-button').click();
  const result = tid(x.page, 'user-search-result').filter({ hasText: y.username });
  await result.getByTestId('add-friend-button').click();
  const incoming = await expectWithin(
    5000,
    "Y to receive X's request",
    async () => (await api(y, 'GET', '/api/auth/friends/requests')).incoming,
    (l) => l.length === 1
  );

  c.step('Y accepts; X searches again: the result says 已是好友');
  await api(y, 'POST', `/api/auth/friends/requests/${incoming[0].request_id}/accept`);
  const res = await http(x.token, 'GET', '/api/auth/friends');
  assert.equal(res.body.data.length, 1, 'X and Y are friends');
  await tid(x.page, 'user-search-button').click();
  await expectWithin(
    3000,
    "the search result for Y to say 已是好友",
    async () => ((await result.count()) ? result.first().textContent() : null),
    (text) => text !== null && text.includes('已是好友') && !text.includes('已发送')
  );
}

await scenario('regressions_compose', (t) =>
  runCases(t, 'compose', [
    { name: 'identical-quick-messages', run: identicalQuickMessages },
    { name: 'no-silent-cut', run: noSilentCut },
    { name: 'trailing-whitespace', run: trailingWhitespace },
    { name: 'one-fetch-each-on-load', run: oneFetchEachOnLoad },
    { name: 'search-says-friends', run: searchSaysFriends },
  ])
);
