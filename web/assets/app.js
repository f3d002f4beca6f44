// chatd web client — entry point: auth screens, conversation list, chat window, live events.

import { api, request, seg, getToken, setToken, clearToken, onUnauthorized } from './api.js';
import { EventStream } from './events.js';
import { $, h, toast, busy, fmtListTime, fmtMsgTime, fmtFullTime, idNum } from './dom.js';
import { initPanels, reloadFriends, openGroupInfo, refreshGroupInfoIfOpen, closeAllDialogs } from './panels.js';

const PAGE = 50;

const state = {
  // GET /api/info: the server's rules; until it answers, assume the defaults allow everything.
  info: { allow_registration: true, recall_window_secs: null, max_message_chars: 5000 },
  clockOffset: 0, // server clock minus this device's, from the Date header of /api/info
  me: null, // { user_id, username, display_name }
  conversations: [],
  current: null, // { id, oldestId, hasMore, loadingOlder }
};
let chatSeq = 0;
const pendings = new Map(); // client_msg_id -> { clientId, convId, content, state, error, el, arrivedId }

const stream = new EventStream(handleEvent, handleStreamStatus);

// ---------------------------------------------------------------- session

function showAuth(errorText) {
  $('#app-view').hidden = true;
  $('#auth-view').hidden = false;
  // Signed out (or never signed in): the login form, whichever form was used last.
  $('#login-form').hidden = false;
  $('#register-form').hidden = true;
  const err = $('#auth-error');
  err.textContent = errorText || '';
  err.hidden = !errorText;
  $('#login-password').value = '';
  $('#register-password').value = '';
}

async function enterApp() {
  // The event kinds and message statuses come from the server: without them, no chat.
  if (!state.info.event_kinds && !(await loadInfo())) throw new Error('无法获取服务器信息');
  state.me = await api('GET', '/api/auth/me');
  $('#auth-view').hidden = true;
  $('#app-view').hidden = false;
  $('#auth-error').hidden = true;
  renderMe();
  stream.start(state.info.event_kinds);
  await Promise.all([refreshConversations(), reloadFriends()]);
}

function teardown() {
  stream.stop();
  pendings.clear();
  state.me = null;
  state.conversations = [];
  closeChat(); // renders the now empty list, and the tab title without a count
  closeAllDialogs();
  $('#conn-status').hidden = true;
}

function logoutLocal(message) {
  clearToken();
  teardown();
  showAuth(message);
}

onUnauthorized(() => {
  if (!$('#app-view').hidden || getToken()) logoutLocal('登录已失效，请重新登录');
});

/** Loads the server's rules and adapts the forms to them (registration, message length);
 * whether it answered. */
async function loadInfo() {
  // A plain fetch, not request(): the Date header gives the server's clock.
  try {
    const started = Date.now();
    const res = await fetch('/api/info', { cache: 'no-store' });
    const env = await res.json();
    if (!res.ok || !env || !env.data) return false;
    state.info = { ...state.info, ...env.data };
    const date = Date.parse(res.headers.get('Date') || '');
    if (!Number.isNaN(date)) state.clockOffset = date - (started + Date.now()) / 2;
  } catch {
    return false; // offline: keep the defaults, the server still decides
  }
  // Runs before any form is shown; showAuth() always starts on the login form.
  $('#register-switch').hidden = state.info.allow_registration === false;
  if (state.info.max_message_chars > 0) $('#msg-input').maxLength = state.info.max_message_chars;
  return true;
}

/** Message statuses as the server numbers them (`message_status` of GET /api/info). */
const msgStatus = () => state.info.message_status;

/** Milliseconds left to recall a message sent at `createdAt`, or null if unknown. */
function recallLeft(createdAt) {
  const windowSecs = state.info.recall_window_secs;
  const sent = Date.parse(createdAt);
  if (typeof windowSecs !== 'number' || Number.isNaN(sent)) return null;
  return sent + windowSecs * 1000 - (Date.now() + state.clockOffset);
}

