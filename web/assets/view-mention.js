// @ in group chats (API.md §14). Typing 「@」 (or 「＠」) in the composer opens a picker of the group's
// other members (`mention-picker`, `mention-choice`; 所有人 first for the owner), filtered by
// what is typed after the @ (name or username); ↑ ↓ move, Enter or Tab choose, Esc or leaving
// the box closes it. Choosing writes 「@名字 」 and remembers whom it meant: a send mentions
// those whose 「@名字」 is still in the text (or `['all']`). Messages mark the 「@名字」 of those
// they mention (`mention`); the list's 「[有人@我]」 is view-list.js's.

import { $, h, avatar } from './dom.js';
import { state, subscribe } from './store.js';
import { loadMembers } from './actions.js';

const ALL = '所有人';
const chosen = new Map(); // conversation_id -> Map 名字 -> user id, or 'all'
let open = null; // the picker: { convId, at (where the @ is), query, items, active }
let dismissed = -1; // where the @ was whose picker Esc closed: typing on does not reopen it

const fold = (s) => String(s || '').toLowerCase();

/** The @ being typed: where it is and what follows it up to the cursor, or null. */
function typing(input) {
  const caret = input.selectionStart;
  if (caret !== input.selectionEnd) return null;
  const before = input.value.slice(0, caret);
  const at = Math.max(before.lastIndexOf('@'), before.lastIndexOf('＠')); // a full-width IME's too
  if (at < 0) return null;
  const query = before.slice(at + 1);
  if (/\s/u.test(query) || [...query].length > 32) return null;
  if (at > 0 && /[A-Za-z0-9_.+-]/.test(before[at - 1])) return null; // an e-mail address
  return { at, query };
}

/** Whom the picker offers for `query` in group `convId`: members but oneself, 所有人 first
 * for the owner. */
function candidates(convId, query) {
  const me = state.me && state.me.user_id;
  const members = state.members.get(convId) || [];
  const q = fold(query);
  const out = [];
  const owner = members.some((m) => m.user_id === me && m.role === 'owner');
  if (owner && (ALL.includes(query) || 'all'.startsWith(q))) out.push({ id: 'all', name: ALL });
  for (const m of members) {
    if (m.user_id === me) continue;
    if (q && !fold(m.display_name).includes(q) && !fold(m.username).includes(q)) continue;
    out.push({ id: m.user_id, name: m.display_name, username: m.username, avatar_url: m.avatar_url });
  }
  return out;
}

function close() {
  if (!open) return;
  open = null;
  render();
}

/** After each keystroke (and cursor move): open, filter or close the picker. */
function update() {
  const input = $('#msg-input');
  const convId = state.current;
  const c = convId && state.convs.get(convId);
  const t = c && c.type === 'group' && document.activeElement === input ? typing(input) : null;
  if (!t) dismissed = -1;
  if (!t || t.at === dismissed) return close();
  if (!state.members.has(convId)) {
    loadMembers(convId)
      .then(() => state.current === convId && update())
      .catch(() => {});
    return close();
  }
  const items = candidates(convId, t.query);
  if (!items.length) return close();
  const same = open && open.convId === convId && open.at === t.at && open.query === t.query;
  open = { convId, at: t.at, query: t.query, items, active: same ? Math.min(open.active, items.length - 1) : 0 };
  render();
}

function choose(item) {
  const input = $('#msg-input');
  if (!open || !item) return;
  input.setRangeText(`@${item.name} `, open.at, input.selectionStart, 'end');
  if (!chosen.has(open.convId)) chosen.set(open.convId, new Map());
  chosen.get(open.convId).set(item.name, item.id);
  close();
  input.focus({ preventScroll: true });
  input.dispatchEvent(new Event('input', { bubbles: true })); // the counter and 发送 follow
}

function render() {
  const list = $('#mention-picker');
  const input = $('#msg-input');
  list.hidden = !open;
  input.setAttribute('aria-expanded', open ? 'true' : 'false');
  if (!open) {
    list.replaceChildren();
    input.removeAttribute('aria-activedescendant');
    return;
  }
  list.replaceChildren(
    ...open.items.map((it, i) =>
      h(
        'li',
        {
          id: `mention-choice-${i}`,
          class: `mention-choice${i === open.active ? ' active' : ''}`,
          role: 'option',
          'aria-selected': i === open.active ? 'true' : 'false',
          'data-testid': 'mention-choice',
          'data-id': it.id,
          'data-index': String(i),
        },
        it.id === 'all' ? h('span', { class: 'avatar mention-all', 'aria-hidden': 'true' }, '@') : avatar(it.id, it.name, '', it.avatar_url),
        h('span', { class: 'mention-name' }, it.name),
        it.username ? h('span', { class: 'muted small mention-username' }, `@${it.username}`) : null
      )
    )
  );
  input.setAttribute('aria-activedescendant', `mention-choice-${open.active}`);
  list.children[open.active].scrollIntoView({ block: 'nearest' });
}

