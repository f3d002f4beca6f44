// Opening what a search found: a friend's private chat, a group, or a chat at one message.
//
// A chat opened at a message shows the stretch of history around it (`?around=`, which moves
// no read marker); scrolling up loads older pages (`before=`, as always), scrolling down
// newer ones (`after=`) until the newest is reached. Until then the chat is *detached*: live
// messages are not appended after the gap (they count as unread), and 「回到最新」 (or sending)
// returns to the newest page and the normal live view.

import { api, seg } from './api.js';
import { toast } from './dom.js';
import { state, changed, resetChat, putMessages, patchConv } from './store.js';
import { showChat, openChat, ensureConv, loadNewest, catchUp, markReadSoon } from './actions.js';

const AROUND = 50; // the message, 24 older and 25 newer
const OLDER = Math.floor((AROUND - 1) / 2);
const NEWER = AROUND - 1 - OLDER;
const PAGE = 50;

/** Whether the list knows the conversation (a result may be newer than the list). */
async function known(id) {
  const ok = await ensureConv(id);
  if (!ok) toast('会话不存在');
  return ok;
}

/** Opens a conversation found by a search (a group). */
export async function openConversation(id) {
  if (await known(id)) openChat(id);
}

/** Opens the private chat with a friend: the pair's conversation, created if there is none. */
export async function openPrivateWith(userId) {
  try {
    const d = await api('POST', '/api/auth/conversations/private', { friend_id: userId });
    if (await known(d.conversation_id)) openChat(d.conversation_id);
  } catch (e) {
    if (e.code !== 401) toast(e.message);
  }
}

/** Opens conversation `id` scrolled to message `msgId`, which flashes. */
export async function openAt(id, msgId) {
  if (!(await known(id))) return;
  showChat(id);
  let chat = state.chats.get(id);
  if (chat && chat.loaded && !chat.loading && chat.msgs.has(msgId)) {
    chat.focus = msgId; // already loaded: just scroll there
    changed('chat');
    const c = state.convs.get(id);
    if (!chat.detached && c && c.unread_count) {
      patchConv(id, { unread_count: 0 }); // the newest is on screen too
      markReadSoon();
    }
    return;
  }
  chat = resetChat(id);
  Object.assign(chat, { loading: true, detached: true, focus: msgId });
  changed('chat');
  try {
    const page = (await api('GET', `/api/auth/conversations/${seg(id)}?around=${seg(msgId)}&limit=${AROUND}`)) || [];
    if (state.chats.get(id) !== chat) return; // another jump, or the list, came first
    const at = page.findIndex((m) => m.id === msgId);
    putMessages(id, page);
    chat.hasMore = at >= OLDER;
    chat.loaded = true;
    if (at < 0 || page.length - 1 - at < NEWER) attach(id, chat);
  } catch (e) {
    if (state.chats.get(id) !== chat) return;
    if (e.code === 401) return;
    toast(e.code === 400 ? '这条消息已不存在' : e.message); // recalled or deleted since
    resetChat(id);
    loadNewest(id);
  } finally {
    chat.loading = false;
    changed('chat');
  }
}

/** Scrolled to the end of a detached chat: the next newer page. */
export async function loadNewer(id) {
  const chat = state.chats.get(id);
  if (!chat || !chat.loaded || !chat.detached || chat.loadingNewer || !chat.ids.length) return;
  chat.loadingNewer = true;
  chat.newerFailed = false;
  changed('chat');
  try {
    const after = chat.ids[chat.ids.length - 1];
    const page = (await api('GET', `/api/auth/conversations/${seg(id)}?limit=${PAGE}&after=${seg(after)}`)) || [];
    if (state.chats.get(id) !== chat) return;
    putMessages(id, page);
    if (page.length < PAGE) attach(id, chat);
  } catch (e) {
    if (e.code !== 401) chat.newerFailed = true;
  } finally {
    chat.loadingNewer = false;
    changed('chat');
  }
}

/** The newest messages are loaded: the chat is live again and read. */
function attach(id, chat) {
  chat.detached = false;
  changed('chat');
  const c = state.convs.get(id);
  if (state.current === id && state.visible && c && c.unread_count) {
    patchConv(id, { unread_count: 0 });
    markReadSoon();
  }
  catchUp(id); // what arrived while the last page was on its way
}

/** 「回到最新」, or a message sent from a detached chat: the newest page, as on opening. */
export function returnToLatest(id) {
  resetChat(id);
  const c = state.convs.get(id);
  if (c && c.unread_count) patchConv(id, { unread_count: 0 }); // the newest page reads it
  loadNewest(id);
}