/** Unread conversations in the tab title, so a background tab shows them. */
function renderTitle(total) {
  document.title = total > 0 ? `(${total > 99 ? '99+' : total}) chatd` : 'chatd';
}

function renderMe() {
  $('#me-name').textContent = state.me ? state.me.display_name : '';
}

function initAuth() {
  const switchTo = (register) => {
    $('#login-form').hidden = register;
    $('#register-form').hidden = !register;
    $('#auth-error').hidden = true;
  };
  $('#show-register').addEventListener('click', () => switchTo(true));
  $('#show-login').addEventListener('click', () => switchTo(false));

  const authError = (text) => {
    const err = $('#auth-error');
    err.textContent = text;
    err.hidden = false;
  };

  $('#login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const btn = e.submitter || $('[data-testid="login-submit"]');
    btn.disabled = true;
    try {
      const data = await api('POST', '/api/login', {
        username: $('#login-username').value.trim(),
        password: $('#login-password').value,
      });
      setToken(data.token);
      await enterApp();
    } catch (err) {
      if ($('#app-view').hidden) clearToken();
      authError(err.message);
    } finally {
      btn.disabled = false;
    }
  });

  $('#register-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const btn = e.submitter || $('[data-testid="register-submit"]');
    btn.disabled = true;
    const body = {
      username: $('#register-username').value.trim(),
      password: $('#register-password').value,
    };
    const dn = $('#register-display-name').value.trim();
    if (dn) body.display_name = dn;
    try {
      const data = await api('POST', '/api/register', body);
      setToken(data.token);
      await enterApp();
      toast('注册成功', 'ok');
    } catch (err) {
      authError(err.message);
    } finally {
      btn.disabled = false;
    }
  });

  $('#btn-logout').addEventListener('click', async () => {
    try {
      await request('POST', '/api/auth/logout');
    } catch {
      /* the token is dropped locally either way */
    }
    logoutLocal('');
  });
}

// ---------------------------------------------------------------- conversation list

let listSeq = 0;
let listTimer = null;

/** Reloads the list from the server (the server decides order and unread counts). */
async function refreshConversations() {
  clearTimeout(listTimer);
  const seq = ++listSeq;
  try {
    const list = await api('GET', '/api/auth/conversations');
    if (seq !== listSeq || !state.me) return;
    state.conversations = Array.isArray(list) ? list : [];
    renderConversations();
  } catch (e) {
    if (e.code !== 401) toast(e.message);
  }
}

function refreshConversationsSoon() {
  clearTimeout(listTimer);
  listTimer = setTimeout(refreshConversations, 250);
}

function findConversation(id) {
  return state.conversations.find((c) => c.conversation_id === id) || null;
}

function renderConversations() {
  const ul = $('#conv-list');
  const cur = state.current && state.current.id;
  ul.replaceChildren(
    ...state.conversations.map((c) => {
      const unread = c.conversation_id === cur ? 0 : c.unread_count || 0;
      return h(
        'li',
        {
          class: `conv-item${c.conversation_id === cur ? ' active' : ''}${c.is_pinned ? ' pinned' : ''}`,
          'data-testid': 'conversation-item',
          'data-id': c.conversation_id,
          tabindex: '0',
          role: 'button',
          onclick: () => openConversation(c.conversation_id),
          onkeydown: (e) => {
            if (e.key === 'Enter') openConversation(c.conversation_id);
          },
        },
        h(
          'div',
          { class: 'conv-line' },
          h('span', { class: 'conv-title', 'data-testid': 'conversation-title' }, c.title),
          c.type === 'group' ? h('span', { class: 'muted small' }, `(${c.member_count})`) : null,
          h('span', { class: 'conv-time', title: fmtFullTime(c.last_message_time) }, fmtListTime(c.last_message_time))
        ),
        h(
          'div',
          { class: 'conv-line' },
          h('span', { class: 'conv-preview', 'data-testid': 'conversation-preview' }, c.last_message_preview || ''),
          unread > 0
            ? h('span', { class: 'badge', 'data-testid': 'unread-badge' }, unread > 99 ? '99+' : String(unread))
            : null
        )
      );
    })
  );
  $('#conv-empty').hidden = state.conversations.length > 0;
  renderTitle(
    state.conversations.reduce((n, c) => n + (c.conversation_id === cur ? 0 : c.unread_count || 0), 0)
  );
  if (state.current) renderChatHeader();
}

