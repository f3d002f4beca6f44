// Live events: a table from event kind to store update. Each applies the delta the server
// sends (docs/api.md §8) instead of reloading the list.

import { toast } from './dom.js';
import {
  state,
  changed,
  upsertConv,
  patchConv,
  removeConv,
  putLive,
  isDetached,
  dropMessage,
  unquote,
  mentionOf,
  notePreview,
  renameUser,
  setUserAvatar,
  statusOf,
  clearUpto,
} from './store.js';
import { loadList, loadListSoon, loadFriends, loadMembers, markReadSoon, catchUp, afterDelete, closeChat, refreshNames } from './actions.js';
import { retryPending, settle } from './send.js';
import { noteTyping, stopTyping } from './typing.js';

/** Conversations this device is leaving itself (no "you were removed" toast for those). */
export const leaving = new Set();

/** Hooks the panels register (group info refresh, closing dialogs). */
export const hooks = { groupChanged: () => {}, removedFrom: () => {}, announcementChanged: () => {} };

const handlers = {
  'message.created'(d) {
    const id = d.conversation_id;
    const m = d.message;
    if (!m) return;
    if (d.client_msg_id) settle(d.client_msg_id); // our own send, confirmed: matched by key
    // Unknown here: new, or removed from this user's list (删除聊天) and back with this message.
    if (!state.convs.has(id)) loadListSoon();
    stopTyping(id, m.sender_id);
    putLive(id, [m]);
    notePreview(id, m);
    const own = state.me && m.sender_id === state.me.user_id;
    if (own || m.status !== statusOf().normal) return;
    // A detached chat (opened at a search result) does not show it yet: it counts as unread.
    if (id === state.current && state.visible && !isDetached(id)) {
      markReadSoon();
    } else {
      const c = state.convs.get(id);
      // 「[有人@我]」 unless every unread mention was of everyone (「[@所有人]」).
      const who = mentionOf(m);
      const mention = who ? { mentioned: true, mentionAll: who === 'all' && (!c || !c.mentioned || !!c.mentionAll) } : {};
      if (c) patchConv(id, { unread_count: (c.unread_count || 0) + 1, ...mention });
    }
  },

  'message.recalled'(d) {
    const id = d.conversation_id;
    const chat = state.chats.get(id);
    const was = chat && chat.msgs.get(d.message_id);
    dropMessage(id, d.message_id);
    unquote(id, d.message_id);
    if (d.system_message) {
      putLive(id, [d.system_message]);
      notePreview(id, d.system_message);
    }
    // A recalled unread message no longer counts: only the server knows whether it did.
    const c = state.convs.get(id);
    const mine = was && state.me && was.sender_id === state.me.user_id;
    if (c && c.unread_count > 0 && !mine) loadListSoon();
  },

  'conversation.created'(d) {
    upsertConv(d);
  },

  'conversation.updated'(d) {
    const id = d.conversation_id;
    const patch = {};
    if (d.name !== undefined) patch.title = d.name;
    for (const k of ['member_count', 'is_pinned', 'is_muted', 'unread_count', 'mentioned', 'avatar_url']) if (d[k] !== undefined) patch[k] = d[k];
    // The open chat in a visible page stays read; a hidden one counts what arrives.
    if (patch.unread_count > 0 && id === state.current && state.visible && !isDetached(id)) markReadSoon();
    if (d.cleared_upto) clearUpto(id, d.cleared_upto); // 清空聊天记录, 删除聊天 (this user)
    if (d.hidden) {
      // 删除聊天: out of the list until its next message.
      if (state.current === id) closeChat();
      hooks.removedFrom(id);
      removeConv(id);
    } else if (!patchConv(id, patch)) loadListSoon();
    if (d.announcement !== undefined) hooks.announcementChanged(id, d.announcement);
    if (d.deleted_message_id) afterDelete(id, d.deleted_message_id);
    if (d.member_count !== undefined && state.members.has(id)) {
      state.members.delete(id); // who the senders are: asked again when it matters
      if (id === state.current) loadMembers(id).catch(() => {});
    }
    if (d.name !== undefined || d.member_count !== undefined) hooks.groupChanged(id);
  },

  'conversation.removed'(d) {
    const id = d.conversation_id;
    const c = state.convs.get(id);
    const self = leaving.delete(id);
    if (state.current === id) closeChat();
    removeConv(id);
    hooks.removedFrom(id);
    if (!self) toast(c && c.type === 'group' ? `你已被移出「${c.title}」` : '你已不在该会话中', 'info');
  },

  'user.updated'(d) {
    const before = state.friends.find((f) => f.user_id === d.user_id);
    const oldName = before ? before.remark || before.display_name : null;
    // A friend with a remark (备注) keeps it wherever it shows: only their card learns the name.
    const remarked = !!(before && before.remark);
    if (remarked && typeof d.display_name === 'string') {
      before.display_name = d.display_name;
      changed('friends');
    }
    const renamed = typeof d.display_name === 'string' && !remarked;
    const inChats = renamed ? renameUser(d.user_id, d.display_name) : sentIn(d.user_id);
    const patch = {};
    if (renamed) patch.title = d.display_name;
    if (d.avatar_url !== undefined) {
      setUserAvatar(d.user_id, d.avatar_url);
      for (const f of state.friends) if (f.user_id === d.user_id) f.avatar_url = d.avatar_url;
      for (const list of state.members.values()) for (const m of list) if (m.user_id === d.user_id) m.avatar_url = d.avatar_url;
      patch.avatar_url = d.avatar_url;
      changed('friends', 'members');
    }
    // Private chats show the other member's name and avatar.
    for (const c of state.convs.values()) {
      if (c.type !== 'private' || (state.me && d.user_id === state.me.user_id)) continue;
      if (inChats.has(c.conversation_id) || (oldName !== null && c.title === oldName)) patchConv(c.conversation_id, patch);
    }
    hooks.groupChanged(state.current);
  },

  'friend.request'(d) {
    if (d.direction === 'incoming') toast(`${d.display_name || d.username} 请求添加你为好友`, 'info');
    loadFriends();
  },
  'friend.added': () => loadFriends(),
  'friend.removed': () => loadFriends(),
  'friend.rejected': () => loadFriends(),
  'friend.updated': () => refreshNames(), // a remark set or removed (on any device)

  typing(d) {
    noteTyping(d.conversation_id, d.user_id);
  },

  resync() {
    reloadAll();
  },
};

