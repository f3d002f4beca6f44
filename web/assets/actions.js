// What the user (or the app) does that talks to the server; each answer goes into the store.

import { api, seg } from './api.js';
import { toast, busy, idNum } from './dom.js';
import {
  state,
  changed,
  setConversations,
  patchConv,
  removeConv,
  chatOf,
  resetChat,
  putMessages,
  dropMessage,
  unquote,
  newestMessage,
  previewText,
  noteUsers,
  upsertConv,
} from './store.js';

const PAGE = 50;

// ---------------------------------------------------------------- lists

let listSeq = 0;
let listTimer = null;

/** The conversation list from the server (order, unread counts, previews). */
export async function loadList() {
  clearTimeout(listTimer);
  listTimer = null;
  const seq = ++listSeq;
  try {
    const list = await api('GET', '/api/auth/conversations');
    if (seq === listSeq && state.me) setConversations(list);
  } catch (e) {
    if (e.code !== 401 && e.code !== 0) toast(e.message);
  }
}

/** For the rare change the events cannot describe (an unknown conversation, a recall's
 * effect on another's unread count): one reload, soon, however many asked. */
export function loadListSoon() {
  if (!listTimer) listTimer = setTimeout(loadList, 200);
}

/** Whether the page knows the conversation, after asking: the list first, then `…/info` for
 * one the list leaves out (删除聊天 took it out until its next message) that is opened from
 * the friends or a search; it is back in the list here then, as in WeChat. */
export async function ensureConv(id) {
  if (!state.convs.has(id)) await loadList();
  if (state.convs.has(id)) return true;
  try {
    const i = await api('GET', `/api/auth/conversations/${seg(id)}/info`);
    if (i && !state.convs.has(id)) {
      const { type, title, avatar_url, member_count, is_pinned, is_muted, created_at } = i;
      upsertConv({ conversation_id: id, type, title, avatar_url, member_count, is_pinned, is_muted, unread_count: 0, last_message_preview: '', last_message_time: created_at });
    }
  } catch (e) {
    if (e.code !== 401 && e.code !== 404) toast(e.message);
  }
  return state.convs.has(id);
}

let friendsSeq = 0;
export async function loadFriends() {
  const seq = ++friendsSeq;
  try {
    const [friends, reqs] = await Promise.all([api('GET', '/api/auth/friends'), api('GET', '/api/auth/friends/requests')]);
    if (seq !== friendsSeq || !state.me) return;
    state.friends = friends || [];
    state.incoming = (reqs && reqs.incoming) || [];
    state.outgoing = (reqs && reqs.outgoing) || [];
    noteUsers([...state.friends, ...state.incoming, ...state.outgoing]);
    changed('friends');
  } catch (e) {
    if (e.code !== 401 && e.code !== 0) toast(e.message);
  }
}

const membersLoading = new Map(); // conversation_id -> the request under way

/** A group's members (for their avatars beside messages, and the group panel); kept in the
 * store until the membership changes. */
export function loadMembers(id) {
  if (membersLoading.has(id)) return membersLoading.get(id);
  const done = (async () => {
    try {
      const members = (await api('GET', `/api/auth/conversations/${seg(id)}/members`)) || [];
      if (!state.me || !state.convs.has(id)) return null;
      state.members.set(id, members);
      noteUsers(members);
      changed('members');
      return members;
    } finally {
      membersLoading.delete(id);
    }
  })();
  membersLoading.set(id, done);
  return done;
}

// ---------------------------------------------------------------- opening and reading

/** Shows a conversation (the list, a search result): the chat's window, its header and, for
 * a group, who its senders are. */
export function showChat(id) {
  state.current = id;
  changed('chat', 'list', 'nav');
  const c = state.convs.get(id);
  // A group's senders may be strangers: their avatars come from the member list.
  if (c && c.type === 'group' && !state.members.has(id)) loadMembers(id).catch(() => {});
}

export function openChat(id) {
  const again = state.current === id;
  showChat(id);
  let chat = chatOf(id);
  const c = state.convs.get(id);
  // Left in a stretch of history (a search result): opened from the list, it starts at the
  // newest again.
  if (chat.detached) {
    chat = resetChat(id);
    if (c && c.unread_count) patchConv(id, { unread_count: 0 });
    loadNewest(id);
    return;
  }
  if (!again && chat.ids.length > PAGE) {
    // Reopened: start from the newest page again (older ones load when scrolling up).
    for (const old of chat.ids.slice(0, chat.ids.length - PAGE)) chat.msgs.delete(old);
    chat.ids = chat.ids.slice(-PAGE);
    chat.hasMore = true;
  }
  if (!chat.loaded) {
    if (c && c.unread_count) patchConv(id, { unread_count: 0 }); // reading the newest page reads it
    loadNewest(id);
  } else if (!again && c && c.unread_count) {
    patchConv(id, { unread_count: 0 });
    catchUp(id); // a page with `after` moves the read marker too
  }
}

export function closeChat() {
  if (!state.current) return;
  state.current = null;
  changed('chat', 'list', 'nav');
}

export async function loadNewest(id) {
  const chat = chatOf(id);
  chat.loading = true;
  changed('chat');
  try {
    const page = (await api('GET', `/api/auth/conversations/${seg(id)}?limit=${PAGE}`)) || [];
    if (state.chats.get(id) !== chat) return; // reset meanwhile (a search result opened)
    putMessages(id, page);
    chat.hasMore = page.length >= PAGE;
    chat.loaded = true;
  } catch (e) {
    if (e.code !== 401) toast(e.message);
    if (e.code === 404) {
      if (state.current === id) closeChat();
      removeConv(id);
    }
  } finally {
    chat.loading = false;
    changed('chat');
  }
}