// ---------------------------------------------------------------- chat window

function renderChatHeader() {
  const c = findConversation(state.current.id);
  const title = c ? c.title : '会话';
  $('#chat-title').textContent = c && c.type === 'group' ? `${title}（${c.member_count}）` : title;
  $('#btn-group-info').hidden = !(c && c.type === 'group');
  $('#btn-pin').textContent = c && c.is_pinned ? '取消置顶' : '置顶';
}

async function openConversation(id) {
  const seq = ++chatSeq;
  state.current = { id, oldestId: null, hasMore: false, loadingOlder: false };
  $('#chat-empty').hidden = true;
  $('#chat-main').hidden = false;
  document.body.classList.add('chat-open');
  $('#msg-list').replaceChildren();
  $('#btn-older').hidden = true;
  $('#older-status').textContent = '加载中…';
  renderChatHeader();
  renderConversations();
  if (window.matchMedia('(min-width: 700px)').matches) $('#msg-input').focus();

  try {
    const page = await api('GET', `/api/auth/conversations/${seg(id)}?limit=${PAGE}`);
    if (seq !== chatSeq) return;
    addPage(page);
    for (const p of pendings.values()) if (p.convId === id) $('#msg-list').appendChild(pendingEl(p));
    scrollToBottom();
  } catch (e) {
    if (seq !== chatSeq) return;
    if (e.code !== 401) toast(e.message);
    if (e.code === 404) {
      closeChat();
      refreshConversations();
    }
  }
}

function closeChat() {
  chatSeq++;
  state.current = null;
  $('#chat-main').hidden = true;
  $('#chat-empty').hidden = false;
  $('#msg-list').replaceChildren();
  document.body.classList.remove('chat-open');
  renderConversations();
}

/** Adds a page (oldest → newest) that is older than, or the first of, what is shown. */
function addPage(page) {
  const cur = state.current;
  const list = Array.isArray(page) ? page : [];
  if (list.length) {
    if (cur.oldestId === null || idNum(list[0].id) < idNum(cur.oldestId)) cur.oldestId = list[0].id;
  }
  cur.hasMore = list.length >= PAGE;
  $('#btn-older').hidden = !cur.hasMore;
  $('#older-status').textContent = cur.hasMore ? '' : '没有更多消息了';
  for (const m of list) insertMessage(m);
}

function msgElById(id) {
  for (const li of $('#msg-list').children) if (li.dataset.id === id) return li;
  return null;
}

/** Inserts a message in id order (before unsent messages); status 1 messages are not shown. */
function insertMessage(m) {
  if (!m || !m.id || msgElById(m.id)) return;
  if (m.status === msgStatus().recalled) return; // a recalled message shows through its system message only
  const el = messageEl(m);
  const ul = $('#msg-list');
  let before = null;
  for (let node = ul.lastElementChild; node; node = node.previousElementSibling) {
    if (node.dataset.pending || idNum(node.dataset.id) > idNum(m.id)) before = node;
    else break;
  }
  ul.insertBefore(el, before);
}

function removeMessage(id) {
  const el = msgElById(id);
  if (el) el.remove();
}

