// The conversation list: keyed updates (an item is redrawn only when what it shows changed,
// moved only when its place changed), so focus and scroll survive live updates. An unread
// mention prefixes the preview with a red 「[有人@我]」 (or 「[@所有人]」).

import { $, h, avatar, fmtListTime, fmtFullTime } from './dom.js';
import { state, subscribe, unreadTotal, avatarKey } from './store.js';
import { openChat } from './actions.js';

const items = new Map(); // conversation_id -> { el, sig }

const PIN_ICON = new URL('./pin.svg', import.meta.url).href; // the same (versioned) folder as this module
const badgeText = (n) => (n > 99 ? '99+' : String(n));

function itemContent(c) {
  const preview = c.previewSender && c.last_message_preview ? `${c.previewSender}: ${c.last_message_preview}` : c.last_message_preview || '';
  return [
    h(
      'div',
      { class: 'conv-avatar' },
      avatar(avatarKey(c), c.title, c.type === 'group' ? 'group' : '', c.avatar_url),
      c.unread_count > 0 && c.is_muted
        ? h('span', { class: 'badge dot', 'data-testid': 'unread-dot', 'aria-label': `${c.unread_count} 条未读（免打扰）` })
        : c.unread_count > 0
          ? h('span', { class: 'badge', 'data-testid': 'unread-badge', 'aria-label': `${c.unread_count} 条未读` }, badgeText(c.unread_count))
          : null
    ),
    h(
      'div',
      { class: 'conv-text' },
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
        c.mentioned ? h('span', { class: 'mention-mark', 'data-testid': 'mention-mark' }, c.mentionAll ? '[@所有人]' : '[有人@我]') : null,
        h('span', { class: 'conv-preview', 'data-testid': 'conversation-preview' }, preview),
        c.is_muted ? h('span', { class: 'icon icon-mute mute-mark', role: 'img', 'aria-label': '消息免打扰', title: '消息免打扰', 'data-testid': 'mute-mark' }) : null,
        c.is_pinned ? h('img', { class: 'pin-mark', src: PIN_ICON, alt: '已置顶', title: '已置顶', 'data-testid': 'pin-mark' }) : null
      )
    ),
  ];
}

function render() {
  const ul = $('#conv-list');
  const focused = document.activeElement;
  const hadFocus = focused && focused.parentNode === ul ? focused.dataset.id : null;
  const wanted = new Set(state.order);
  for (const [id, it] of items) {
    if (!wanted.has(id)) {
      it.el.remove();
      items.delete(id);
    }
  }
  let i = 0;
  for (const id of state.order) {
    const c = state.convs.get(id);
    const active = id === state.current;
    const sig = JSON.stringify([avatarKey(c), c.title, c.type, c.member_count, c.last_message_time, c.last_message_preview, c.previewSender, c.unread_count, c.is_pinned, c.is_muted, c.avatar_url, !!c.mentioned, !!c.mentionAll]);
    let it = items.get(id);
    if (!it) {
      const el = h('li', {
        class: 'conv-item',
        'data-testid': 'conversation-item',
        'data-id': id,
        tabindex: '0',
        role: 'button',
      });
      it = { el, sig: null };
      items.set(id, it);
    }
    if (it.sig !== sig) {
      it.el.replaceChildren(...itemContent(c));
      const mark = c.mentioned ? (c.mentionAll ? '，@所有人' : '，有人@我') : '';
      it.el.setAttribute('aria-label', `${c.title}${c.unread_count > 0 ? `，${c.unread_count} 条未读` : ''}${mark}`);
      it.sig = sig;
    }
    it.el.classList.toggle('active', active);
    it.el.classList.toggle('pinned', !!c.is_pinned);
    if (active) it.el.setAttribute('aria-current', 'true');
    else it.el.removeAttribute('aria-current');
    const at = ul.children[i];
    if (at !== it.el) ul.insertBefore(it.el, at || null);
    i++;
  }
  // Moving the focused item itself (when its own chat got a message) would blur it.
  if (hadFocus && document.activeElement !== items.get(hadFocus)?.el) items.get(hadFocus)?.el.focus({ preventScroll: true });
  $('#conv-empty').hidden = !state.listLoaded || state.order.length > 0;
  const n = unreadTotal();
  document.title = n > 0 ? `(${n}) chatd` : 'chatd';
}

export function initList() {
  const ul = $('#conv-list');
  const open = (e) => {
    const li = e.target.closest('[data-testid="conversation-item"]');
    if (li && ul.contains(li)) openChat(li.dataset.id);
  };
  ul.addEventListener('click', open);
  ul.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      open(e);
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      const li = e.target.closest('[data-testid="conversation-item"]');
      const next = li && (e.key === 'ArrowDown' ? li.nextElementSibling : li.previousElementSibling);
      if (next) {
        e.preventDefault();
        next.focus();
      }
    }
  });
  // The empty list offers the two ways to start.
  $('#conv-empty').addEventListener('click', (e) => {
    const b = e.target.closest('[data-open]');
    if (b) $(`#${b.dataset.open}`).click();
  });
  subscribe((ch) => {
    if (ch.has('list') || ch.has('auth') || ch.has('friends')) render();
  });
}
