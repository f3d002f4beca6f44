// The list's menu (`conversation-menu`): a long press on a phone, a right click (or the
// context-menu key) on a desktop opens it by a list item, with 置顶 / 取消置顶
// (`conversation-pin`), 消息免打扰 / 取消免打扰 (`conversation-mute`) and 删除聊天
// (`conversation-delete`, confirmed). Also the two ways to forget a chat's history here (API.md
// §14): clearHistory (清空聊天记录, `DELETE …/messages`) and removeChat (删除聊天, `DELETE
// /api/auth/conversations/{id}`: it leaves the list, and comes back with its next message).

import { request, seg } from './api.js';
import { $, toast, busy, onLongPress } from './dom.js';
import { state, subscribe, removeConv, clearUpto, newestMessage } from './store.js';
import { togglePin, toggleMute, closeChat } from './actions.js';
import { hooks } from './live.js';

let menuFor = null; // the conversation whose menu is open

/** 清空聊天记录 (confirmed): every message up to now goes, for this user only. */
export async function clearHistory(id, btn) {
  if (!id || !window.confirm('确定清空聊天记录？只清空你这边的记录，对方不受影响。')) return false;
  return !!(await busy(btn, async () => {
    const res = await request('DELETE', `/api/auth/conversations/${seg(id)}/messages`);
    // Everything loaded is at or below the server's marker; its event says exactly where.
    const newest = newestMessage(id);
    clearUpto(id, newest ? newest.id : 'm_0');
    toast(res.message || '已清空', 'ok');
    return true;
  }));
}

/** The chat left this user's list (删除聊天 here, or on another device). */
export function forgetChat(id) {
  if (state.current === id) closeChat();
  hooks.removedFrom(id);
  removeConv(id);
}

/** 删除聊天 (confirmed): out of the list and its history cleared, for this user only. */
export async function removeChat(id, btn) {
  const c = state.convs.get(id);
  if (!c || !window.confirm(`删除与「${c.title}」的聊天？聊天记录将一并清空（你仍在该会话中，有新消息时会重新出现）。`)) return;
  if (!btn) toast('正在删除…', 'info'); // from the menu, which is gone by now
  await busy(btn, async () => {
    const res = await request('DELETE', `/api/auth/conversations/${seg(id)}`);
    forgetChat(id);
    toast(res.message || '已删除', 'ok');
  });
}

// ---------------------------------------------------------------- the menu

function openMenu(id, x, y) {
  const c = state.convs.get(id);
  if (!c) return;
  menuFor = id;
  const menu = $('#conv-menu');
  $('#conv-menu-pin').textContent = c.is_pinned ? '取消置顶' : '置顶';
  $('#conv-menu-mute').textContent = c.is_muted ? '取消免打扰' : '消息免打扰';
  menu.hidden = false;
  // By the pointer, kept on screen.
  const w = menu.offsetWidth;
  const hgt = menu.offsetHeight;
  menu.style.left = `${Math.max(8, Math.min(x, window.innerWidth - w - 8))}px`;
  menu.style.top = `${Math.max(8, Math.min(y, window.innerHeight - hgt - 8))}px`;
  $('#conv-menu-pin').focus({ preventScroll: true });
}

function closeMenu() {
  if (menuFor === null) return;
  menuFor = null;
  $('#conv-menu').hidden = true;
}

async function choose(e) {
  const btn = e.target.closest('button[data-act]');
  const id = menuFor;
  if (!btn || !id) return;
  closeMenu();
  const c = state.convs.get(id);
  if (!c) return;
  if (btn.dataset.act === 'pin') {
    await togglePin(id, null);
    const now = state.convs.get(id);
    if (now && now.is_pinned !== c.is_pinned) toast(now.is_pinned ? '已置顶' : '已取消置顶', 'ok');
  } else if (btn.dataset.act === 'mute') {
    await toggleMute(id, null);
    const now = state.convs.get(id);
    if (now && now.is_muted !== c.is_muted) toast(now.is_muted ? '已开启消息免打扰' : '已关闭消息免打扰', 'ok');
  } else if (btn.dataset.act === 'delete') {
    await removeChat(id, null);
  }
}

export function initConvMenu() {
  const ul = $('#conv-list');
  const itemOf = (e) => e.target.closest && e.target.closest('[data-testid="conversation-item"]');
  ul.addEventListener('contextmenu', (e) => {
    const li = itemOf(e);
    if (!li) return;
    e.preventDefault();
    const r = li.getBoundingClientRect();
    // The context-menu key has no pointer position: by the item then.
    const keyboard = e.clientX === 0 && e.clientY === 0;
    openMenu(li.dataset.id, keyboard ? r.left + 40 : e.clientX, keyboard ? r.top + r.height / 2 : e.clientY);
  });
  // A long press on touch screens (iOS Safari sends no contextmenu for it).
  const endsLongPress = onLongPress(ul, itemOf, (li, x, y) => openMenu(li.dataset.id, x, y));
  // Before the list's own listener: the click ending a long press opens no chat.
  ul.addEventListener(
    'click',
    (e) => {
      if (endsLongPress()) e.stopImmediatePropagation();
    },
    true
  );
  $('#conv-menu').addEventListener('click', choose);
  document.addEventListener('click', (e) => {
    if (menuFor !== null && !e.target.closest('#conv-menu')) closeMenu();
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') closeMenu();
  });
  ul.addEventListener('scroll', closeMenu);
  window.addEventListener('resize', closeMenu);
  subscribe((ch) => {
    if ((ch.has('list') || ch.has('auth')) && menuFor !== null && !state.convs.has(menuFor)) closeMenu();
  });
}
