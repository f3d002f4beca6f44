// The client's one state object. Views subscribe and render from it; nothing is read back
// from the DOM. Every change names what it touched (`list`, `chat`, `friends`, `me`, `conn`,
// `auth`, `search`, `hits`, `quote`, `select`, `typing`), and subscribers run once per batch
// (a microtask, so hidden tabs update too).

import { idNum } from './dom.js';

export const state = {
  // GET /api/info: the server's rules; until it answers, assume the defaults allow everything.
  info: { allow_registration: true, recall_window_secs: null, max_message_chars: 5000 },
  clockOffset: 0, // server clock minus this device's, from the Date header of /api/info
  me: null, // { user_id, username, display_name, avatar_url }
  convs: new Map(), // conversation_id -> list item (+ previewSender, rank)
  order: [], // conversation ids as the list shows them
  listLoaded: false,
  // conversation_id -> { msgs: Map id -> message, ids: [] oldest first, hasMore, loading,
  // loaded, detached (opened at a search result: newer messages exist that are not loaded, so
  // live ones wait), loadingNewer, newerFailed, focus (a message id to scroll to and flash) }
  chats: new Map(),
  pendings: new Map(), // client_msg_id -> unsent message (send.js): { clientId, convId, kind, state: 'sending'|'failed', error, tries, … }
  quoting: new Map(), // conversation_id -> the message the composer quotes (引用), shaped as a `reply_to`
  selecting: null, // 多选 to forward (view-forward.js): { convId, ids: Set of message ids } while choosing
  typing: new Map(), // conversation_id -> Set of user ids shown as typing there (typing.js)
  users: new Map(), // user_id -> { avatar_url }: from friends, members, requests, search, events
  members: new Map(), // conversation_id -> members (groups: who the senders are, for avatars)
  current: null, // the open conversation's id
  friends: [],
  incoming: [],
  outgoing: [],
  conn: 'idle', // idle | connecting | connected | disconnected
  // The list's search box (search.js): status idle | loading | done | failed.
  search: { q: '', status: 'idle', results: null },
  // One conversation's matches (search.js): the panel of a chat's search, or a result's.
  hits: { convId: null, q: '', status: 'idle', list: [], hasMore: false, more: 'idle', total: 0 },
  visible: document.visibilityState === 'visible',
};

const listeners = new Set();
let dirty = new Set();
let scheduled = false;