export async function loadOlder(id) {
  const chat = state.chats.get(id);
  if (!chat || !chat.loaded || !chat.hasMore || chat.loading || !chat.ids.length) return;
  chat.loading = true;
  changed('chat');
  try {
    const page = (await api('GET', `/api/auth/conversations/${seg(id)}?limit=${PAGE}&before=${seg(chat.ids[0])}`)) || [];
    if (state.chats.get(id) !== chat) return;
    chat.hasMore = page.length >= PAGE;
    putMessages(id, page);
  } catch (e) {
    if (e.code !== 401) toast(e.message);
  } finally {
    chat.loading = false;
    changed('chat');
  }
}

/** Fetches what is newer than the newest message the store has (after a reconnect). */
export async function catchUp(id) {
  const chat = state.chats.get(id);
  const newest = newestMessage(id);
  if (chat && chat.detached) return; // it loads newer pages as the reader scrolls down
  if (!chat || !chat.loaded || !newest) {
    if (chat) chat.loaded = false;
    return loadNewest(id);
  }
  try {
    for (let after = newest.id, n = 0; n < 10; n++) {
      const page = (await api('GET', `/api/auth/conversations/${seg(id)}?limit=200&after=${seg(after)}`)) || [];
      if (state.chats.get(id) !== chat) return;
      putMessages(id, page);
      if (page.length < 200) break;
      after = page[page.length - 1].id;
    }
  } catch {
    /* the next event or reconnect fixes it */
  }
}

let readTimer = null;
/** Marks the open chat read within 300 ms (a throttle, not a debounce: a busy chat is read
 * while it goes on). Only while the page is visible. */
export function markReadSoon() {
  if (readTimer) return;
  readTimer = setTimeout(async () => {
    readTimer = null;
    const id = state.current;
    if (!id || !state.visible) return;
    try {
      const d = await api('POST', `/api/auth/conversations/${seg(id)}/read`, {});
      if (d && typeof d.unread_count === 'number') patchConv(id, { unread_count: d.unread_count });
    } catch {
      /* not critical */
    }
  }, 300);
}

/** Flips one of the caller's switches on a conversation: `pin` (置顶, `is_pinned`) or `mute`
 *  (消息免打扰, `is_muted`: the list then shows a grey dot, and the tab title leaves it out). */
async function toggleFlag(id, btn, path, field) {
  const c = state.convs.get(id);
  if (!c) return;
  await busy(btn, async () => {
    const d = await api('PUT', `/api/auth/conversations/${seg(id)}/${path}`, { [field]: !c[field] });
    patchConv(id, { [field]: d ? d[field] : !c[field] });
  });
}

export const togglePin = (id, btn) => toggleFlag(id, btn, 'pin', 'is_pinned');
export const toggleMute = (id, btn) => toggleFlag(id, btn, 'mute', 'is_muted');

// ---------------------------------------------------------------- recall and delete

export async function recall(convId, id) {
  await busy(null, async () => {
    await api('DELETE', '/api/auth/messages/recall', { id });
    dropMessage(convId, id); // the notice arrives as an event
    unquote(convId, id);
  });
}

export async function deleteForMe(convId, id) {
  await busy(null, async () => {
    await api('DELETE', '/api/auth/messages/delete', { id });
    afterDelete(convId, id);
  });
}

/** A message left this user's view: the preview follows when it was the newest. */
export function afterDelete(convId, id) {
  unquote(convId, id); // a deleted message's quotes read as recalled, as the server shows them
  const wasNewest = (newestMessage(convId) || {}).id === id;
  const chat = state.chats.get(convId);
  if (!chat || !chat.msgs.has(id)) {
    loadListSoon(); // not loaded here: the server knows what the preview is now
    return;
  }
  dropMessage(convId, id);
  if (!wasNewest || chat.detached) return; // a detached chat's newest loaded is not the newest
  const now = newestMessage(convId);
  if (now) patchConv(convId, { last_message_preview: previewText(now), previewSender: null });
  else loadListSoon();
}

/** A remark changed (备注, here or `friend.updated`): the server puts remarks in titles,
 * senders, members and quotes, so the friends, the list, the members and the open chat's
 * newest page are fetched again (other chats in memory are dropped, to load afresh). */
export async function refreshNames() {
  loadFriends();
  loadList();
  state.members.clear();
  for (const id of [...state.chats.keys()]) if (id !== state.current) state.chats.delete(id);
  const id = state.current;
  if (!id) return;
  loadMembers(id).catch(() => {});
  const chat = state.chats.get(id);
  if (!chat || !chat.loaded || chat.detached) return;
  try {
    const page = (await api('GET', `/api/auth/conversations/${seg(id)}?limit=${PAGE}`)) || [];
    if (state.chats.get(id) !== chat) return;
    // The newest page in place of what was loaded: older pages load again, renamed.
    const oldest = page.length ? Math.min(...page.map((m) => idNum(m.id))) : 0;
    chat.ids = chat.ids.filter((x) => idNum(x) >= oldest || !chat.msgs.delete(x));
    chat.hasMore = page.length >= PAGE;
    putMessages(id, page);
  } catch {
    /* the names follow on the next load */
  }
}
