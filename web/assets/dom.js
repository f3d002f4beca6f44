// Small DOM helpers. Text is only ever inserted as text nodes / textContent.

export const $ = (sel, root = document) => root.querySelector(sel);

/**
 * h('li', {class: 'x', 'data-testid': 'y', onclick: fn}, 'text', childEl)
 * Strings become text nodes; functions become event listeners; never HTML.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function' && k.startsWith('on')) {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'class') {
      el.className = v;
    } else if (k === 'checked' || k === 'disabled' || k === 'value') {
      el[k] = v;
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    if (c instanceof Node) {
      el.appendChild(c);
    } else {
      const t = document.createTextNode('');
      t.textContent = String(c);
      el.appendChild(t);
    }
  }
  return el;
}

/** Lower case where that keeps the length (so positions match the original text): ASCII
 * and most scripts' letters, as the server's search folds them. */
const fold = (s) =>
  s.replace(/./gsu, (c) => {
    const l = c.toLowerCase();
    return l.length === c.length ? l : c;
  });

/** Whether `text` contains `q`, case-insensitive as marked() marks it. */
export const contains = (text, q) => !!q && fold(String(text ?? '')).includes(fold(q));

/** `text` with each occurrence of `q` in a <mark> (case-insensitive), as nodes and strings
 * for h(). When the first starts further in than twice `lead` (where a one-line excerpt
 * would hide it), the text starts `lead` characters before it, after a `…`. Never HTML:
 * the parts are text. */
export function marked(text, q, lead = Infinity) {
  let t = String(text ?? '');
  if (!q) return [t];
  const needle = fold(q);
  let hay = fold(t);
  const first = hay.indexOf(needle);
  if (first > lead * 2) {
    let from = first - lead;
    if (/[\udc00-\udfff]/.test(t[from])) from--; // not in the middle of a surrogate pair
    t = `…${t.slice(from)}`;
    hay = fold(t);
  }
  const out = [];
  let i = 0;
  for (let at = hay.indexOf(needle); at >= 0 && needle; at = hay.indexOf(needle, at + needle.length)) {
    if (at > i) out.push(t.slice(i, at));
    out.push(h('mark', {}, t.slice(at, at + needle.length)));
    i = at + needle.length;
  }
  if (i < t.length) out.push(t.slice(i));
  return out;
}

const pad = (n) => String(n).padStart(2, '0');

/** List time: HH:MM today, 昨天, M月D日 this year, else YYYY/M/D. */
export function fmtListTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const now = new Date();
  if (d.toDateString() === now.toDateString()) return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  const y = new Date(now);
  y.setDate(now.getDate() - 1);
  if (d.toDateString() === y.toDateString()) return '昨天';
  if (d.getFullYear() === now.getFullYear()) return `${d.getMonth() + 1}月${d.getDate()}日`;
  return `${d.getFullYear()}/${d.getMonth() + 1}/${d.getDate()}`;
}

