// 引用 (quote-reply, API.md §14). A message's menu offers 引用: a chip above the composer
// (`compose-quote`, 「名字: 内容」, removable with ×) says what the next text message quotes,
// and sending it carries `reply_to`. A message that quotes another shows a grey block under
// its bubble (`message-quote`): 「名字：内容」, or 「引用的内容已撤回」 once the quoted message is
// recalled or deleted for this user. Tapping the block opens the chat at the quoted message
// (jump.js: scrolled to and flashed, loaded around it when it is not loaded).

import { $, h, toast } from './dom.js';
import { state, subscribe, setQuote, previewText, statusOf } from './store.js';
import { openAt } from './jump.js';

/** A message as a quote: the shape of a message's `reply_to`. */
export function quoteOf(m) {
  const own = state.me && m.sender_id === state.me.user_id;
  return {
    id: m.id,
    sender_id: m.sender_id,
    sender_name: own ? '我' : m.sender_name,
    type: m.type || 'text',
    content: previewText(m), // the text's first 100 characters, or [图片], [文件] name, [语音] 3"
    status: statusOf().normal,
  };
}

const gone = (q) => q.status === statusOf().recalled;

/** The grey block under a bubble quoting `q` (a `reply_to`). */
export function quoteBlock(q) {
  return h(
    'div',
    {
      class: `msg-quote${gone(q) ? ' gone' : ''}`,
      'data-testid': 'message-quote',
      'data-act': 'quote',
      'data-quote-id': q.id,
      'data-status': String(q.status),
      role: 'button',
      tabindex: '0',
      title: gone(q) ? null : '查看原消息',
    },
    gone(q) ? '引用的内容已撤回' : `${q.sender_name}：${q.content}`
  );
}

/** 引用 in a message's menu: the composer quotes it, and the cursor goes there. */
export function startQuote(convId, m) {
  setQuote(convId, quoteOf(m));
  $('#msg-input').focus({ preventScroll: true });
}

/** Tapping a quote: the quoted message, where it is in the chat. */
export function jumpToQuote(convId, q) {
  if (!q) return;
  if (gone(q)) toast('引用的内容已撤回', 'info');
  else openAt(convId, q.id);
}

function render() {
  const q = state.current ? state.quoting.get(state.current) : null;
  $('#compose-quote').hidden = !q;
  $('#compose-quote-text').textContent = q ? `${q.sender_name}: ${q.content}` : '';
}

export function initQuote() {
  $('#compose-quote-cancel').addEventListener('click', () => {
    if (state.current) setQuote(state.current, null);
    $('#msg-input').focus({ preventScroll: true });
  });
  subscribe((ch) => {
    if (ch.has('quote') || ch.has('chat') || ch.has('auth')) render();
  });
}
