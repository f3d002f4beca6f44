// Shared steps for the browser scenarios (family.mjs, groups.mjs): a browser per scenario, a
// context per user, and helpers that wait for what a person would see.
//
// Environment (set by tests/browser/main.rs):
//   CHATD_URL          the server, e.g. http://127.0.0.1:41234 (required)
//   CHATD_CHROMIUM     the browser (default /usr/bin/chromium)
//   CHATD_SCREENSHOTS  a folder: when set, scenarios save their screenshots there
//
// A scenario exits 0 when every step passed; on failure it prints the step, the reason and
// each page's errors, and writes a screenshot of every page next to the script.

import assert from 'node:assert/strict';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export { assert };
export const BASE = process.env.CHATD_URL;
export const SHOTS = process.env.CHATD_SCREENSHOTS || '';
export const PASSWORD = 'family-secret-1';
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

const EXE = process.env.CHATD_CHROMIUM || '/usr/bin/chromium';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const TIMEOUT = 15_000;

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` until it returns a truthy value; fails naming `what` and the last value seen. */
export async function until(what, fn, timeout = TIMEOUT) {
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

export const tid = (page, id) => page.getByTestId(id);

/** The texts of the messages shown in the open chat, oldest first. */
export const messageTexts = (page) => tid(page, 'message-list').getByTestId('message-content').allTextContents();

export async function waitForMessage(u, text) {
  await until(`${u.username} to see message ${JSON.stringify(text)}`, async () =>
    (await messageTexts(u.page)).includes(text)
  );
}

/** The conversation list item whose title is `title`. */
export function convItem(page, title) {
  return tid(page, 'conversation-item').filter({
    has: page.getByTestId('conversation-title').getByText(title, { exact: true }),
  });
}

export async function register(u) {
  const { page } = u;
  await page.goto(`${u.base}/`);
  await tid(page, 'show-register').click();
  await tid(page, 'register-username').fill(u.username);
  await tid(page, 'register-password').fill(PASSWORD);
  await tid(page, 'register-display-name').fill(u.displayName);
  await tid(page, 'register-submit').click();
  await until(`${u.username} to be signed in`, async () => (await tid(page, 'me-name').textContent()) === u.displayName);
  assert.equal(await tid(page, 'login-form').isVisible(), false);
}

export async function login(u, password = PASSWORD) {
  const { page } = u;
  await page.goto(`${u.base}/`);
  await tid(page, 'login-username').fill(u.username);
  await tid(page, 'login-password').fill(password);
  await tid(page, 'login-submit').click();
  await until(`${u.username} to be signed in`, async () => (await tid(page, 'me-name').textContent()) === u.displayName);
}

/** `from` finds `to` by search and sends a friend request; `to` sees it arrive live. */
export async function requestFriend(from, to) {
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
}

/** `to` answers the request from `from` in the friends panel (`accept` or `reject`). */
export async function answerFriend(to, from, action) {
  const q = to.page;
  await tid(q, 'open-friends').click();
  await tid(q, 'incoming-request').filter({ hasText: `@${from.username}` }).getByTestId(`request-${action}`).click();
  if (action === 'accept') await tid(q, 'friend-item').filter({ hasText: `@${from.username}` }).waitFor();
  await until('the request to leave the list', async () => (await tid(q, 'incoming-request').count()) === 0);
  await tid(q, 'friends-close').click();
  await until(`${to.username}'s badge to clear`, async () => !(await tid(q, 'friend-request-badge').isVisible()));
}

/** A full friendship: request, live arrival, acceptance, and the requester's list following. */
export async function befriend(from, to) {
  await requestFriend(from, to);
  await answerFriend(to, from, 'accept');
  const p = from.page;
  await tid(p, 'open-friends').click();
  await tid(p, 'friend-item').filter({ hasText: `@${to.username}` }).waitFor();
  await tid(p, 'friends-close').click();
}

/** Types `text` and presses Enter; waits until the server's id is on the message. */
export async function send(u, text) {
  const input = tid(u.page, 'message-input');
  await input.fill(text);
  await input.press('Enter');
  await until(`${u.username}'s message to be stored`, () => isStored(u, text));
  assert.equal(await input.inputValue(), '', 'the composer is cleared after Enter');
}

/** Whether `text` is shown in the open chat as a stored message: a server id and status, not
 * a pending one (`data-id` its client_msg_id, `data-status` "sending" or "failed"). */
