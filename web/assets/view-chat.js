// The chat window: header, messages (keyed: a message is drawn once and redrawn only when it
// changes; date separators and 5-minute time marks between them), the message menu, and
// scrolling (new messages follow only when the reader is at the bottom; older pages keep
// what is on screen in place). A chat opened at a search result (jump.js) scrolls to that
// message and flashes it, and loads newer pages when scrolled to the end. Quotes (引用) are
// view-quote.js's, @ marks view-mention.js's, choosing messages to forward view-forward.js's.

import { $, h, avatar, toast, copyText, dayKey, dayLabel, fmtHM, fmtFullTime, linkify, onLongPress } from './dom.js';
import { state, subscribe, changed, statusOf, avatarKey, userAvatar } from './store.js';
import { loadOlder, recall, deleteForMe, togglePin, toggleMute } from './actions.js';
import { sendPending, cancelPending } from './send.js';
import { loadNewer, returnToLatest } from './jump.js';
import { openHits } from './search.js';
import { attachmentContent, pendingContent, showProgress, toggleVoice } from './media.js';
import { openViewer } from './viewer.js';
import { quoteBlock, startQuote, jumpToQuote } from './view-quote.js';
import { mentionNames, withMentions } from './view-mention.js';
import { selectingHere, startSelect, toggleSelect } from './view-forward.js';

const GAP = 5 * 60 * 1000;
const rendered = new Map(); // key -> { el, sig }
const mediaEls = new Map(); // message id -> { key, el }: a photo or voice note survives redraws of its message
let shownConv = null;
let shownLoaded = false;
let shownDetached = false;
let menuFor = null; // id of the message whose menu is open
let recallTimer = null;

/** Milliseconds left to recall a message sent at `createdAt`, or null if unknown. */
function recallLeft(createdAt) {
  const windowSecs = state.info.recall_window_secs;
  const sent = Date.parse(createdAt);
  if (typeof windowSecs !== 'number' || Number.isNaN(sent)) return null;
  return sent + windowSecs * 1000 - (Date.now() + state.clockOffset);
}

function closeMenu() {
  if (menuFor === null) return;
  menuFor = null;
  changed('chat');
}

// ---------------------------------------------------------------- header

function renderHeader() {
  const c = state.convs.get(state.current);
  const title = c ? c.title : '会话';
  const group = c && c.type === 'group';
  $('#chat-title').textContent = group ? `${title}（${c.member_count}）` : title;
  $('#chat-avatar').replaceChildren(avatar(c ? avatarKey(c) : state.current, title, group ? 'group' : '', c && c.avatar_url));
  $('#btn-group-info').hidden = !group;
  $('#btn-chat-info').hidden = !c || group;
  const pin = $('#btn-pin');
  pin.querySelector('.pin-label').textContent = c && c.is_pinned ? '取消置顶' : '置顶';
  pin.setAttribute('aria-pressed', c && c.is_pinned ? 'true' : 'false');
  const mute = $('#btn-mute');
  const muted = !!(c && c.is_muted);
  mute.setAttribute('aria-pressed', muted ? 'true' : 'false');
  mute.setAttribute('aria-label', muted ? '取消消息免打扰' : '消息免打扰');
  mute.title = muted ? '已开启消息免打扰，点击取消' : '消息免打扰';
  mute.firstElementChild.className = `icon ${muted ? 'icon-mute' : 'icon-bell'}`;
}

// ---------------------------------------------------------------- messages

/** What the list shows, in order: separators, time marks, messages, then unsent ones. */
function entries(convId) {
  const chat = state.chats.get(convId);
  const list = chat ? chat.ids.map((id) => chat.msgs.get(id)) : [];
  const out = [];
  let prevDay = null;
  let prevTime = 0;
  let prevSender = null;
  for (const m of list) {
    const t = Date.parse(m.created_at) || 0;
    const day = dayKey(m.created_at);
    let broke = false;
    if (day !== prevDay) {
      out.push({ key: `d:${day}`, kind: 'day', label: dayLabel(m.created_at), sig: dayLabel(m.created_at) });
      broke = true;
    }
    if (broke || t - prevTime >= GAP) {
      out.push({ key: `t:${m.id}`, kind: 'time', label: fmtHM(m.created_at), sig: fmtHM(m.created_at) });
      broke = true;
    }
    const system = m.status === statusOf().system;
    const cont = !broke && !system && prevSender === m.sender_id;
    out.push({ key: m.id, kind: 'msg', m, cont });
    prevDay = day;
    prevTime = t;
    prevSender = system ? null : m.sender_id;
  }
  // Unsent messages go after the newest, which a detached chat does not show.
  const pend = chat && chat.detached ? [] : [...state.pendings.values()].filter((p) => p.convId === convId).sort((a, b) => a.at - b.at);
  for (const p of pend) out.push({ key: p.clientId, kind: 'pending', p, sig: `${p.state}|${p.error}|${p.phase}|${state.me && state.me.avatar_url}` });
  return out;
}

