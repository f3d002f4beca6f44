// chatd web client — entry point: the server's rules, the session, the event stream, and the
// views wired to the store.
//
//   store.js          the one state object (subscribe / changed)
//   live.js           event kind -> store update, stream status
//   actions.js        what talks to the server (lists, chats, recall, pins); send.js sending
//   view-*.js         list (and its menu), chat (forwarding), composer (quotes, @ and emoji),
//                     attachments, voice, auth, a friend's card (remarks); typing.js 正在输入;
//                     panels.js the dialogs; media.js attachments in bubbles, viewer.js the photo viewer,
//                     avatars.js pictures and setting them; nav.js the back button
//   search.js         searching (the list's box, one conversation's matches); view-search.js
//                     shows them; jump.js opens a result (a chat at a message, detached)
//   link.js           `#/c/<id>` links (notifications) open that chat; view-notify.js 我的 → 通知

import { request, getToken, clearToken, onUnauthorized } from './api.js';
import { EventStream } from './events.js';
import { $, toast } from './dom.js';
import { state, changed, subscribe } from './store.js';
import { handleEvent, handleStatus, firstLoadOnConnect, onVisibility } from './live.js';
import { initList } from './view-list.js';
import { initChat } from './view-chat.js';
import { initComposer, clearDrafts } from './view-composer.js';
import { initAuth, showAuth, showApp } from './view-auth.js';
import { initPanels, closeAllDialogs } from './panels.js';
import { initNav } from './nav.js';
import { initAnnouncements } from './announce.js';
import { closeChat } from './actions.js';
import { dropPendings } from './send.js';
import { initAttach } from './view-attach.js';
import { initVoice } from './view-voice.js';
import { initEmoji } from './view-emoji.js';
import { initQuote } from './view-quote.js';
import { initMention, clearMentions } from './view-mention.js';
import { initViewer } from './viewer.js';
import { initTyping } from './typing.js';
import { initForward } from './view-forward.js';
import { initConvMenu } from './view-conv-menu.js';
import { initRemark } from './view-remark.js';
import { initSearch } from './view-search.js';
import { clearSearch, closeHits } from './search.js';
import { initLinks } from './link.js';
import { initNotify, initPush, unsubscribePush, resyncPush } from './view-notify.js';

const stream = new EventStream(handleEvent, handleStatus);

/** Loads the server's rules and adapts the forms to them; whether it answered. */
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
  $('#register-switch').hidden = state.info.allow_registration === false;
  changed('info');
  return true;
}

async function enter() {
  // The event kinds and message statuses come from the server: without them, no chat.
  if (!state.info.event_kinds && !(await loadInfo())) throw new Error('无法获取服务器信息');
  const me = await request('GET', '/api/auth/me');
  state.me = me.data;
  showApp();
  changed('me', 'auth', 'list', 'chat');
  // The lists load once the stream is open, so no change between the two is missed.
  firstLoadOnConnect();
  state.conn = 'connecting';
  stream.start(state.info.event_kinds);
  resyncPush();
}

function teardown() {
  stream.stop();
  closeAllDialogs();
  clearSearch();
  closeHits();
  clearDrafts();
  clearMentions();
  dropPendings();
  Object.assign(state, {
    me: null,
    convs: new Map(),
    order: [],
    listLoaded: false,
    chats: new Map(),
    pendings: new Map(),
    quoting: new Map(),
    selecting: null,
    typing: new Map(),
    users: new Map(),
    members: new Map(),
    current: null,
    friends: [],
    incoming: [],
    outgoing: [],
    conn: 'idle',
  });
  changed('me', 'auth', 'list', 'chat', 'friends', 'conn', 'nav', 'search', 'hits', 'quote', 'select', 'typing');
}

function logoutLocal(message) {
  clearToken();
  teardown();
  showAuth(message);
}

async function logout() {
  try {
    await unsubscribePush(); // while the token still works
  } catch {
    /* the server drops it at its push service's next 404/410 */
  }
  try {
    await request('POST', '/api/auth/logout');
  } catch {
    /* the token is dropped locally either way */
  }
  logoutLocal('');
}

onUnauthorized(() => {
  if (!$('#app-view').hidden || getToken()) logoutLocal('登录已失效，请重新登录');
});

function renderConnection() {
  const down = state.conn === 'disconnected';
  $('#conn-status').hidden = !down;
  document.body.classList.toggle('offline', down);
}

async function main() {
  initNav();
  initAnnouncements();
  initAuth({ enter });
  initList();
  initChat();
  initComposer();
  initAttach();
  initVoice();
  initEmoji();
  initQuote();
  initMention();
  initViewer();
  initSearch();
  initPanels({ logout });
  initTyping();
  initForward();
  initConvMenu();
  initRemark(); // after the panels: it chains their hooks
  initLinks();
  initNotify();
  initPush();
  subscribe((ch) => {
    if (ch.has('conn')) renderConnection();
  });
  $('#reconnect-button').addEventListener('click', () => {
    stream.reconnectNow();
    toast('正在重新连接…', 'info');
  });
  document.addEventListener('visibilitychange', onVisibility);
  $('#btn-back').addEventListener('click', closeChat);
  // The service worker (sw.js): the app offline and Web Push. Secure contexts only
  // (https, or localhost).
  if ('serviceWorker' in navigator && window.isSecureContext) {
    navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {});
  }
  await loadInfo();
  if (!getToken()) {
    showAuth('');
    return;
  }
  try {
    await enter();
  } catch (e) {
    if (e.code === 401) return; // the unauthorized handler already showed the login screen
    // Network or server trouble: keep the token, let the user retry by reloading.
    showAuth(`${e.message}（请刷新页面重试）`);
  }
}

main();
