// Search views: the list's search box with its results in place of the list (联系人, 群聊,
// 聊天记录, the query marked), and the panel of one conversation's matching messages (a chat's
// 查找聊天记录, or a result with several matches), paged as it is scrolled to its end.

import { $, h, avatar, marked, contains, fmtMsgTime, fmtFullTime } from './dom.js';
import { state, subscribe, avatarKey, previewText, userAvatar } from './store.js';
import { setQuery, searchNow, clearSearch, openHits, closeHits, setHitQuery, moreHits, retryHits } from './search.js';
import { openConversation, openPrivateWith, openAt } from './jump.js';
import { navSync } from './nav.js';

const LEAD = 8; // characters kept before a match far into a message

/** `N条相关聊天记录`; the server counts up to 100. */
const countText = (n) => `${n >= 100 ? '100+' : n}条相关聊天记录`;

/** An item of the results: focusable, opened by a tap, Enter or Space. */
const item = (testid, data, ...children) =>
  h('li', { class: 'search-item', 'data-testid': testid, tabindex: '0', role: 'button', ...data }, ...children);

const line = (cls, testid, ...content) => h('span', { class: cls, 'data-testid': testid }, ...content);

// ---------------------------------------------------------------- the list's search

function friendItem(f, q) {
  return item(
    'search-friend',
    { 'data-id': f.user_id, 'aria-label': f.display_name },
    avatar(f.user_id, f.display_name, '', f.avatar_url),
    h(
      'span',
      { class: 'search-text' },
      line('search-title', 'search-title', ...marked(f.display_name, q)),
      // Found by the username (as WeChat shows 微信号): it says so.
      !contains(f.display_name, q) && contains(f.username, q) ? line('search-detail', 'search-detail', '用户名：', ...marked(f.username, q)) : null
    )
  );
}

function groupItem(g, q) {
  return item(
    'search-group',
    { 'data-id': g.conversation_id, 'aria-label': g.title },
    avatar(avatarKey(g), g.title, 'group', g.avatar_url),
    h(
      'span',
      { class: 'search-text' },
      h('span', { class: 'search-line' }, line('search-title', 'search-title', ...marked(g.title, q)), h('span', { class: 'muted small' }, `(${g.member_count})`))
    )
  );
}

function conversationItem(r, q) {
  const c = state.convs.get(r.conversation_id) || r;
  const one = r.match_count <= 1 && r.latest;
  return item(
    'search-conversation',
    { 'data-id': r.conversation_id, 'data-count': String(r.match_count), 'aria-label': `${r.title}，${countText(r.match_count)}` },
    avatar(avatarKey(c), r.title, r.type === 'group' ? 'group' : '', r.avatar_url),
    h(
      'span',
      { class: 'search-text' },
      line('search-title', 'search-title', r.title),
      one ? line('search-detail', 'search-detail', ...marked(previewText(r.latest), q, LEAD)) : line('search-detail', 'search-detail', countText(r.match_count))
    )
  );
}

function section(kind, title, list, make, q) {
  if (!list.length) return null;
  return h(
    'section',
    { class: 'search-section', 'data-testid': 'search-section', 'data-kind': kind },
    h('h3', { class: 'search-heading' }, title),
    h('ul', { class: 'search-list' }, ...list.map((x) => make(x, q)))
  );
}

/** A status line: progress, a failure to tap, or nothing found. */
function statusLine(el, kind, retry) {
  el.dataset.state = kind || '';
  el.hidden = !kind;
  if (kind === 'loading') el.replaceChildren('搜索中…');
  else if (kind === 'empty') el.replaceChildren('无结果');
  else if (kind === 'failed') el.replaceChildren(h('button', { type: 'button', class: 'link', 'data-testid': retry }, '搜索失败，点击重试'));
  else el.replaceChildren();
}

let shownResults = null;