export function isStored(u, text) {
  return u.page.evaluate(
    (t) =>
      [...document.querySelectorAll('#msg-list > li[data-testid="message-item"]')].some(
        (li) =>
          /^m_\d+$/.test(li.dataset.id) &&
          /^\d+$/.test(li.dataset.status) &&
          li.querySelector('[data-testid="message-content"]').textContent === t
      ),
    text
  );
}

/** On a phone, leaves the open chat for the list (on a desktop both are shown). */
export async function backToList(u) {
  const back = tid(u.page, 'back-button');
  if (await back.isVisible()) await back.click();
}

/**
 * Reloads `u`'s page once the app's own history step has finished. Closing the last chat or
 * panel makes the app go back one entry (nav.js); that traversal is asynchronous and, if it
 * lands while a reload is under way, aborts the reload (net::ERR_ABORTED). Returns the
 * reload's response.
 */
export async function reload(u) {
  await until(`${u.username}'s history to settle`, () =>
    u.page.evaluate(() => {
      const open = document.querySelector('dialog[open]') || document.querySelector('[data-testid="chat-title"]')?.offsetParent;
      return !!open || !(history.state && history.state.chatd === 'top');
    })
  );
  return u.page.reload();
}

/** Opens the conversation titled `title` from the list. */
export async function openChat(u, title) {
  await backToList(u);
  const item = convItem(u.page, title);
  await until(`${u.username} to see the conversation ${title}`, () => item.isVisible());
  await item.click();
}

/** The open chat's title as shown (groups carry their member count: `名字（3）`). */
export const chatTitle = (u) => tid(u.page, 'chat-title').textContent();

/** Opens the private chat with `friend` from the friends panel. */
export async function openPrivateChat(u, friend) {
  await tid(u.page, 'open-friends').click();
  await tid(u.page, 'friend-item').filter({ hasText: `@${friend.username}` }).getByTestId('friend-chat-button').click();
  await until(`${u.username}'s chat with ${friend.username} to open`, async () => (await chatTitle(u)) === friend.displayName);
}

/** Ticks `friend` in the friend checklist `list` (a CSS selector) of an open panel. */
export async function tickFriend(u, list, friend) {
  await u.page.locator(`${list} li`).filter({ hasText: `@${friend.username}` }).getByRole('checkbox').check();
}

/** `u` creates the group `name` with `members` (friends of theirs); its chat opens. */
export async function createGroup(u, name, members) {
  await tid(u.page, 'open-new-group').click();
  await tid(u.page, 'group-name-input').fill(name);
  for (const m of members) await tickFriend(u, '#group-create-friends', m);
  await tid(u.page, 'group-create-submit').click();
  const title = `${name}（${members.length + 1}）`;
  await until(`${u.username}'s group chat`, async () => (await chatTitle(u)) === title);
}

/** Opens the group panel of the open chat, runs `fn`, and closes the panel. */
export async function inGroupPanel(u, fn) {
  await tid(u.page, 'group-info-button').click();
  await until('the member list', async () => (await tid(u.page, 'group-member-item').count()) > 0);
  await fn();
  await u.page.locator('#group-info-dialog [data-close]').click();
}

/** Logs out from the profile panel (我的 → 退出登录 → the confirmation's 退出). */
export async function logout(u) {
  await tid(u.page, 'open-profile').click();
  await tid(u.page, 'logout-button').click();
  await tid(u.page, 'logout-confirm').click();
  await tid(u.page, 'login-form').waitFor();
}

/** Calls the API from `u`'s page with its stored token; returns `{ status, body }`. */
export function apiFromPage(u, method, apiPath, body) {
  return u.page.evaluate(
    async ({ method, apiPath, body }) => {
      const headers = { Authorization: `Bearer ${localStorage.getItem('chatd.token')}` };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      const res = await fetch(apiPath, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: res.status, body: await res.json() };
    },
    { method, apiPath, body }
  );
}

export async function screenshot(u, name) {
  if (!SHOTS) return;
  await sleep(300); // let the list's debounce and fonts settle
  await u.page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  console.log(`screenshot ${name}.png`);
}

/**
 * Asks the Rust harness to do something to the server (`stop`, `start`) and waits until it
 * is done: a `CHATD-CONTROL <command>` line on stdout, answered by a line on stdin.
 */
