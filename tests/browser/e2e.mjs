// End-to-end test of chatd's web client in real headless Chromium, driven by playwright-core.
//
// Run by `cargo test` through tests/browser/main.rs, which starts the real binary on a
// loopback port and passes its URL in CHATD_URL. Three users, each in a browser context of
// their own (separate storage, separate event streams), go through what a family does on the
// first evening: register, become friends, chat, recall, form a group and rename it.
//
// Environment:
//   CHATD_URL          the server, e.g. http://127.0.0.1:41234 (required)
//   CHATD_CHROMIUM     the browser (default /usr/bin/chromium)
//   CHATD_SCREENSHOTS  a folder: when set, the list and chat views are saved there at phone
//                      and desktop sizes (the pictures in docs/screenshots/)
//
// Exit status 0 means every step passed; on failure the step, the reason and each page's
// errors are printed, and a screenshot of every page is written next to this script.

import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = process.env.CHATD_URL;
const EXE = process.env.CHATD_CHROMIUM || '/usr/bin/chromium';
const SHOTS = process.env.CHATD_SCREENSHOTS || '';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const TIMEOUT = 15_000;
const PASSWORD = 'family-secret-1';

const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

if (!BASE) {
  console.error('CHATD_URL is not set');
  process.exit(2);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value; fails naming `what` and the last value seen. */
async function until(what, fn, timeout = TIMEOUT) {
  const end = Date.now() + timeout;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e.message;
    }
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what} (last seen: ${JSON.stringify(last)})`);
}

let step = 'start';
const users = [];

/** A user with a browser context of their own. */
async function newUser(browser, username, displayName, viewport) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  context.setDefaultTimeout(TIMEOUT);
  const page = await context.newPage();
  const u = { username, displayName, context, page, errors: [] };
  page.on('pageerror', (e) => u.errors.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content.Security.Policy|Refused to/i.test(m.text())) {
      u.errors.push(`CSP: ${m.text()}`);
    }
  });
  page.on('dialog', async (d) => {
    if (d.type() === 'confirm') return d.accept();
    u.errors.push(`unexpected ${d.type()} dialog: ${d.message()}`);
    return d.dismiss();
  });
  users.push(u);
  return u;
}

const tid = (page, id) => page.getByTestId(id);

/** The texts of the messages shown in the open chat, oldest first. */
const messageTexts = (page) => tid(page, 'message-list').getByTestId('message-content').allTextContents();

async function waitForMessage(u, text) {
  await until(`${u.username} to see message ${JSON.stringify(text)}`, async () =>
    (await messageTexts(u.page)).includes(text)
  );
}

/** The conversation list item whose title is `title`. */
function convItem(page, title) {
  return tid(page, 'conversation-item').filter({
    has: page.getByTestId('conversation-title').getByText(title, { exact: true }),
  });
}

async function register(u) {
  const { page } = u;
  await page.goto(`${BASE}/`);
  await tid(page, 'show-register').click();
  await tid(page, 'register-username').fill(u.username);
  await tid(page, 'register-password').fill(PASSWORD);
  await tid(page, 'register-display-name').fill(u.displayName);
  await tid(page, 'register-submit').click();
  await until(`${u.username} to be signed in`, async () => (await tid(page, 'me-name').textContent()) === u.displayName);
  assert.equal(await tid(page, 'login-form').isVisible(), false);
}

/** `from` finds `to` by search and asks; `to` sees the request arrive live and accepts. */
async function befriend(from, to) {
  const p = from.page;
  await tid(p, 'open-friends').click();
  await tid(p, 'user-search-input').fill(to.username);
  await tid(p, 'user-search-button').click();
  const result = tid(p, 'user-search-result').filter({ hasText: `@${to.username}` });
  await result.getByTestId('add-friend-button').click();
  await until('the request to be sent', async () => (await result.getByRole('button').textContent()) === '已发送');
  await tid(p, 'friends-close').click();

  const q = to.page;
  // The badge is set by the live friend.request event: no reload, no click.
  await until(`${to.username}'s friend-request badge`, async () => {
    const badge = tid(q, 'friend-request-badge');
    return (await badge.isVisible()) && (await badge.textContent()) === '1';
  });
  await tid(q, 'open-friends').click();
  await tid(q, 'incoming-request').filter({ hasText: `@${from.username}` }).getByTestId('request-accept').click();
  await tid(q, 'friend-item').filter({ hasText: `@${from.username}` }).waitFor();
  await tid(q, 'friends-close').click();
  await until(`${to.username}'s badge to clear`, async () => !(await tid(q, 'friend-request-badge').isVisible()));
  // The requester's friend list follows through friend.added.
  await tid(p, 'open-friends').click();
  await tid(p, 'friend-item').filter({ hasText: `@${to.username}` }).waitFor();
}