/** Keys while the picker is open, before the composer sees them (Enter would send). */
function onKey(e) {
  if (!open || e.isComposing || e.keyCode === 229 || e.target.id !== 'msg-input') return;
  const n = open.items.length;
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    open.active = (open.active + (e.key === 'ArrowDown' ? 1 : n - 1)) % n;
    render();
  } else if (e.key === 'Enter' || e.key === 'Tab') {
    choose(open.items[open.active]);
  } else if (e.key === 'Escape') {
    dismissed = open.at;
    close();
  } else {
    return;
  }
  e.preventDefault();
  e.stopPropagation();
}

/** What a send of `text` into `convId` mentions: the chosen whose 「@名字」 is still there
 * (and still members), or `['all']`. Forgets the choices. */
export function mentionsFor(convId, text) {
  const names = chosen.get(convId);
  chosen.delete(convId);
  if (!names) return [];
  const members = state.members.get(convId);
  const ids = [...names].filter(([name]) => text.includes(`@${name}`)).map(([, id]) => id);
  if (ids.includes('all')) return ['all'];
  return [...new Set(ids)].filter((id) => !members || members.some((m) => m.user_id === id));
}

export function clearMentions() {
  chosen.clear();
  close();
}

/** The 「@名字」 a message (or an unsent one) marks: 所有人, or the members it mentions as this
 * page knows their names (the open group's members, and oneself); `me` when it is this user. */
export function mentionNames(m) {
  const ids = Array.isArray(m.mentions) ? m.mentions : [];
  if (!ids.length) return [];
  const own = !!m.clientId || (state.me && m.sender_id === state.me.user_id); // unsent ones are one's own
  if (ids.includes('all')) return [{ name: ALL, me: !own }];
  const members = state.members.get(state.current) || [];
  const out = [];
  for (const id of ids) {
    const mine = state.me && id === state.me.user_id;
    const who = mine ? state.me : members.find((x) => x.user_id === id);
    if (who && who.display_name) out.push({ name: who.display_name, me: !!mine });
  }
  return out;
}

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `parts` (text and nodes, as linkify() gives them) with each 「@名字」 of `names` in a
 * highlighted span. Text stays text. */
export function withMentions(parts, names) {
  if (!names.length) return parts;
  const byName = new Map(names.map((n) => [`@${n.name}`, n]));
  const tokens = [...byName.keys()].sort((a, b) => b.length - a.length).map(escape);
  const re = new RegExp(`(${tokens.join('|')})`, 'u');
  const out = [];
  for (const p of parts) {
    if (typeof p !== 'string') {
      out.push(p);
      continue;
    }
    p.split(re).forEach((s, i) => {
      if (i % 2 === 0) {
        if (s) out.push(s);
      } else {
        out.push(h('span', { class: byName.get(s).me ? 'mention mention-me' : 'mention', 'data-testid': 'mention' }, s));
      }
    });
  }
  return out;
}

export function initMention() {
  const input = $('#msg-input');
  const list = $('#mention-picker');
  input.setAttribute('aria-controls', 'mention-picker');
  input.setAttribute('aria-autocomplete', 'list');
  input.addEventListener('input', update);
  input.addEventListener('click', update);
  input.addEventListener('keyup', (e) => {
    if (['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(e.key)) update();
  });
  input.addEventListener('blur', close);
  $('#composer').addEventListener('keydown', onKey, true);
  $('#composer').addEventListener('submit', close);
  // A press on the picker keeps the focus (and the cursor) in the box.
  list.addEventListener('mousedown', (e) => e.preventDefault());
  list.addEventListener('click', (e) => {
    const li = e.target.closest('[data-testid="mention-choice"]');
    if (li && open) choose(open.items[Number(li.dataset.index)]);
  });
  subscribe((ch) => {
    if (open && (ch.has('chat') || ch.has('auth')) && open.convId !== state.current) close();
    if (open && ch.has('members')) update();
  });
}
