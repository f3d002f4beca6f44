// 正在输入 (typing, API.md §14). While the user types in the composer (non-empty text), the
// open conversation is told at most every 3 s (`POST …/typing`, fire and forget). A `typing`
// event from another member shows 「对方正在输入…」 (private chat) or 「名字正在输入…」 (group)
// above the composer (`typing-indicator`) for 5 s after their last one, or until their
// message arrives.

import { api, seg } from './api.js';
import { $ } from './dom.js';
import { state, subscribe, changed } from './store.js';

const SEND_EVERY = 3000; // the server drops repeats within 3 s anyway
const SHOW_FOR = 5000;

const lastSent = new Map(); // conversation_id -> when this page last said so
const timers = new Map(); // `${conversation_id} ${user_id}` -> the timeout that hides it

function typed() {
  const id = state.current;
  if (!id || !$('#msg-input').value.trim()) return;
  const now = Date.now();
  if (now - (lastSent.get(id) || 0) < SEND_EVERY) return;
  lastSent.set(id, now);
  api('POST', `/api/auth/conversations/${seg(id)}/typing`).catch(() => {}); // only a hint
}

/** A `typing` event: `userId` is typing in `convId` (shown for 5 s after the last one). */
export function noteTyping(convId, userId) {
  if (!convId || !userId || (state.me && userId === state.me.user_id)) return;
  let who = state.typing.get(convId);
  if (!who) state.typing.set(convId, (who = new Set()));
  who.add(userId);
  const key = `${convId} ${userId}`;
  clearTimeout(timers.get(key));
  timers.set(key, setTimeout(() => stopTyping(convId, userId), SHOW_FOR));
  changed('typing');
}

/** `userId` stopped typing in `convId` (time is up, or their message arrived). */
export function stopTyping(convId, userId) {
  const key = `${convId} ${userId}`;
  clearTimeout(timers.get(key));
  timers.delete(key);
  const who = state.typing.get(convId);
  if (!who || !who.delete(userId)) return;
  if (!who.size) state.typing.delete(convId);
  changed('typing');
}

/** The name the page shows for a member: the group's members (remarks already applied by the
 * server), a friend's remark or name, or a loaded message's sender. */
function nameOf(convId, userId) {
  const member = (state.members.get(convId) || []).find((m) => m.user_id === userId);
  if (member) return member.display_name;
  const f = state.friends.find((x) => x.user_id === userId);
  if (f) return f.remark || f.display_name;
  const chat = state.chats.get(convId);
  for (const m of chat ? chat.msgs.values() : []) if (m.sender_id === userId && m.sender_name) return m.sender_name;
  return '有人';
}

function render() {
  const el = $('#typing-indicator');
  const id = state.current;
  const who = id ? state.typing.get(id) : null;
  if (!who || !who.size) {
    el.hidden = true;
    el.textContent = '';
    return;
  }
  const c = state.convs.get(id);
  el.textContent = c && c.type === 'group' ? `${[...who].map((u) => nameOf(id, u)).join('、')}正在输入…` : '对方正在输入…';
  el.hidden = false;
}

export function initTyping() {
  $('#msg-input').addEventListener('input', typed);
  subscribe((ch) => {
    if (ch.has('typing') || ch.has('chat') || ch.has('members') || ch.has('auth')) render();
  });
}