/** Message time: HH:MM today, else date + HH:MM. */
export function fmtMsgTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}`;
  if (d.toDateString() === new Date().toDateString()) return hm;
  return `${fmtListTime(iso)} ${hm}`;
}

export function fmtHM(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Local calendar day of a time, as a comparable key. */
export function dayKey(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

const WEEKDAYS = ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'];

/** A date separator: 今天, 昨天, 星期三 (this week), 11月20日 (this year), 2025年11月20日. */
export function dayLabel(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const start = (x) => new Date(x.getFullYear(), x.getMonth(), x.getDate()).getTime();
  const now = new Date();
  const days = Math.round((start(now) - start(d)) / 86400000);
  if (days === 0) return '今天';
  if (days === 1) return '昨天';
  if (days > 1 && days < 7) return WEEKDAYS[d.getDay()];
  if (d.getFullYear() === now.getFullYear()) return `${d.getMonth() + 1}月${d.getDate()}日`;
  return `${d.getFullYear()}年${d.getMonth() + 1}月${d.getDate()}日`;
}

/** A default avatar: the name's first character on a colour derived from the id (a stable
 * hash), as WeChat draws them; with `url` (an `avatar_url`), that picture over it. A picture
 * that fails to load leaves the initial. */
export function avatar(id, name, extra = '', url = null) {
  let hash = 0;
  for (const ch of String(id || name || '')) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  const first = [...String(name || '?').trim()][0] || '?';
  const picture = url
    ? h('img', {
        class: 'avatar-img',
        src: url,
        alt: '',
        decoding: 'async',
        draggable: 'false',
        'data-testid': 'avatar-image',
        onload: (e) => e.currentTarget.classList.add('loaded'),
        onerror: (e) => e.currentTarget.remove(),
      })
    : null;
  return h('span', { class: `avatar av-${hash % 8}${extra ? ` ${extra}` : ''}`, 'data-testid': 'avatar', 'aria-hidden': 'true' }, first.toUpperCase(), picture);
}

export function fmtFullTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Numeric part of an id like `m_123`, for ordering (order is decided by id). */
export function idNum(id) {
  const n = Number(String(id).split('_').pop());
  return Number.isFinite(n) ? n : 0;
}

let toastTimer = null;
export function toast(text, kind = 'error') {
  const el = $('#toast');
  el.textContent = text;
  el.className = `toast ${kind}`;
  el.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    el.hidden = true;
  }, 3500);
}

/** Copies text: the Clipboard API where the page may use it (HTTPS, localhost), else a
 * selected off-screen textarea. */
export async function copyText(text) {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    /* fall back */
  }
  const ta = h('textarea', { class: 'offscreen', readonly: true, 'aria-hidden': 'true' });
  ta.value = text;
  document.body.appendChild(ta);
  ta.select();
  let ok = false;
  try {
    ok = document.execCommand('copy');
  } catch {
    ok = false;
  }
  ta.remove();
  return ok;
}

/** Runs an async action with the button disabled; shows the error message on failure. */
export async function busy(button, fn) {
  if (button) button.disabled = true;
  try {
    return await fn();
  } catch (e) {
    if (e && e.code !== 401) toast(e.message || '操作失败');
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}

/** Web addresses in a message's text (http, https, or starting www.), up to white space,
 *  quotes, angle brackets or CJK punctuation. */
const URL_IN_TEXT = /(?:https?:\/\/|www\.)[^\s<>"'\u3000-\u303f\uff00-\uffef]+/gi;

/** `text` as text nodes and links: each web address opens in a new tab, with no opener and
 *  no referrer. Only http(s) addresses become links (never `javascript:` or the like). */
export function linkify(text) {
  const out = [];
  let at = 0;
  for (const match of text.matchAll(URL_IN_TEXT)) {
    let url = match[0];
    const tail = /[.,;:!?)\]}]+$/.exec(url); // sentence punctuation after the address
    if (tail) url = url.slice(0, -tail[0].length);
    let href;
    try {
      href = new URL(/^www\./i.test(url) ? `https://${url}` : url).href;
    } catch {
      continue;
    }
    if (!/^https?:$/.test(new URL(href).protocol)) continue;
    if (match.index > at) out.push(text.slice(at, match.index));
    out.push(h('a', { href, target: '_blank', rel: 'noopener noreferrer', class: 'msg-link', 'data-testid': 'message-link' }, url));
    at = match.index + url.length;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

/** A long press on touch screens (iOS Safari sends no contextmenu for it): a finger or pen
 * held still for half a second on the item `pick(event)` names (null: not here) calls
 * `fire(item, x, y)`. Returns `consume()`: true once for the click that ends a long press,
 * which should then do nothing else. */
export function onLongPress(container, pick, fire) {
  let timer = null;
  let start = null;
  let firedAt = 0;
  const stop = () => {
    clearTimeout(timer);
    timer = null;
  };
  container.addEventListener('pointerdown', (e) => {
    if (e.pointerType === 'mouse') return;
    const item = pick(e);
    if (!item) return;
    start = { x: e.clientX, y: e.clientY };
    stop();
    timer = setTimeout(() => {
      timer = null;
      firedAt = Date.now();
      fire(item, start.x, start.y);
    }, 500);
  });
  container.addEventListener('pointermove', (e) => {
    if (timer && start && Math.hypot(e.clientX - start.x, e.clientY - start.y) > 10) stop();
  });
  for (const type of ['pointerup', 'pointercancel']) container.addEventListener(type, stop);
  return () => {
    const fired = Date.now() - firedAt < 800;
    firedAt = 0;
    return fired;
  };
}