/** A text bubble: links, and the 「@名字」 of whom it mentions (a message or an unsent one). */
const bubble = (m) => h('div', { class: 'bubble', 'data-testid': 'message-content', tabindex: '0' }, withMentions(linkify(m.content), mentionNames(m)));

/** A bubble holding a photo, file or voice note instead of text. */
const mediaBubble = (type, inside) =>
  h('div', { class: `bubble media media-${type}`, 'data-testid': 'message-content', 'data-type': type, tabindex: '0' }, inside);

/** A message's attachment element, kept across redraws of the message (its menu opening,
 * its sender's new avatar) so a loaded photo never blinks and a playing note plays on. */
function mediaFor(m) {
  const a = m.attachment;
  const key = `${m.type}|${a.url}|${a.thumbnail_url}`;
  const kept = mediaEls.get(m.id);
  if (kept && kept.key === key) return kept.el;
  const el = attachmentContent(m);
  mediaEls.set(m.id, { key, el });
  return el;
}

/** Whose picture shows beside a message: the sender's avatar as this page knows it (a
 * private chat's other member's is also the chat's own). */
function senderAvatar(m, own) {
  if (own) return state.me && state.me.avatar_url;
  const known = userAvatar(m.sender_id);
  if (known) return known;
  const c = state.convs.get(state.current);
  return c && c.type === 'private' ? c.avatar_url : null;
}

function messageEl(e) {
  const m = e.m;
  if (m.status === statusOf().system) {
    return h(
      'li',
      { class: 'msg system', 'data-testid': 'message-item', 'data-id': m.id, 'data-status': String(m.status) },
      h('span', { class: 'system-text', 'data-testid': 'message-content', title: fmtFullTime(m.created_at) }, m.content)
    );
  }
  const own = state.me && m.sender_id === state.me.user_id;
  const left = own && m.status === statusOf().normal ? recallLeft(m.created_at) : -1;
  const canRecall = left === null || left > 0;
  const group = (state.convs.get(state.current) || {}).type === 'group';
  const text = !m.attachment;
  const menu =
    menuFor === m.id
      ? h(
          'div',
          { class: 'msg-menu', role: 'menu', 'data-testid': 'message-menu' },
          text ? h('button', { type: 'button', role: 'menuitem', 'data-act': 'copy', 'data-testid': 'message-copy' }, '复制') : null,
          m.status === statusOf().normal ? h('button', { type: 'button', role: 'menuitem', 'data-act': 'forward', 'data-testid': 'message-forward' }, '转发') : null,
          m.status === statusOf().normal ? h('button', { type: 'button', role: 'menuitem', 'data-act': 'reply', 'data-testid': 'message-reply' }, '引用') : null,
          canRecall ? h('button', { type: 'button', role: 'menuitem', 'data-act': 'recall', 'data-testid': 'message-recall' }, '撤回') : null,
          h('button', { type: 'button', role: 'menuitem', 'data-act': 'delete', 'data-testid': 'message-delete' }, '删除')
        )
      : null;
  if (menu && canRecall && left !== null) {
    clearTimeout(recallTimer);
    recallTimer = setTimeout(() => changed('chat'), Math.min(left + 50, 2 ** 31 - 1));
  }
  return h(
    'li',
    {
      class: `msg ${own ? 'own' : 'other'}${e.cont ? ' cont' : ''}${group ? ' in-group' : ''}`,
      'data-testid': 'message-item',
      'data-id': m.id,
      'data-status': String(m.status),
      'data-own': own ? '1' : '0',
      'data-type': m.type || 'text',
    },
    selectingHere() && m.status === statusOf().normal
      ? h('input', { type: 'checkbox', class: 'msg-check', 'data-testid': 'message-select', 'aria-label': '选择这条消息' })
      : null,
    avatar(m.sender_id, own && state.me ? state.me.display_name : m.sender_name, 'msg-avatar', senderAvatar(m, own)),
    h(
      'div',
      { class: 'msg-main' },
      h('span', { class: 'sender', 'data-testid': 'message-sender' }, own ? '我' : m.sender_name),
      h('div', { class: 'msg-body', title: fmtFullTime(m.created_at) }, text ? bubble(m) : mediaBubble(m.type, mediaFor(m))),
      m.reply_to ? quoteBlock(m.reply_to) : null,
      menu
    )
  );
}