async function send(u, text) {
  const input = tid(u.page, 'message-input');
  await input.fill(text);
  await input.press('Enter');
  // Stored: the item carries the server's id and is no longer "sending".
  await until(`${u.username}'s message to be stored`, async () =>
    u.page.evaluate((t) => {
      return [...document.querySelectorAll('#msg-list > li[data-id]')].some(
        (li) => li.querySelector('[data-testid="message-content"]').textContent === t
      );
    }, text)
  );
  assert.equal(await input.inputValue(), '', 'the composer is cleared after Enter');
}

/** On a phone, leaves the open chat for the list (on a desktop both are shown). */
async function backToList(u) {
  const back = tid(u.page, 'back-button');
  if (await back.isVisible()) await back.click();
}

async function screenshot(u, name) {
  if (!SHOTS) return;
  await sleep(300); // let the list's debounce and fonts settle
  await u.page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  console.log(`screenshot ${name}.png`);
}

async function main() {
  const browser = await chromium.launch({
    executablePath: EXE,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  try {
    const tag = Date.now().toString(36).slice(-5);
    const a = await newUser(browser, `mama_${tag}`, '妈妈', DESKTOP);
    const b = await newUser(browser, `baba_${tag}`, '爸爸', PHONE);
    const c = await newUser(browser, `didi_${tag}`, '弟弟', DESKTOP);

    step = 'register three users';
    await Promise.all([register(a), register(b), register(c)]);
    await screenshotLogin(browser);

    step = 'A and B become friends (request arrives live)';
    await befriend(a, b);

    step = 'A opens a private chat with B from the friends list';
    await tid(a.page, 'friend-item').filter({ hasText: `@${b.username}` }).getByTestId('friend-chat-button').click();
    await until('the chat window', async () => (await tid(a.page, 'chat-title').textContent()) === b.displayName);

    step = "A's message reaches B's list live, with an unread badge";
    await b.page.evaluate(() => {
      window.__sameDocument = true; // survives only if the page is never reloaded
    });
    await send(a, '晚饭吃什么？');
    const bItem = convItem(b.page, a.displayName);
    await until("B's unread badge to show 1", async () => (await bItem.getByTestId('unread-badge').textContent()) === '1');
    assert.equal(await bItem.getByTestId('conversation-preview').textContent(), '晚饭吃什么？');

    step = "B opens the chat: the badge clears and stays cleared";
    await bItem.click();
    await waitForMessage(b, '晚饭吃什么？');
    assert.equal(await tid(b.page, 'back-button').isVisible(), true, 'phone: the chat has a back button');
    assert.equal(await b.page.locator('.sidebar').isVisible(), false, 'phone: one pane at a time');
    await tid(b.page, 'back-button').click();
    await until("B's list after going back", () => bItem.isVisible());
    await until('the badge to be gone after reading', async () => (await bItem.getByTestId('unread-badge').count()) === 0);
    await b.page.reload();
    await until("B's list after reload", () => bItem.isVisible());
    assert.equal(await bItem.getByTestId('unread-badge').count(), 0, 'the server counts the chat as read');
    await b.page.evaluate(() => {
      window.__sameDocument = true;
    });
    await bItem.click();
    await waitForMessage(b, '晚饭吃什么？');

    step = "A's next message appears in B's open chat without reload";
    await send(a, '我做红烧肉 🍖');
    await waitForMessage(b, '我做红烧肉 🍖');
    assert.equal(await b.page.evaluate(() => window.__sameDocument), true, 'B never reloaded');
    await send(b, '好呀，我七点到家');
    await waitForMessage(a, '好呀，我七点到家');
    const senders = await tid(a.page, 'message-sender').allTextContents();
    assert.deepEqual(senders.slice(-3), ['我', '我', b.displayName]);

    step = 'A recalls a message: both see the recall notice';
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

    step = 'a message that looks like HTML is shown as text and runs nothing';
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

    step = 'A and C become friends';
    await befriend(a, c);
    await tid(a.page, 'friends-close').click();

    step = 'A creates a group of three: everyone sees it and its system message';
    await tid(a.page, 'open-new-group').click();
    await tid(a.page, 'group-name-input').fill('一家人');
    for (const u of [b, c]) {
      await a.page.locator('#group-create-friends li').filter({ hasText: `@${u.username}` }).getByRole('checkbox').check();
    }
    await tid(a.page, 'group-create-submit').click();
    await until("A's group chat", async () => (await tid(a.page, 'chat-title').textContent()) === '一家人（3）');
    await waitForMessage(a, `你邀请${b.displayName}、${c.displayName}加入了群聊`);
    for (const u of [b, c]) {
      await backToList(u);
      const item = convItem(u.page, '一家人');
      await until(`${u.username} to see the new group live`, () => item.isVisible());
      await item.click();
      await until(`${u.username}'s group title`, async () => (await tid(u.page, 'chat-title').textContent()) === '一家人（3）');
      const others = u === b ? `你、${c.displayName}` : `${b.displayName}、你`;
      await waitForMessage(u, `${a.displayName}邀请${others}加入了群聊`);
    }

    step = 'A renames the group: the system message and new title reach everyone live';
    await tid(a.page, 'group-info-button').click();
    await until('three members listed', async () => (await tid(a.page, 'group-member-item').count()) === 3);
    await tid(a.page, 'group-rename-input').fill('周末聚餐');
    await tid(a.page, 'group-rename-submit').click();
    await a.page.locator('#group-info-dialog [data-close]').click();
    await waitForMessage(a, '你修改群名为「周末聚餐」');
    for (const u of [b, c]) {
      await waitForMessage(u, `${a.displayName}修改群名为「周末聚餐」`);
      await until(`${u.username}'s title to follow`, async () => (await tid(u.page, 'chat-title').textContent()) === '周末聚餐（3）');
    }
    await send(c, '周六见！');
    await waitForMessage(a, '周六见！');
    await waitForMessage(b, '周六见！');

    step = 'history: older pages load when scrolling up';
    const privateId = await convItem(a.page, b.displayName).getAttribute('data-id');
    const stored = await a.page.evaluate(async (conversationId) => {
      const auth = { Authorization: `Bearer ${localStorage.getItem('chatd.token')}`, 'Content-Type': 'application/json' };
      let ok = 0;
      for (let i = 0; i < 60; i++) {
        const res = await fetch('/api/auth/messages', {
          method: 'POST',
          headers: auth,
          body: JSON.stringify({ conversation_id: conversationId, content: `第${i}条` }),
        });
        if (res.status === 201) ok++;
      }
      return ok;
    }, privateId);
    assert.equal(stored, 60);
    await backToList(b);
    await convItem(b.page, a.displayName).click();
    await waitForMessage(b, '第59条');
    assert.equal((await messageTexts(b.page)).includes('第0条'), false, 'only the newest page at first');
    await tid(b.page, 'message-list').evaluate((el) => {
      el.scrollTop = 0;
    });
    await waitForMessage(b, '第0条');
    const history = (await messageTexts(b.page)).filter((t) => /^第\d+条$/.test(t));
    assert.deepEqual(history, Array.from({ length: 60 }, (_, i) => `第${i}条`), 'oldest first, none twice');

    step = 'delete-for-me hides a message for B only';
    const doomed = tid(b.page, 'message-item').filter({ hasText: '第59条' });
    await doomed.getByTestId('message-content').click();
    await doomed.getByTestId('message-delete').click();
    await until('the deleted message to go', async () => !(await messageTexts(b.page)).includes('第59条'));

    step = 'a pinned conversation comes first';
    await tid(b.page, 'pin-button').click();
    await until('the pin to take', async () => (await tid(b.page, 'pin-button').textContent()) === '取消置顶');

    step = 'reload keeps the session';
    await b.page.reload();
    await until("B signed in after reload", async () => (await tid(b.page, 'me-name').textContent()) === b.displayName);
    assert.equal(await tid(b.page, 'login-form').isVisible(), false);
    await until("B's two conversations", async () => (await tid(b.page, 'conversation-item').count()) === 2);
    const titles = await tid(b.page, 'conversation-title').allTextContents();
    assert.deepEqual(titles, [a.displayName, '周末聚餐'], 'the pinned chat first, though the group is newer');
    await convItem(b.page, a.displayName).click();
    await waitForMessage(b, '第58条');
    assert.equal((await messageTexts(b.page)).includes('第59条'), false, 'the delete was stored');
    assert.equal(
      await a.page.evaluate(async (id) => {
        const res = await fetch(`/api/auth/conversations/${id}?limit=1`, {
          headers: { Authorization: `Bearer ${localStorage.getItem('chatd.token')}` },
        });
        return (await res.json()).data[0].content;
      }, privateId),
      '第59条',
      'A still has the message B deleted'
    );
    await backToList(b);

    if (SHOTS) {
      step = 'screenshots';
      await convItem(b.page, '周末聚餐').click();
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
      await screenshot(a, 'desktop-chat');
      await screenshot(b, 'phone-chat');
      await backToList(b);
      await screenshot(b, 'phone-list');
      await a.page.reload();
      await until("A's list", async () => (await tid(a.page, 'conversation-item').count()) === 2);
      await screenshot(a, 'desktop-list');
    }

    step = 'logout ends the session, also after reload';
    await tid(a.page, 'logout-button').click();
    await tid(a.page, 'login-form').waitFor();
    await a.page.reload();
    await tid(a.page, 'login-form').waitFor();
    assert.equal(await a.page.locator('#app-view').isVisible(), false);

    step = 'no page error, no CSP violation, no unexpected dialog';
    for (const u of users) assert.deepEqual(u.errors, [], `${u.username}'s page`);
    console.log('browser test: all steps passed');
  } catch (e) {
    console.error(`FAILED at step: ${step}`);
    console.error(e && e.stack ? e.stack : e);
    for (const u of users) {
      if (u.errors.length) console.error(`${u.username} page errors:\n  ${u.errors.join('\n  ')}`);
      await u.page.screenshot({ path: path.join(HERE, `failure-${u.username.split('_')[0]}.png`) }).catch(() => {});
    }
    process.exitCode = 1;
  } finally {
    await browser.close();
  }
}

/** The login page, in a fresh context of its own (only when screenshots are asked for). */
async function screenshotLogin(browser) {
  if (!SHOTS) return;
  const context = await browser.newContext({ viewport: PHONE, locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(`${BASE}/`);
  await page.getByTestId('login-form').waitFor();
  await sleep(200);
  await page.screenshot({ path: path.join(SHOTS, 'phone-login.png') });
  await context.close();
}

await main();