/** `fn(changes)` after every batch of changes; `changes` is a Set of tags. */
export function subscribe(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** Marks tags as changed; subscribers run once at the end of the current task. */
export function changed(...tags) {
  for (const t of tags) dirty.add(t);
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(() => {
    scheduled = false;
    const batch = dirty;
    dirty = new Set();
    for (const fn of listeners) fn(batch);
  });
}

export const statusOf = () => state.info.message_status || { normal: 0, recalled: 1, system: 2 };

// ---------------------------------------------------------------- conversations

let rankSeq = 0; // live activity ranks: smaller is newer (server order gives 1, 2, 3 …)

/** A group row's preview names its sender (`李四: …`), unless the caller sent it. */
const senderShown = (c) =>
  c.type === 'group' && c.last_message_sender_name && c.last_message_sender_name !== '我' ? c.last_message_sender_name : null;

/** Replaces the list with the server's. */
export function setConversations(list) {
  state.convs = new Map();
  (Array.isArray(list) ? list : []).forEach((c, i) => {
    state.convs.set(c.conversation_id, { ...c, previewSender: senderShown(c), rank: i + 1 });
  });
  state.listLoaded = true;
  sortList();
  changed('list', 'chat');
}

export function upsertConv(c) {
  if (!c || !c.conversation_id) return;
  const before = state.convs.get(c.conversation_id);
  const sender = 'last_message_sender_name' in c ? { previewSender: senderShown(c) } : {};
  state.convs.set(c.conversation_id, { previewSender: null, ...before, ...c, ...sender, rank: --rankSeq });
  sortList();
  changed('list', 'chat');
}

export function patchConv(id, patch) {
  const c = state.convs.get(id);
  if (!c) return false;
  // Nothing unread, no unread mention; no mention, no 「[@所有人]」 either.
  if (patch.unread_count === 0 && !('mentioned' in patch)) patch = { ...patch, mentioned: false };
  if (patch.mentioned === false) patch = { ...patch, mentionAll: false };
  state.convs.set(id, { ...c, ...patch });
  if ('is_pinned' in patch || 'last_message_time' in patch || 'rank' in patch) sortList();
  changed('list', 'chat');
  return true;
}

export function removeConv(id) {
  state.convs.delete(id);
  state.chats.delete(id);
  for (const [k, p] of state.pendings) if (p.convId === id) state.pendings.delete(k);
  state.order = state.order.filter((x) => x !== id);
  changed('list', 'chat');
}

/** Pinned first, then the newest message first, then live activity / server order. */
function sortList() {
  const time = (c) => Date.parse(c.last_message_time) || 0;
  state.order = [...state.convs.values()]
    .sort((a, b) => (b.is_pinned ? 1 : 0) - (a.is_pinned ? 1 : 0) || time(b) - time(a) || a.rank - b.rank)
    .map((c) => c.conversation_id);
}

/** Characters, not UTF-16 units: what the server counts. */
export const charCount = (s) => [...String(s)].length;
const cut = (s, n) => {
  const chars = [...String(s)];
  return chars.length > n ? chars.slice(0, n).join('') : String(s);
};

/** What the list shows for a message: its text, or `[图片]`, `[文件] name`, `[语音] 12"` (as
 * the server renders `last_message_preview`). */
export function previewText(m) {
  const a = m.attachment;
  if (m.type === 'image') return '[图片]';
  if (m.type === 'file') return `[文件] ${a ? a.name : ''}`;
  if (m.type === 'voice') return `[语音] ${a ? Math.round((a.duration_ms || 0) / 1000) : 0}"`;
  return cut(m.content, 100);
}

/** A message became the newest of its conversation: preview, time and place in the list. */
export function notePreview(convId, m) {
  const c = state.convs.get(convId);
  if (!c || !m) return;
  const system = m.status === statusOf().system;
  const own = state.me && m.sender_id === state.me.user_id;
  patchConv(convId, {
    last_message_preview: cut(previewText(m), 100),
    last_message_time: m.created_at || c.last_message_time,
    previewSender: c.type === 'group' && !system && !own ? m.sender_name : null,
    rank: --rankSeq,
  });
}

/** Whose colour a conversation's avatar takes: a private chat's other member (found among
 * the friends by name, as the list item has no user id), else the conversation. */
export function avatarKey(c) {
  if (c && c.type === 'private') {
    const f = state.friends.find((x) => (x.remark || x.display_name) === c.title); // a remark is the title
    if (f) return f.user_id;
  }
  return c ? c.conversation_id : '';
}

// ---------------------------------------------------------------- people's avatars

/** Learns the avatars of users the server described (objects with `user_id` and, from
 * servers that have avatars, `avatar_url`); whether any changed. */
export function noteUsers(list) {
  let any = false;
  for (const u of list || []) {
    if (!u || !u.user_id || !('avatar_url' in u)) continue;
    any = setUserAvatar(u.user_id, u.avatar_url) || any;
  }
  return any;
}

/** One user's avatar (a URL, or null for none); whether it changed. */
export function setUserAvatar(userId, url) {
  const value = url || null;
  if (state.me && userId === state.me.user_id && (state.me.avatar_url || null) !== value) {
    state.me = { ...state.me, avatar_url: value };
    changed('me');
  }
  const before = state.users.get(userId);
  if (before && before.avatar_url === value) return false;
  state.users.set(userId, { avatar_url: value });
  changed('chat', 'list');
  return true;
}

/** A user's avatar URL as far as this page knows, or null (the initials avatar). */
export function userAvatar(userId) {
  if (state.me && userId === state.me.user_id) return state.me.avatar_url || null;
  const u = state.users.get(userId);
  return u ? u.avatar_url : null;
}

/** Whom a message mentions, for this user: `me` (by id), `all` (@所有人), or null. */
export function mentionOf(m) {
  const list = (m && Array.isArray(m.mentions) && m.mentions) || [];
  if (state.me && list.includes(state.me.user_id)) return 'me';
  return list.includes('all') ? 'all' : null;
}

/** Conversations with unread messages, for the tab title: muted ones are left out (消息免打扰). */
export const unreadTotal = () => [...state.convs.values()].filter((c) => c.unread_count > 0 && !c.is_muted).length;

// ---------------------------------------------------------------- messages

const freshChat = () => ({ msgs: new Map(), ids: [], hasMore: false, loading: false, loaded: false, detached: false, focus: null });

export function chatOf(convId) {
  let chat = state.chats.get(convId);
  if (!chat) {
    chat = freshChat();
    state.chats.set(convId, chat);
  }
  return chat;
}

/** Forgets what a chat has loaded (to open it elsewhere in its history): a new object, so a
 * page still on its way to the old one is recognised and dropped by its loader. */
export function resetChat(convId) {
  const chat = freshChat();
  state.chats.set(convId, chat);
  changed('chat');
  return chat;
}

/** Whether a chat shows a stretch of its history without its newest messages. */
export const isDetached = (convId) => !!(state.chats.get(convId) || {}).detached;

/** Messages from live events or one's own sends: appended unless the chat is detached (they
 * are newer than anything loaded, and would sit after a gap). */
export function putLive(convId, list) {
  if (!state.chats.has(convId) || isDetached(convId)) return;
  putMessages(convId, list);
}

/** Adds or replaces messages (any order); recalled ones show only through their notice. */
export function putMessages(convId, list) {
  const chat = chatOf(convId);
  let added = false;
  for (const m of list || []) {
    if (!m || !m.id) continue;
    if (m.status === statusOf().recalled) {
      dropMessage(convId, m.id);
      continue;
    }
    if (!chat.msgs.has(m.id)) added = true;
    chat.msgs.set(m.id, m);
  }
  if (added) chat.ids = [...chat.msgs.keys()].sort((a, b) => idNum(a) - idNum(b));
  changed('chat');
}

export function dropMessage(convId, id) {
  const chat = state.chats.get(convId);
  if (!chat || !chat.msgs.delete(id)) return;
  chat.ids = chat.ids.filter((x) => x !== id);
  changed('chat');
}

/** A message was recalled, or deleted for this user: its quotes read 「引用的内容已撤回」 (as the
 * server renders them from now on), and the composer no longer quotes it. */
export function unquote(convId, id) {
  const chat = state.chats.get(convId);
  for (const [k, m] of chat ? chat.msgs : []) {
    if (m.reply_to && m.reply_to.id === id && m.reply_to.status !== statusOf().recalled) {
      chat.msgs.set(k, { ...m, reply_to: { ...m.reply_to, content: '', status: statusOf().recalled } });
    }
  }
  const q = state.quoting.get(convId);
  if (q && q.id === id) state.quoting.delete(convId);
  changed('chat', 'quote');
}

/** The composer of `convId` quotes `quote` (a `reply_to`), or nothing when null. */
export function setQuote(convId, quote) {
  if (quote) state.quoting.set(convId, quote);
  else state.quoting.delete(convId);
  changed('quote');
}

/** The newest message the store has of a conversation, or null. */
export function newestMessage(convId) {
  const chat = state.chats.get(convId);
  return chat && chat.ids.length ? chat.msgs.get(chat.ids[chat.ids.length - 1]) : null;
}

/** A display name changed: messages and private titles that show it follow (no reload). */
export function renameUser(userId, name) {
  const mine = state.me && userId === state.me.user_id;
  if (mine) {
    state.me = { ...state.me, display_name: name };
    changed('me');
  }
  const known = new Set();
  for (const [convId, chat] of state.chats) {
    for (const [id, m] of chat.msgs) {
      const q = m.reply_to;
      if (!mine && q && q.sender_id === userId) chat.msgs.set(id, { ...m, reply_to: { ...q, sender_name: name } });
      if (m.sender_id !== userId) continue;
      known.add(convId);
      if (!mine && m.status !== statusOf().system) chat.msgs.set(id, { ...chat.msgs.get(id), sender_name: name });
    }
  }
  for (const f of state.friends) if (f.user_id === userId) f.display_name = name;
  changed('chat', 'friends');
  return known;
}

/** History cleared for this user up to `upto` (清空聊天记录, 删除聊天; ids compare by number):
 * loaded messages at or below it go, quotes of them read as recalled (as the server renders
 * them), nothing is unread, and the preview empties unless something newer is loaded. */
export function clearUpto(convId, upto) {
  const n = idNum(upto);
  const gone = (id) => idNum(id) <= n;
  const chat = state.chats.get(convId);
  if (chat) {
    chat.ids = chat.ids.filter((id) => !gone(id) || !chat.msgs.delete(id));
    for (const [k, m] of chat.msgs) {
      const q = m.reply_to;
      if (q && gone(q.id) && q.status !== statusOf().recalled) chat.msgs.set(k, { ...m, reply_to: { ...q, content: '', status: statusOf().recalled } });
    }
    chat.hasMore = false; // nothing older is left for this user
    chat.detached = false; // what was loaded is gone; what comes next is newer
  }
  const q = state.quoting.get(convId);
  if (q && gone(q.id)) state.quoting.delete(convId);
  const left = newestMessage(convId);
  const preview = left ? {} : { last_message_preview: '', previewSender: null };
  patchConv(convId, { unread_count: 0, mentioned: false, ...preview });
  changed('chat', 'quote');
}