function renderSearch() {
  const s = state.search;
  const on = !!s.q;
  const input = $('#search-input');
  if (!on && input.value.trim()) input.value = ''; // ended elsewhere (the back button)
  $('.sidebar').classList.toggle('searching', on);
  $('#search-results').hidden = !on;
  $('#search-cancel').hidden = !on && document.activeElement !== input;
  const r = s.results;
  const fresh = r && r.q === s.q;
  const none = fresh && !r.friends.length && !r.groups.length && !r.conversations.length;
  statusLine($('#search-status'), s.status === 'loading' ? 'loading' : s.status === 'failed' ? 'failed' : none ? 'empty' : '', 'search-retry');
  // Earlier results stay (dimmed) while the next ones load; they are redrawn only when new.
  $('#search-sections').classList.toggle('stale', on && !fresh);
  if (!on) {
    shownResults = null;
    $('#search-sections').replaceChildren();
    return;
  }
  if (r === shownResults) return;
  shownResults = r;
  $('#search-sections').replaceChildren(
    ...(r
      ? [
          section('friends', '联系人', r.friends, friendItem, r.q),
          section('groups', '群聊', r.groups, groupItem, r.q),
          section('conversations', '聊天记录', r.conversations, conversationItem, r.q),
        ].filter(Boolean)
      : [])
  );
  markActive();
}

/** The open chat's result is marked, as its row in the list is (beside it, on a desktop). */
function markActive() {
  for (const li of document.querySelectorAll('#search-sections li[data-id]')) {
    li.classList.toggle('active', li.dataset.testid !== 'search-friend' && li.dataset.id === state.current);
  }
}

function openResult(li) {
  const r = state.search.results;
  const id = li.dataset.id;
  if (!r) return;
  if (li.dataset.testid === 'search-friend') openPrivateWith(id);
  else if (li.dataset.testid === 'search-group') openConversation(id);
  else {
    const hit = r.conversations.find((c) => c.conversation_id === id);
    if (!hit) return;
    if (hit.match_count > 1 || !hit.latest) openHits(id, r.q, hit.match_count);
    else openAt(id, hit.latest.id);
  }
}

/** Enter or Space opens an item; the arrow keys move between the items (and the box). */
function itemKeys(container, onOpen, fromTop) {
  container.addEventListener('keydown', (e) => {
    const li = e.target.closest('li[role="button"]');
    if (!li) return;
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onOpen(li);
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const all = [...container.querySelectorAll('li[role="button"]')];
      const next = all[all.indexOf(li) + (e.key === 'ArrowDown' ? 1 : -1)];
      if (next) next.focus();
      else if (e.key === 'ArrowUp') fromTop.focus();
    }
  });
  fromTop.addEventListener('keydown', (e) => {
    const first = container.querySelector('li[role="button"]');
    if (e.key === 'ArrowDown' && first) {
      e.preventDefault();
      first.focus();
    }
  });
}

function initListSearch() {
  const input = $('#search-input');
  const results = $('#search-results');
  input.addEventListener('input', () => setQuery(input.value));
  input.addEventListener('focus', () => ($('#search-cancel').hidden = false));
  input.addEventListener('blur', () => ($('#search-cancel').hidden = !state.search.q));
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      e.preventDefault();
      input.value = '';
      clearSearch();
      input.blur();
    }
  });
  $('#search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    setQuery(input.value);
    searchNow();
  });
  const cancel = $('#search-cancel');
  cancel.addEventListener('pointerdown', (e) => e.preventDefault()); // the box keeps focus until the click
  cancel.addEventListener('click', () => {
    input.value = '';
    clearSearch();
    input.blur();
    cancel.hidden = true;
  });
  results.addEventListener('click', (e) => {
    if (e.target.closest('[data-testid="search-retry"]')) return searchNow();
    const li = e.target.closest('li[role="button"]');
    if (li) openResult(li);
    return undefined;
  });
  itemKeys(results, openResult, input);
}

// ---------------------------------------------------------------- one conversation's matches

let shownHits = { convId: null, list: null };

function hitItem(m, q) {
  const own = state.me && m.sender_id === state.me.user_id;
  const name = own ? state.me.display_name : m.sender_name;
  return item(
    'message-hit',
    { 'data-id': m.id },
    avatar(m.sender_id, name, '', own ? state.me.avatar_url : userAvatar(m.sender_id)),
    h(
      'span',
      { class: 'search-text' },
      h('span', { class: 'search-line' }, line('hit-sender', 'hit-sender', name), h('span', { class: 'hit-time', 'data-testid': 'hit-time', title: fmtFullTime(m.created_at) }, fmtMsgTime(m.created_at))),
      line('hit-text', 'hit-text', ...marked(previewText(m), q, LEAD))
    )
  );
}