function messageEl(m) {
  if (m.status === msgStatus().system) {
    return h(
      'li',
      { class: 'msg system', 'data-testid': 'message-item', 'data-id': m.id, 'data-status': String(m.status) },
      h('span', { class: 'system-text', 'data-testid': 'message-content', title: fmtFullTime(m.created_at) }, m.content)
    );
  }
  const own = state.me && m.sender_id === state.me.user_id;
  const li = h('li', {
    class: `msg ${own ? 'own' : 'other'}`,
    'data-testid': 'message-item',
    'data-id': m.id,
    'data-status': String(m.status),
    'data-own': own ? '1' : '0',
  });
  // Recall is offered only while the server would accept it; the button goes when time is up.
  const left = own && m.status === msgStatus().normal ? recallLeft(m.created_at) : -1;
  const recall =
    left === null || left > 0
      ? h('button', { type: 'button', 'data-testid': 'message-recall', onclick: () => recallMessage(m.id) }, '撤回')
      : null;
  if (recall && left !== null) setTimeout(() => recall.remove(), Math.min(left, 2 ** 31 - 1));
  const actions = h(
    'div',
    { class: 'msg-actions' },
    recall,
    h('button', { type: 'button', 'data-testid': 'message-delete', onclick: () => deleteMessage(m.id) }, '删除')
  );
  const bubble = h('div', { class: 'bubble', 'data-testid': 'message-content' });
  bubble.textContent = m.content;
  bubble.addEventListener('click', () => li.classList.toggle('show-actions'));
  li.append(
    h(
      'div',
      { class: 'msg-meta' },
      h('span', { class: 'sender', 'data-testid': 'message-sender' }, own ? '我' : m.sender_name),
      h('time', { title: fmtFullTime(m.created_at) }, fmtMsgTime(m.created_at))
    ),
    h('div', { class: 'msg-body' }, bubble, actions)
  );
  return li;
}

function nearBottom() {
  const s = $('#msg-scroll');
  return s.scrollHeight - s.scrollTop - s.clientHeight < 120;
}

function scrollToBottom() {
  const s = $('#msg-scroll');
  s.scrollTop = s.scrollHeight;
}

async function loadOlder() {
  const cur = state.current;
  if (!cur || !cur.hasMore || cur.loadingOlder || !cur.oldestId) return;
  cur.loadingOlder = true;
  const seq = chatSeq;
  $('#older-status').textContent = '加载中…';
  try {
    const page = await api('GET', `/api/auth/conversations/${seg(cur.id)}?limit=${PAGE}&before=${seg(cur.oldestId)}`);
    if (seq !== chatSeq) return;
    const s = $('#msg-scroll');
    const fromBottom = s.scrollHeight - s.scrollTop;
    addPage(page);
    s.scrollTop = s.scrollHeight - fromBottom;
  } catch (e) {
    if (seq === chatSeq) $('#older-status').textContent = '';
    if (e.code !== 401) toast(e.message);
  } finally {
    cur.loadingOlder = false;
  }
}

// ---------------------------------------------------------------- sending

function pendingEl(p) {
  const li = h('li', {
    class: `msg own pending ${p.state}`,
    'data-testid': 'message-item',
    'data-pending': p.clientId,
    'data-status': p.state === 'failed' ? 'failed' : 'sending',
    'data-own': '1',
  });
  const bubble = h('div', { class: 'bubble', 'data-testid': 'message-content' });
  bubble.textContent = p.content;
  const info =
    p.state === 'failed'
      ? h(
          'div',
          { class: 'msg-actions visible' },
          h('span', { class: 'send-error', 'data-testid': 'message-send-error' }, p.error || '发送失败'),
          h('button', { type: 'button', 'data-testid': 'message-retry', onclick: () => sendPending(p) }, '重试'),
          h('button', { type: 'button', onclick: () => dropPending(p) }, '取消')
        )
      : h('div', { class: 'msg-actions visible' }, h('span', { class: 'muted small' }, '发送中…'));
  li.append(h('div', { class: 'msg-meta' }, h('span', { class: 'sender' }, '我')), h('div', { class: 'msg-body' }, bubble, info));
  p.el = li;
  return li;
}

