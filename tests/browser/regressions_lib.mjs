// Shared steps for the regression scenarios of issue 14 (regressions_*.mjs): accounts,
// friendships and conversations made through the HTTP API from node (fast, and no part of
// what is tested), pages signed in with the token, and a runner of independent cases.
//
// Each case runs with users of its own and its own pages; a failing case is reported with
// its step and reason, and the others still run, so one run shows every regression. The
// scenario fails when any case failed. `CHATD_CASES=a,b` runs only the named cases.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { assert, BASE, DESKTOP, PASSWORD, sleep, until, tid } from './lib.mjs';

export { assert, BASE, DESKTOP, sleep, until, tid };

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Calls the API from node as the holder of `token` (or anonymously); `{ status, body }`. */
export async function http(token, method, apiPath, body) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(`${BASE}${apiPath}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** Like `http` as `u`, asserting a 2xx answer; returns its `data`. */
export async function api(u, method, apiPath, body) {
  const res = await http(u.token, method, apiPath, body);
  assert.ok(res.status >= 200 && res.status < 300, `${method} ${apiPath} as ${u.username}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data;
}

/** Registers `u.username` with `u.displayName`; sets `u.id` and `u.token`. */
async function registerApi(u) {
  const res = await http(null, 'POST', '/api/register', {
    username: u.username,
    password: PASSWORD,
    display_name: u.displayName,
  });
  assert.equal(res.status, 201, `register ${u.username}: ${JSON.stringify(res.body)}`);
  u.id = res.body.data.user_id;
  u.token = res.body.data.token;
  return u;
}

/** `a` and `b` become friends (a request from `a`, accepted by `b`). */
export async function friends(a, b) {
  const req = await api(a, 'POST', '/api/auth/friends/requests', { user_id: b.id });
  await api(b, 'POST', `/api/auth/friends/requests/${req.request_id}/accept`);
}

/** The private conversation of `a` and `b` (friends); its id. */
export async function privateChat(a, b) {
  return (await api(a, 'POST', '/api/auth/conversations/private', { friend_id: b.id })).conversation_id;
}

/** `owner` creates the group `name` with `members` (friends of the owner); its id. */
export async function group(owner, name, members) {
  return (await api(owner, 'POST', '/api/auth/conversations/group', { name, member_ids: members.map((m) => m.id) }))
    .conversation_id;
}

/** `u` sends `content` into `convId` through the API; the stored message's id. */
export async function post(u, convId, content) {
  return (await api(u, 'POST', '/api/auth/messages', { conversation_id: convId, content })).message_id;
}

/** The newest `limit` messages of `convId` as `u` sees them (oldest first). */
export async function history(u, convId, limit = 50) {
  return api(u, 'GET', `/api/auth/conversations/${convId}?limit=${limit}`);
}

/** The conversation list item with id `convId` on `page`. */
export const itemById = (page, convId) => page.locator(`[data-testid="conversation-item"][data-id="${convId}"]`);

/** The preview text of the list item of `convId` (null when the item is not there). */
export function previewOf(page, convId) {
  return page.evaluate((id) => {
    const el = document.querySelector(
      `[data-testid="conversation-item"][data-id="${id}"] [data-testid="conversation-preview"]`
    );
    return el ? el.textContent : null;
  }, convId);
}

/** Message items of the open chat whose content is exactly `text`: `[{ id, status }]`. */
export function itemsWithText(page, text) {
  return page.evaluate(
    (t) =>
      [...document.querySelectorAll('[data-testid="message-item"]')]
        .filter((li) => {
          const c = li.querySelector('[data-testid="message-content"]');
          return c && c.textContent === t;
        })
        .map((li) => ({ id: li.getAttribute('data-id'), status: li.getAttribute('data-status') })),
    text
  );
}

/** The texts of the toasts shown right now. */
export function visibleToasts(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('[data-testid="toast"]')]
      .filter((el) => el.checkVisibility() && el.textContent.trim() !== '')
      .map((el) => el.textContent)
  );
}

/** Makes `page` look hidden (a background tab) or visible again, as the browser would. */
export function setVisibility(page, visible) {
  return page.evaluate((v) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (v ? 'visible' : 'hidden') });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => !v });
    document.dispatchEvent(new Event('visibilitychange'));
  }, visible);
}

