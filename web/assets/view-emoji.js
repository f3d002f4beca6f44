// The composer's emoji picker (表情): a small grid of common emoji; a tap inserts one where
// the cursor is, and the picker stays open for the next.

import { $, h } from './dom.js';

const EMOJI = [
  '😀', '😂', '🤣', '😊', '😍', '😘', '😎', '🤔', '😅', '😭', '😡', '😱',
  '😴', '🥳', '😷', '🙄', '👍', '👎', '👏', '🙏', '💪', '🤝', '👌', '✌️',
  '❤️', '💔', '🌹', '🎉', '🎂', '🧧', '🍚', '🍜', '🍺', '☕', '🍉', '🌙',
  '☀️', '🌧️', '🔥', '💯', '✅', '❌', '❓', '💤', '👶', '👵', '👴', '🏠',
];

function setOpen(open) {
  $('#emoji-menu').hidden = !open;
  $('#btn-emoji').setAttribute('aria-expanded', open ? 'true' : 'false');
}

function insert(emoji) {
  const input = $('#msg-input');
  const start = input.selectionStart ?? input.value.length;
  const end = input.selectionEnd ?? input.value.length;
  input.setRangeText(emoji, start, end, 'end');
  input.dispatchEvent(new Event('input', { bubbles: true })); // the counter and 发送 follow
  input.focus({ preventScroll: true });
}

export function initEmoji() {
  const menu = $('#emoji-menu');
  menu.replaceChildren(
    ...EMOJI.map((e) => h('button', { type: 'button', class: 'emoji', 'data-testid': 'emoji-choice', 'aria-label': e }, e))
  );
  menu.addEventListener('click', (e) => {
    const b = e.target.closest('button.emoji');
    if (b) insert(b.textContent);
  });
  $('#btn-emoji').addEventListener('click', () => setOpen(menu.hidden));
  menu.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') {
      setOpen(false);
      $('#msg-input').focus();
    }
  });
  // Sending, or opening another chat, closes it.
  $('#composer').addEventListener('submit', () => setOpen(false));
}