function pendingStatus(p) {
  if (p.state === 'failed') {
    return h(
      'div',
      { class: 'msg-status' },
      h('span', { class: 'send-error', 'data-testid': 'message-send-error' }, p.error || '发送失败'),
      h('button', { type: 'button', 'data-act': 'retry', 'data-testid': 'message-retry' }, '重试'),
      h('button', { type: 'button', 'data-act': 'cancel', 'data-testid': 'message-cancel' }, '取消')
    );
  }
  if (p.kind === 'text') return h('div', { class: 'msg-status' }, h('span', { class: 'muted small' }, '发送中…'));
  const uploading = p.phase === 'uploading';
  const waiting = !p.uploaded && !uploading;
  const label = waiting ? '等待上传…' : uploading ? `上传中 ${Math.round((p.progress || 0) * 100)}%` : '发送中…';
  return h(
    'div',
    { class: 'msg-status' },
    h('span', { class: 'muted small', 'data-testid': 'upload-status', 'data-phase': uploading ? 'uploading' : waiting ? 'waiting' : 'sending' }, label),
    p.uploaded ? null : h('button', { type: 'button', 'data-act': 'cancel', 'data-testid': 'message-cancel' }, '取消')
  );
}

function pendingEl(e) {
  const p = e.p;
  const failed = p.state === 'failed';
  const content = p.kind === 'text' ? bubble(p) : mediaBubble(p.kind, pendingContent(p));
  const li = h(
    'li',
    {
      class: `msg own pending ${p.state}`,
      'data-testid': 'message-item',
      'data-id': p.clientId,
      'data-pending': p.clientId,
      'data-status': failed ? 'failed' : 'sending',
      'data-own': '1',
      'data-type': p.kind,
    },
    avatar(state.me && state.me.user_id, state.me && state.me.display_name, 'msg-avatar', state.me && state.me.avatar_url),
    h(
      'div',
      { class: 'msg-main' },
      h('span', { class: 'sender', 'data-testid': 'message-sender' }, '我'),
      h('div', { class: 'msg-body' }, content),
      p.quote ? quoteBlock(p.quote) : null,
      pendingStatus(p)
    )
  );
  if (p.kind !== 'text') showProgress(li, p.uploaded ? 1 : p.progress || 0);
  return li;
}

/** Upload progress moves the bars in place (no redraw per progress event). */
function renderProgress() {
  for (const p of state.pendings.values()) {
    const r = p.kind !== 'text' && rendered.get(p.clientId);
    if (r) showProgress(r.el, p.uploaded ? 1 : p.progress || 0);
  }
}

function entryEl(e) {
  if (e.kind === 'day') return h('li', { class: 'sep date-sep', 'data-testid': 'date-separator' }, h('span', {}, e.label));
  if (e.kind === 'time') return h('li', { class: 'sep time-sep', 'data-testid': 'message-time' }, h('span', {}, e.label));
  if (e.kind === 'pending') return pendingEl(e);
  return messageEl(e);
}

const msgSig = (e) => {
  const m = e.m;
  const own = state.me && m.sender_id === state.me.user_id;
  const left = own ? recallLeft(m.created_at) : -1;
  const a = m.attachment;
  const media = a ? [m.type, a.url, a.thumbnail_url] : null;
  const quote = m.reply_to && [m.reply_to.sender_name, m.reply_to.content, m.reply_to.status];
  return JSON.stringify([m.content, m.sender_name, m.status, e.cont, menuFor === m.id, left === null || left > 0, media, senderAvatar(m, own), quote, mentionNames(m), selectingHere()]);
};

