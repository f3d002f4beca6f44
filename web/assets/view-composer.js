// The composer: Enter sends, Shift+Enter is a new line; grows from one to six lines; counts
// characters (code points, as the server does) and, near and over the limit, says so and
// refuses to send instead of cutting the text. A send carries the quote (view-quote.js) and
// the mentions (view-mention.js) the composer holds.

import { $, toast } from './dom.js';
import { state, subscribe, charCount, setQuote } from './store.js';
import { send } from './send.js';
import { mentionsFor } from './view-mention.js';

const drafts = new Map(); // conversation_id -> unsent text
let draftFor = null;

const limit = () => (state.info.max_message_chars > 0 ? state.info.max_message_chars : 5000);

/** The text as it will be sent: trailing white space and newlines trimmed. */
const outgoing = (text) => text.replace(/\s+$/u, '');

function grow() {
  const ta = $('#msg-input');
  const cs = getComputedStyle(ta);
  const line = parseFloat(cs.lineHeight) || 22;
  const pad = parseFloat(cs.paddingTop) + parseFloat(cs.paddingBottom);
  const border = parseFloat(cs.borderTopWidth) + parseFloat(cs.borderBottomWidth);
  ta.style.height = 'auto';
  ta.style.height = `${Math.min(ta.scrollHeight, line * 6 + pad) + border}px`;
}

function update() {
  const text = $('#msg-input').value;
  const n = charCount(outgoing(text));
  const max = limit();
  const over = n > max;
  const counter = $('#char-counter');
  counter.hidden = n < max * 0.9;
  counter.textContent = over ? `${n}/${max}，超出 ${n - max} 字，无法发送` : `${n}/${max}`;
  counter.classList.toggle('over', over);
  $('#msg-input').setAttribute('aria-invalid', over ? 'true' : 'false');
  $('#btn-send').disabled = over || !outgoing(text).trim();
  grow();
}

function submit() {
  const id = state.current;
  const input = $('#msg-input');
  const content = outgoing(input.value);
  if (!id || !content.trim()) return;
  if (charCount(content) > limit()) {
    toast(`消息过长：最多 ${limit()} 字`);
    return;
  }
  input.value = '';
  drafts.delete(id);
  update();
  const quote = state.quoting.get(id) || null;
  if (quote) setQuote(id, null);
  send(id, content, { quote, mentions: mentionsFor(id, content) });
}

/** Switching chats keeps each one's unsent text. */
function switchDraft() {
  if (draftFor === state.current) return;
  const input = $('#msg-input');
  if (draftFor) {
    if (input.value) drafts.set(draftFor, input.value);
    else drafts.delete(draftFor);
  }
  draftFor = state.current;
  input.value = (draftFor && drafts.get(draftFor)) || '';
  update();
  if (draftFor && window.matchMedia('(min-width: 700px)').matches) input.focus();
}

export function clearDrafts() {
  drafts.clear();
  draftFor = null;
  $('#msg-input').value = '';
}

export function initComposer() {
  const input = $('#msg-input');
  input.removeAttribute('maxlength'); // the limit is characters, shown by the counter
  $('#composer').addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault();
      submit();
    }
  });
  input.addEventListener('input', update);
  subscribe((ch) => {
    if (ch.has('chat') || ch.has('auth')) switchDraft();
    if (ch.has('info')) update();
  });
  update();
}