/** The conversations whose loaded messages include one from `userId`. */
function sentIn(userId) {
  const found = new Set();
  for (const [convId, chat] of state.chats) {
    for (const m of chat.msgs.values()) {
      if (m.sender_id === userId && m.status !== statusOf().system) {
        found.add(convId);
        break;
      }
    }
  }
  return found;
}

export function handleEvent(type, data) {
  const fn = handlers[type];
  if (fn) fn(data || {});
}

/** Everything from the server again; the open chat catches up without losing history. */
function reloadAll() {
  for (const id of [...state.chats.keys()]) if (id !== state.current) state.chats.delete(id);
  loadList();
  loadFriends();
  if (state.current) catchUp(state.current);
}

let firstLoad = null;

/** The stream's status: the banner, the first load, and what a reconnection must redo. */
export function handleStatus(status, info) {
  if (status === 'connected') {
    const resumed = info && info.resumed;
    if (firstLoad) {
      // The page's first connection: the list, friends and requests once each.
      const load = firstLoad;
      firstLoad = null;
      load();
    } else if (!resumed) {
      reloadAll(); // events before this connection were not replayed
    }
    retryPending();
  }
  if (status === 'connected' || status === 'disconnected') {
    state.conn = status;
    changed('conn');
  }
}

/** Loads the app's lists when the stream first connects (or after 3 s without it). */
export function firstLoadOnConnect() {
  let done = false;
  const load = () => {
    if (done) return;
    done = true;
    loadList();
    loadFriends();
  };
  firstLoad = load;
  setTimeout(() => {
    if (firstLoad === load) {
      firstLoad = null;
      load();
    }
  }, 3000);
}

/** The page became visible: the open chat's new messages are read now. */
export function onVisibility() {
  state.visible = document.visibilityState === 'visible';
  const c = state.current && state.convs.get(state.current);
  if (state.visible && c && c.unread_count > 0 && !isDetached(c.conversation_id)) {
    patchConv(c.conversation_id, { unread_count: 0 });
    markReadSoon();
  }
  changed('list');
}