/** Opens the conversation `convId` from the list (after a phone's back button, if any). */
export async function openById(u, convId, title) {
  const back = tid(u.page, 'back-button');
  if (await back.isVisible()) await back.click();
  const item = itemById(u.page, convId);
  await until(`${u.username} to see the conversation ${convId}`, () => item.isVisible());
  await item.click();
  if (title !== undefined) {
    await until(`${u.username}'s chat ${title} to open`, async () => (await tid(u.page, 'chat-title').textContent()) === title);
  }
}

/**
 * Polls `probe()` every 50 ms until `ok(value)` holds, for at most `ms` milliseconds (at least
 * one probe); returns that value, or fails naming `what`, the limit and the last value seen.
 */
export async function expectWithin(ms, what, probe, ok = Boolean) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (ok(last)) return last;
    } catch (e) {
      last = `error: ${e.message}`;
    }
    if (Date.now() >= end) break;
    await sleep(50);
  }
  throw new Error(`${what}: not within ${ms} ms (last seen: ${JSON.stringify(last)})`);
}

/** The unread badge of `convId`'s list item as shown (null when there is none). */
export function badgeOf(page, convId) {
  return page.evaluate((id) => {
    const el = document.querySelector(`[data-testid="conversation-item"][data-id="${id}"] [data-testid="unread-badge"]`);
    return el && el.checkVisibility() ? el.textContent : null;
  }, convId);
}

/** What has keyboard focus: `{ tag, testid, id }` of `document.activeElement`. */
export function focused(page) {
  return page.evaluate(() => {
    const a = document.activeElement;
    return a ? { tag: a.tagName, testid: a.getAttribute('data-testid'), id: a.getAttribute('data-id') } : null;
  });
}

/**
 * Runs `cases` (`[{ name, run }]`) one after another inside a `scenario` body. `run(c)` gets
 * `c.step(text)`, `c.user(name, displayName, viewport)` (a browser user; `c.signIn(u)` loads
 * its page) and `c.account(name, displayName)` (an API-only user). Pages are closed after
 * each case.
 */
export async function runCases(t, file, cases) {
  const only = process.env.CHATD_CASES ? process.env.CHATD_CASES.split(',') : null;
  const tag = Date.now().toString(36).slice(-5);
  const failures = [];
  for (const kase of cases) {
    if (only && !only.includes(kase.name)) continue;
    const users = [];
    let step = 'start';
    const c = {
      step(text) {
        step = text;
        t.step(`${kase.name}: ${text}`);
      },
      async account(name, displayName) {
        return registerApi({ username: `${name}_${tag}`, displayName });
      },
      /** A browser user: registered, with a page not yet loaded (see `signIn`). */
      async user(name, displayName, viewport = DESKTOP) {
        const u = await t.user(name, displayName, viewport);
        users.push(u);
        await registerApi(u);
        await u.context.addInitScript(
          ([key, token]) => {
            if (!localStorage.getItem(key)) localStorage.setItem(key, token);
          },
          ['chatd.token', u.token]
        );
        return u;
      },
      /** Loads the app in `u`'s page, signed in with its token. */
      async signIn(u) {
        await u.page.goto(`${BASE}/`);
        await until(`${u.username} to be signed in`, async () => (await tid(u.page, 'me-name').textContent()) === u.displayName);
      },
    };
    const started = Date.now();
    try {
      await kase.run(c);
      console.log(`case ${kase.name}: passed (${Date.now() - started} ms)`);
    } catch (e) {
      const reason = e && e.message ? e.message : String(e);
      console.error(`case ${kase.name} FAILED at step: ${step}\n  ${reason.split('\n').join('\n  ')}`);
      failures.push(`${kase.name} (${step}): ${reason.split('\n')[0]}`);
      for (const u of users) {
        const shot = path.join(HERE, `failure-${file}-${kase.name}-${u.username.split('_')[0]}.png`);
        await u.page.screenshot({ path: shot }).catch(() => {});
      }
    } finally {
      for (const u of users) {
        // The scenario checks every page's errors at the end; closed pages keep theirs.
        await u.context.close().catch(() => {});
      }
    }
  }
  if (failures.length) {
    throw new Error(`${failures.length} case(s) failed:\n  ${failures.join('\n  ')}`);
  }
}

/** Waits until `page`'s open chat shows a message whose content is `text`. */
export async function seesMessage(u, text, ms = 15_000) {
  const shown = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
  await expectWithin(ms, `${u.username} to see ${shown}`, () => itemsWithText(u.page, text), (l) => l.length > 0);
}