function renderMessages() {
  const ul = $('#msg-list');
  const scroller = $('#msg-scroll');
  const convId = state.current;
  const chat = state.chats.get(convId);
  const switched = shownConv !== convId;
  if (switched) {
    ul.replaceChildren();
    rendered.clear();
    mediaEls.clear();
    menuFor = null;
  }
  // Where the reader is: at the bottom (follow), or reading (keep the top message in place).
  // The end of a detached chat is not the newest: pages added below it stay below.
  const detached = !!(chat && chat.detached);
  const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 120;
  const follow = atBottom && !detached && !shownDetached;
  let anchor = null;
  let anchorTop = 0;
  if (!follow) {
    // A message, not a separator: a day's separator moves up when older messages come.
    for (const li of ul.children) {
      if (li.dataset.id && li.offsetTop + li.offsetHeight > scroller.scrollTop) {
        anchor = li.dataset.id; // by key: the element may be redrawn (grouping changes)
        anchorTop = li.offsetTop - scroller.scrollTop;
        break;
      }
    }
  }
  const list = entries(convId);
  const keep = new Set(list.map((e) => e.key));
  for (const [k, r] of rendered) {
    if (!keep.has(k)) {
      r.el.remove();
      rendered.delete(k);
      mediaEls.delete(k);
    }
  }
  let i = 0;
  for (const e of list) {
    const sig = e.kind === 'msg' ? msgSig(e) : e.sig;
    let r = rendered.get(e.key);
    if (!r || r.sig !== sig) {
      const el = entryEl(e);
      if (e.kind === 'msg') keepFlash(e.key, el);
      if (r) r.el.replaceWith(el);
      r = { el, sig };
      rendered.set(e.key, r);
    }
    const at = ul.children[i];
    if (at !== r.el) ul.insertBefore(r.el, at || null);
    i++;
  }
  markSelected();
  const loaded = !!(chat && chat.loaded);
  $('#btn-older').hidden = !(loaded && chat.hasMore && !chat.loading);
  const none = loaded && !chat.ids.length ? '暂无聊天记录' : '没有更多消息了';
  $('#older-status').textContent = chat && chat.loading ? '加载中…' : loaded && !chat.hasMore ? none : '';
  renderNewer(chat, loaded && detached);
  const focus = loaded && chat.focus;
  if (focus) {
    chat.focus = null;
    if (rendered.has(focus)) {
      const el = rendered.get(focus).el;
      scroller.scrollTop = el.offsetTop - (scroller.clientHeight - el.offsetHeight) / 2;
      flash(focus, el);
    }
  } else if (switched || (loaded && !shownLoaded) || follow || justSent) scroller.scrollTop = scroller.scrollHeight;
  else if (anchor && rendered.has(anchor)) scroller.scrollTop = rendered.get(anchor).el.offsetTop - anchorTop;
  shownConv = convId;
  shownLoaded = loaded;
  shownDetached = detached;
  justSent = false;
}

let marked = false; // some message shows as chosen

/** While choosing messages to forward: the checkboxes follow the store in place. */
function markSelected() {
  const ids = selectingHere() ? state.selecting.ids : null;
  if (!ids && !marked) return;
  marked = !!ids;
  for (const [key, r] of rendered) {
    const box = ids && r.el.querySelector('.msg-check');
    if (box) box.checked = ids.has(key);
    r.el.classList.toggle('selected', !!box && ids.has(key));
  }
}

/** The end of a detached chat: newer pages loading (or failed), and 「回到最新」. */
function renderNewer(chat, detached) {
  const loading = detached && chat.loadingNewer;
  $('#btn-newer').hidden = !detached || loading;
  $('#btn-newer').textContent = chat && chat.newerFailed ? '加载失败，点击重试' : '加载更新的消息';
  $('#newer-status').textContent = loading ? '加载中…' : '';
  $('#btn-latest').hidden = !detached;
}

const FLASH_MS = 2500; // as long as the `highlight` animation in style.css
let flashed = { id: null, at: 0 }; // the message found by a search, and when it was shown

/** A message found by a search: highlighted for a moment (a CSS animation fading out). */
function flash(id, el) {
  flashed = { id, at: Date.now() };
  el.classList.remove('highlight');
  void el.offsetWidth; // restarts the animation when the same message is found again
  keepFlash(id, el);
}

/** A redrawn message (its sender's avatar arrived, say) keeps the highlight where it was. */
function keepFlash(id, el) {
  const spent = Date.now() - flashed.at;
  if (id !== flashed.id || spent >= FLASH_MS) return;
  el.style.animationDelay = `-${spent}ms`;
  el.classList.add('highlight');
  el.addEventListener('animationend', () => el.classList.remove('highlight'), { once: true });
}

let justSent = false;

function render(ch) {
  const open = !!state.current;
  $('#chat-main').hidden = !open;
  $('#chat-empty').hidden = open;
  document.body.classList.toggle('chat-open', open);
  if (!open) {
    if (shownConv !== null) {
      $('#msg-list').replaceChildren();
      rendered.clear();
      mediaEls.clear();
      shownConv = null;
      shownLoaded = false;
      shownDetached = false;
    }
    return;
  }
  if (ch.has('sent')) justSent = true;
  renderHeader();
  renderMessages();
}

// ---------------------------------------------------------------- wiring