const stdinLines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
export async function control(command) {
  console.log(`CHATD-CONTROL ${command}`);
  const { value, done } = await stdinLines.next();
  assert.equal(done, false, 'the harness answered');
  assert.equal(value.trim(), `done ${command}`);
}

/**
 * Runs a scenario: `body(t)` gets `t.user(name, displayName, viewport)`, `t.step(text)` and
 * `t.browser`. Any page error, CSP violation or unexpected alert fails the scenario.
 * `options.args`: more Chromium switches (e.g. a fake microphone).
 */
export async function scenario(name, body, options = {}) {
  if (!BASE) {
    console.error('CHATD_URL is not set');
    process.exit(2);
  }
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
      ...(options.args || []),
    ],
  });
  const users = [];
  let step = 'start';
  const tag = Date.now().toString(36).slice(-5);
  const t = {
    browser,
    step(text) {
      step = text;
    },
    /** A user in a context of their own; `base` may point at a `networkProxy()`. */
    async user(name, displayName, viewport = DESKTOP, base = BASE) {
      const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
      context.setDefaultTimeout(TIMEOUT);
      const page = await context.newPage();
      const u = { username: `${name}_${tag}`, displayName, base, context, page, errors: [] };
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
    },
  };
  try {
    await body(t);
    step = 'no page error, no CSP violation, no unexpected dialog';
    for (const u of users) assert.deepEqual(u.errors, [], `${u.username}'s page`);
    console.log(`browser scenario ${name}: all steps passed`);
  } catch (e) {
    console.error(`${name} FAILED at step: ${step}`);
    console.error(e && e.stack ? e.stack : e);
    for (const u of users) {
      if (u.errors.length) console.error(`${u.username} page errors:\n  ${u.errors.join('\n  ')}`);
      const file = path.join(HERE, `failure-${name}-${u.username.split('_')[0]}.png`);
      await u.page.screenshot({ path: file }).catch(() => {});
    }
    process.exitCode = 1;
  } finally {
    await browser.close();
    for (const p of proxies) p.close();
  }
  // Standard input stays open (the harness answers on it): exit explicitly.
  process.exit(process.exitCode ?? 0);
}

const proxies = [];

/**
 * A TCP relay to the server on a port of its own: a user whose pages go through it can lose
 * the network (`cut()`: every open connection is reset and new ones are refused) and get it
 * back (`restore()`), while everyone else stays connected.
 */
export async function networkProxy() {
  const target = new URL(BASE);
  const sockets = new Set();
  let up = true;
  const server = net.createServer((client) => {
    if (!up) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const [from, to] of [
      [client, upstream],
      [upstream, client],
    ]) {
      sockets.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        sockets.delete(from);
        to.destroy();
      });
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const p = {
    url: `http://127.0.0.1:${server.address().port}`,
    cut() {
      up = false;
      for (const s of sockets) s.resetAndDestroy();
    },
    restore() {
      up = true;
    },
    close() {
      p.cut();
      server.close();
    },
  };
  proxies.push(p);
  return p;
}

/**
 * A real picture made by `u`'s browser: a `w`×`h` canvas (a gradient with a white disc and
 * bar, so crops and orientation would show) encoded as `type` (`image/png`, `image/jpeg`);
 * its bytes as a Buffer.
 */
export async function makeImage(u, w, h, type = 'image/png') {
  const bytes = await u.page.evaluate(
    async ({ w, h, type }) => {
      const c = document.createElement('canvas');
      c.width = w;
      c.height = h;
      const g = c.getContext('2d');
      const grad = g.createLinearGradient(0, 0, w, h);
      grad.addColorStop(0, '#ffb347');
      grad.addColorStop(1, '#3c6dff');
      g.fillStyle = grad;
      g.fillRect(0, 0, w, h);
      g.fillStyle = '#ffffff';
      g.beginPath();
      g.arc(w * 0.3, h * 0.35, Math.min(w, h) * 0.18, 0, Math.PI * 2);
      g.fill();
      g.fillRect(w * 0.1, h * 0.75, w * 0.8, h * 0.08);
      const blob = await new Promise((r) => c.toBlob(r, type, 0.92));
      return [...new Uint8Array(await blob.arrayBuffer())];
    },
    { w, h, type }
  );
  return Buffer.from(bytes);
}