/** Redraws an unsent message if its conversation is open. */
function redrawPending(p) {
  const old = p.el;
  if (old && old.isConnected) old.replaceWith(pendingEl(p));
  else if (state.current && state.current.id === p.convId) $('#msg-list').appendChild(pendingEl(p));
}

function dropPending(p) {
  pendings.delete(p.clientId);
  if (p.el) p.el.remove();
}

function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

function sendFromComposer() {
  const cur = state.current;
  const input = $('#msg-input');
  const content = input.value;
  if (!cur || !content.trim()) return;
  input.value = '';
  const p = { clientId: newClientId(), convId: cur.id, content, state: 'sending', error: '', el: null, arrivedId: null };
  pendings.set(p.clientId, p);
  $('#msg-list').appendChild(pendingEl(p));
  scrollToBottom();
  sendPending(p);
}

/** Sends (or retries with the same client_msg_id, so the server never stores it twice). */
async function sendPending(p) {
  p.state = 'sending';
  redrawPending(p);
  try {
    const d = await api('POST', '/api/auth/messages', {
      conversation_id: p.convId,
      content: p.content,
      client_msg_id: p.clientId,
    });
    dropPending(p);
    if (state.current && state.current.id === p.convId) {
      const stick = nearBottom();
      insertMessage({
        id: d.message_id,
        sender_id: state.me.user_id,
        sender_name: '我',
        content: p.content,
        status: msgStatus().normal,
        created_at: d.created_at,
      });
      if (stick) scrollToBottom();
    }
    refreshConversationsSoon();
  } catch (e) {
    if (e.code === 401) return;
    if (p.arrivedId && e.code === 0) {
      dropPending(p); // the live event already showed it: it was stored
      return;
    }
    p.state = 'failed';
    p.error = e.code === 0 ? '网络错误，发送失败' : e.message;
    redrawPending(p);
  }
}

async function recallMessage(id) {
  await busy(null, async () => {
    await api('DELETE', '/api/auth/messages/recall', { id });
    removeMessage(id); // the system message arrives as an event
    refreshConversationsSoon();
  });
}

async function deleteMessage(id) {
  await busy(null, async () => {
    await api('DELETE', '/api/auth/messages/delete', { id });
    removeMessage(id);
    refreshConversationsSoon();
  });
}

let readTimer = null;
function markReadSoon() {
  clearTimeout(readTimer);
  readTimer = setTimeout(async () => {
    const cur = state.current;
    if (!cur || document.visibilityState !== 'visible') return;
    try {
      await api('POST', `/api/auth/conversations/${seg(cur.id)}/read`, {});
    } catch {
      /* not critical */
    }
  }, 400);
}

function initChat() {
  $('#composer').addEventListener('submit', (e) => {
    e.preventDefault();
    sendFromComposer();
  });
  $('#msg-input').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      sendFromComposer();
    }
  });
  $('#msg-scroll').addEventListener('scroll', () => {
    if ($('#msg-scroll').scrollTop < 60) loadOlder();
  });
  $('#btn-older').addEventListener('click', loadOlder);
  $('#btn-back').addEventListener('click', closeChat);
  $('#btn-group-info').addEventListener('click', () => state.current && openGroupInfo(state.current.id));
  $('#btn-pin').addEventListener('click', (e) =>
    busy(e.currentTarget, async () => {
      const c = state.current && findConversation(state.current.id);
      if (!c) return;
      await api('PUT', `/api/auth/conversations/${seg(c.conversation_id)}/pin`, { is_pinned: !c.is_pinned });
      await refreshConversations();
    })
  );
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && state.current) markReadSoon();
  });
}

// ---------------------------------------------------------------- live events

function handleStreamStatus(status, info) {
  $('#conn-status').hidden = status !== 'disconnected';
  // Without a resume point, events before this connection were not replayed: reload.
  if (status === 'connected' && !(info && info.resumed)) resync(false);
}