function act(li, what) {
  const id = li.dataset.id;
  const convId = state.current;
  if (what === 'retry' || what === 'cancel') {
    const p = state.pendings.get(li.dataset.pending);
    if (p && what === 'retry') sendPending(p);
    else if (p) cancelPending(p.clientId);
    return;
  }
  const chat = state.chats.get(convId);
  const m = chat && chat.msgs.get(id);
  closeMenu();
  if (!m) return;
  if (what === 'view' && m.attachment) openViewer(convId, id, m.attachment);
  else if (what === 'play') toggleVoice(li.querySelector('.voice'));
  else if (what === 'copy') copyText(m.content).then((ok) => toast(ok ? '已复制' : '复制失败', ok ? 'ok' : 'error'));
  else if (what === 'reply') startQuote(convId, m);
  else if (what === 'forward') startSelect(convId, id);
  else if (what === 'quote') jumpToQuote(convId, m.reply_to);
  else if (what === 'recall') recall(convId, id);
  else if (what === 'delete') deleteForMe(convId, id);
}

/** Holding a bubble for half a second opens its menu on touch screens (where a context menu
 * event comes too, both open the same menu). Returns whether a click ends a long press. */
function longPress(ul) {
  return onLongPress(
    ul,
    (e) => {
      const li = e.target.closest('li[data-testid="message-item"]');
      if (!li || li.dataset.pending || !e.target.closest('.bubble') || selectingHere()) return null;
      return li;
    },
    (li) => {
      menuFor = li.dataset.id;
      changed('chat');
    }
  );
}

let endsLongPress = () => false;

export function initChat() {
  const ul = $('#msg-list');
  ul.addEventListener('click', (e) => {
    const li = e.target.closest('li[data-testid="message-item"]');
    if (!li) return;
    if (selectingHere()) {
      // Choosing: a tap anywhere on a message ticks it (nothing opens, no link is followed).
      if (!e.target.closest('.msg-check')) e.preventDefault();
      if (!li.dataset.pending) toggleSelect(li.dataset.id);
      return;
    }
    if (endsLongPress()) return; // the click that ends a long press only opened the menu
    const btn = e.target.closest('[data-act]');
    if (btn) return act(li, btn.dataset.act);
    if (e.target.closest('a')) return; // a file's download link does its own thing
    if (e.target.closest('.bubble') && !li.dataset.pending) {
      menuFor = menuFor === li.dataset.id ? null : li.dataset.id;
      changed('chat');
    }
  });
  // A long press (a touch's context menu) or a right click opens the menu too.
  ul.addEventListener('contextmenu', (e) => {
    const li = e.target.closest('li[data-testid="message-item"]');
    if (!li || !e.target.closest('.bubble') || li.dataset.pending) return;
    e.preventDefault();
    if (selectingHere()) return;
    menuFor = li.dataset.id;
    changed('chat');
  });
  endsLongPress = longPress(ul);
  ul.addEventListener('keydown', (e) => {
    if ((e.key === 'Enter' || e.key === ' ') && e.target.classList.contains('msg-quote')) {
      e.preventDefault();
      e.target.click();
    } else if ((e.key === 'Enter' || e.key === ' ') && e.target.classList.contains('bubble')) {
      e.preventDefault();
      // A photo opens, a voice note plays; text (and files) open the menu.
      const inner = e.target.querySelector('[data-act="view"], [data-act="play"]');
      (inner || e.target).click();
    }
  });
  document.addEventListener('click', (e) => {
    if (menuFor !== null && !e.target.closest('.msg-menu') && !e.target.closest('.bubble')) closeMenu();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') closeMenu();
  });
  const scroller = $('#msg-scroll');
  scroller.addEventListener('scroll', () => {
    if (!state.current) return;
    if (scroller.scrollTop < 60) loadOlder(state.current);
    if (scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 60) loadNewer(state.current);
  });
  $('#btn-older').addEventListener('click', () => state.current && loadOlder(state.current));
  $('#btn-newer').addEventListener('click', () => state.current && loadNewer(state.current));
  $('#btn-latest').addEventListener('click', () => state.current && returnToLatest(state.current));
  $('#btn-chat-search').addEventListener('click', () => state.current && openHits(state.current));
  $('#btn-pin').addEventListener('click', (e) => state.current && togglePin(state.current, e.currentTarget));
  $('#btn-mute').addEventListener('click', (e) => state.current && toggleMute(state.current, e.currentTarget));
  subscribe((ch) => {
    if (['chat', 'list', 'me', 'auth', 'friends', 'members'].some((t) => ch.has(t))) render(ch);
    else if (ch.has('select') && state.current) markSelected();
    else if (ch.has('progress') && state.current) renderProgress();
  });
}
