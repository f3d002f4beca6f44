// 转发 (forward, API.md §14). 转发 in a message's menu starts choosing (多选): that message is
// ticked, every normal message gets a checkbox (`message-select`), and a bar replaces the
// composer (`select-bar`: 取消, 「已选择 n 条」, 转发 `forward-selected`). 转发 opens the picker
// (`forward-picker`): the conversations as the list orders them, narrowed by a filter box,
// several ticked (`forward-target`); `forward-confirm` sends `POST /api/auth/messages/forward`
// and says 已转发. At most 20 messages and 20 conversations, as the server allows. The
// copies arrive everywhere, this page included, as `message.created`.

import { request } from './api.js';
import { $, h, avatar, toast, contains, idNum } from './dom.js';
import { state, subscribe, changed, statusOf, avatarKey } from './store.js';
import { navSync } from './nav.js';

const MAX = 20;
const forwardable = (m) => !!m && m.status === statusOf().normal;
const messageOf = (convId, id) => (state.chats.get(convId) || { msgs: new Map() }).msgs.get(id);

/** Whether the open chat is choosing messages. */
export const selectingHere = () => !!state.selecting && state.selecting.convId === state.current;

/** 转发 in a message's menu: choosing starts with that message ticked. */
export function startSelect(convId, id) {
  state.selecting = { convId, ids: new Set(forwardable(messageOf(convId, id)) ? [id] : []) };
  changed('select', 'chat');
}

/** A tap on a message while choosing: ticks or unticks it (normal messages only, 20 at most). */
export function toggleSelect(id) {
  const s = state.selecting;
  if (!s) return;
  if (s.ids.has(id)) s.ids.delete(id);
  else if (!forwardable(messageOf(s.convId, id))) toast('该消息不能转发');
  else if (s.ids.size >= MAX) toast(`最多选择 ${MAX} 条消息`);
  else s.ids.add(id);
  changed('select'); // also puts a checkbox that was refused back as it was
}

export function endSelect() {
  if (!state.selecting) return;
  state.selecting = null;
  changed('select', 'chat');
}

// ---------------------------------------------------------------- the picker

let picking = []; // the message ids being forwarded, oldest first
const targets = new Set(); // conversation ids ticked, in the order ticked

function openPicker() {
  const s = state.selecting;
  if (!s) return;
  picking = [...s.ids].filter((id) => forwardable(messageOf(s.convId, id))).sort((a, b) => idNum(a) - idNum(b));
  if (!picking.length) {
    toast('请选择要转发的消息');
    return;
  }
  targets.clear();
  $('#forward-filter').value = '';
  renderPicker();
  $('#forward-dialog').showModal();
  navSync();
}

function renderPicker() {
  const q = $('#forward-filter').value.trim();
  const list = state.order.map((id) => state.convs.get(id)).filter((c) => c && (!q || contains(c.title, q)));
  const items = list.map((c) =>
    h(
      'li',
      {},
      h(
        'label',
        { class: 'check', 'data-testid': 'forward-target', 'data-id': c.conversation_id },
        h('input', { type: 'checkbox', value: c.conversation_id, checked: targets.has(c.conversation_id) }),
        avatar(avatarKey(c), c.title, c.type === 'group' ? 'group' : '', c.avatar_url),
        h('span', { class: 'grow' }, c.title),
        c.type === 'group' ? h('span', { class: 'muted small' }, `(${c.member_count})`) : null
      )
    )
  );
  $('#forward-list').replaceChildren(...(items.length ? items : [h('li', { class: 'muted' }, q ? '没有匹配的会话' : '暂无会话')]));
  renderCount();
}

function renderCount() {
  $('#forward-summary').textContent = `转发 ${picking.length} 条消息，已选 ${targets.size} 个会话`;
  const ok = $('#forward-confirm');
  ok.textContent = targets.size ? `发送（${targets.size}）` : '发送';
  ok.disabled = !targets.size;
}

function ticked(e) {
  const box = e.target;
  if (!box || box.type !== 'checkbox') return;
  if (box.checked && targets.size >= MAX) {
    box.checked = false;
    toast(`最多选择 ${MAX} 个会话`);
    return;
  }
  if (box.checked) targets.add(box.value);
  else targets.delete(box.value);
  renderCount();
}

async function confirm() {
  const btn = $('#forward-confirm');
  if (!picking.length || !targets.size) return;
  btn.disabled = true;
  btn.textContent = '发送中…';
  try {
    const res = await request('POST', '/api/auth/messages/forward', { message_ids: picking, conversation_ids: [...targets] });
    toast(res.message || '已转发', 'ok');
    $('#forward-dialog').close();
    endSelect();
  } catch (e) {
    if (e.code !== 401) toast(e.message || '转发失败');
    renderCount();
  }
}

// ---------------------------------------------------------------- wiring

function renderBar() {
  if (state.selecting && !selectingHere()) {
    state.selecting = null; // another chat was opened (or this one closed)
    changed('select', 'chat');
  }
  const on = selectingHere();
  // A chosen message recalled or deleted meanwhile is no longer chosen.
  if (on) for (const id of state.selecting.ids) if (!forwardable(messageOf(state.current, id))) state.selecting.ids.delete(id);
  document.body.classList.toggle('selecting', on);
  $('#select-bar').hidden = !on;
  const n = on ? state.selecting.ids.size : 0;
  $('#select-count').textContent = `已选择 ${n} 条`;
  $('#forward-selected').disabled = !n;
}

export function initForward() {
  $('#select-cancel').addEventListener('click', endSelect);
  $('#forward-selected').addEventListener('click', openPicker);
  $('#forward-list').addEventListener('change', ticked);
  $('#forward-filter').addEventListener('input', renderPicker);
  $('#forward-filter-form').addEventListener('submit', (e) => e.preventDefault());
  $('#forward-confirm').addEventListener('click', confirm);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && selectingHere() && !document.querySelector('dialog[open]')) endSelect();
  });
  subscribe((ch) => {
    if (ch.has('select') || ch.has('chat') || ch.has('auth')) renderBar();
    if (ch.has('list') && $('#forward-dialog').open) renderPicker();
  });
}