function renderHits() {
  const s = state.hits;
  const dialog = $('#hits-dialog');
  if (!s.convId) {
    shownHits = { convId: null, list: null };
    if (dialog.open) dialog.close();
    return;
  }
  const c = state.convs.get(s.convId);
  $('#hits-title').textContent = c ? `「${c.title}」的聊天记录` : '查找聊天记录';
  const input = $('#hits-input');
  if (!dialog.open) {
    input.value = s.q;
    dialog.showModal();
    navSync();
    if (!s.q || window.matchMedia('(min-width: 700px)').matches) input.focus();
  }
  const summary = $('#hits-summary');
  summary.hidden = !(s.count > 1 && s.q);
  summary.textContent = s.count > 1 ? `共${s.count >= 100 ? '100+' : s.count}条与“${s.q}”相关的聊天记录` : '';
  // Drawn again for a new query; a next page is appended (what is on screen stays put).
  const ul = $('#hits-list');
  if (shownHits.convId !== s.convId || shownHits.list !== s.list) {
    const prev = shownHits.convId === s.convId && shownHits.list ? shownHits.list : [];
    const appended = prev.length && s.list.length > prev.length && prev.every((m, i) => s.list[i] === m);
    if (appended) ul.append(...s.list.slice(prev.length).map((m) => hitItem(m, s.q)));
    else ul.replaceChildren(...s.list.map((m) => hitItem(m, s.q)));
    shownHits = { convId: s.convId, list: s.list };
  }
  const status = $('#hits-status');
  if (s.status === 'loading') statusLine(status, 'loading');
  else if (s.status === 'failed') statusLine(status, 'failed', 'message-search-retry');
  else if (s.status === 'done' && !s.list.length) statusLine(status, 'empty');
  else if (s.more === 'loading') statusLine(status, 'loading');
  else if (s.more === 'failed') statusLine(status, 'failed', 'message-search-retry');
  else {
    statusLine(status, '');
    if (s.status === 'done' && !s.hasMore) {
      status.hidden = false;
      status.dataset.state = 'end';
      status.textContent = '没有更多了';
    } else if (s.status === 'idle') {
      status.hidden = false;
      status.dataset.state = 'idle';
      status.textContent = '输入关键词，查找这个会话的聊天记录';
    }
  }
  status.classList.toggle('muted', status.dataset.state !== 'failed');
  nearEnd();
}

/** Scrolled to (or the matches do not fill) the panel: the next page. */
function nearEnd() {
  const box = $('#hits-scroll');
  if (box.scrollHeight - box.scrollTop - box.clientHeight < 80) moreHits();
}

function openHit(li) {
  const convId = state.hits.convId;
  closeHits();
  openAt(convId, li.dataset.id);
}

function initHits() {
  const dialog = $('#hits-dialog');
  const input = $('#hits-input');
  input.addEventListener('input', () => setHitQuery(input.value));
  $('#hits-form').addEventListener('submit', (e) => {
    e.preventDefault();
    setHitQuery(input.value, true);
  });
  dialog.addEventListener('close', closeHits); // Esc, 关闭, the back button
  $('#hits-scroll').addEventListener('scroll', nearEnd);
  $('#hits-scroll').addEventListener('click', (e) => {
    if (e.target.closest('[data-testid="message-search-retry"]')) return retryHits();
    const li = e.target.closest('li[role="button"]');
    if (li) openHit(li);
    return undefined;
  });
  itemKeys($('#hits-list'), openHit, input);
}

export function initSearch() {
  initListSearch();
  initHits();
  subscribe((ch) => {
    if (ch.has('search') || ch.has('auth')) renderSearch();
    else if (ch.has('list') && state.search.q) markActive();
    if (ch.has('hits') || ch.has('auth')) renderHits();
  });
}