function resync(reloadChat) {
  refreshConversations();
  reloadFriends();
  if (reloadChat && state.current) openConversation(state.current.id);
  else if (state.current) catchUpChat();
}

/** Fetches messages newer than the newest one shown in the open chat. */
async function catchUpChat() {
  const cur = state.current;
  if (!cur) return;
  const ids = [...$('#msg-list').children].filter((li) => li.dataset.id).map((li) => li.dataset.id);
  if (!ids.length) {
    openConversation(cur.id);
    return;
  }
  const seq = chatSeq;
  try {
    const page = await api('GET', `/api/auth/conversations/${seg(cur.id)}?limit=200&after=${seg(ids[ids.length - 1])}`);
    if (seq !== chatSeq) return;
    const stick = nearBottom();
    for (const m of page || []) insertMessage(m);
    if (stick) scrollToBottom();
  } catch {
    /* the next event or reload will fix it */
  }
}

function handleEvent(type, d) {
  const cur = state.current;
  const isOpen = cur && d.conversation_id === cur.id;
  switch (type) {
    case 'message.created': {
      const m = d.message;
      if (isOpen && m) {
        const own = m.sender_id === state.me.user_id;
        if (own) {
          // Our own send may be answered by the event before the HTTP response.
          for (const p of pendings.values()) {
            if (p.convId === cur.id && p.state === 'sending' && !p.arrivedId && p.content === m.content) {
              p.arrivedId = m.id;
              if (p.el) p.el.remove();
              break;
            }
          }
        }
        const stick = own || nearBottom();
        insertMessage(m);
        if (stick) scrollToBottom();
        if (!own && m.status === msgStatus().normal) markReadSoon();
      }
      refreshConversationsSoon();
      break;
    }
    case 'message.recalled':
      if (isOpen) {
        const stick = nearBottom();
        removeMessage(d.message_id);
        if (d.system_message) insertMessage(d.system_message);
        if (stick) scrollToBottom();
      }
      refreshConversationsSoon();
      break;
    case 'conversation.updated':
      if (isOpen && d.deleted_message_id) removeMessage(d.deleted_message_id);
      if (isOpen && (d.name !== undefined || d.member_count !== undefined)) refreshGroupInfoIfOpen(cur.id);
      refreshConversationsSoon();
      break;
    case 'conversation.removed':
      if (isOpen) {
        closeChat();
        closeAllDialogs();
        toast('你已不在该会话中', 'info');
      }
      refreshConversationsSoon();
      break;
    case 'conversation.created':
      refreshConversationsSoon();
      break;
    case 'user.updated':
      // A new display name: it shows in titles, names and system messages.
      if (state.me && d.user_id === state.me.user_id) panelContext.setMe({ display_name: d.display_name });
      reloadFriends();
      refreshConversationsSoon();
      if (state.current) openConversation(state.current.id);
      break;
    case 'friend.request':
    case 'friend.added':
    case 'friend.removed':
    case 'friend.rejected':
      reloadFriends();
      if (type === 'friend.request' && d.direction === 'incoming') toast(`${d.display_name || d.username} 请求添加你为好友`, 'info');
      break;
    case 'resync':
      resync(true);
      break;
    default:
      break;
  }
}

// ---------------------------------------------------------------- start

const panelContext = {
  getMe: () => state.me,
  setMe(me) {
    state.me = { ...state.me, ...me };
    renderMe();
  },
  findConversation,
  refreshConversations,
  openConversation,
  closeChat,
};

async function main() {
  initAuth();
  initChat();
  initPanels(panelContext);
  await loadInfo();
  if (!getToken()) {
    showAuth('');
    return;
  }
  try {
    await enterApp();
  } catch (e) {
    if (e.code === 401) return; // the unauthorized handler already showed the login screen
    // Network or server trouble: keep the token, let the user retry by reloading.
    showAuth(`${e.message}（请刷新页面重试）`);
  }
}

main();
