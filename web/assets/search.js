// Searching (docs/api.md §13), into the store: the list's search box (`GET /api/auth/search`
// 250 ms after the last keystroke; an answer to an older query is dropped) and one
// conversation's matching messages (`GET /api/auth/conversations/{id}/search`, pages of 20
// with `before`), for a chat's 查找聊天记录 or a result with several matches.

import { api, seg } from './api.js';
import { state, changed, noteUsers } from './store.js';

const DEBOUNCE = 250;
const HITS = 20;

/** The text as the server takes it: trimmed ('' is no search). */
const clean = (text) => String(text || '').trim();

// ---------------------------------------------------------------- the list's search

let timer = null;
let seq = 0; // the newest query's number: answers to any other are stale

/** Whether the list shows search results instead of the conversations. */
export const searching = () => !!state.search.q;

/** The search box's text changed: results for it in 250 ms ('' ends the search). */
export function setQuery(text) {
  const q = clean(text);
  if (q === state.search.q && state.search.status !== 'failed') return; // e.g. a space more
  clearTimeout(timer);
  seq++;
  const was = state.search.q;
  if (!q) {
    state.search = { q: '', status: 'idle', results: null };
  } else {
    state.search = { ...state.search, q, status: 'loading' };
    const my = seq;
    timer = setTimeout(() => run(q, my), DEBOUNCE);
  }
  changed('search');
  if (!was !== !q) changed('nav'); // the results are a layer the back button closes
}

/** Searches for the box's text at once (Enter, 重试). */
export function searchNow() {
  const q = state.search.q;
  if (!q) return;
  clearTimeout(timer);
  const my = ++seq;
  state.search = { ...state.search, status: 'loading' };
  changed('search');
  run(q, my);
}

export function clearSearch() {
  setQuery('');
}

async function run(q, my) {
  if (my !== seq) return;
  try {
    const d = (await api('GET', `/api/auth/search?q=${encodeURIComponent(q)}`)) || {};
    if (my !== seq) return;
    noteUsers(d.friends);
    state.search = {
      q,
      status: 'done',
      results: { q, friends: d.friends || [], groups: d.groups || [], conversations: d.conversations || [] },
    };
  } catch (e) {
    if (my !== seq) return;
    state.search = { ...state.search, status: 'failed', error: e.message };
  }
  changed('search');
}

// ---------------------------------------------------------------- one conversation's matches

let hitTimer = null;
let hitSeq = 0;

/** Opens the matches of conversation `convId` for `q` ('' waits for the panel's input);
 * `count` is the global search's `match_count` for that same query, if known. */
export function openHits(convId, q = '', count = 0) {
  clearTimeout(hitTimer);
  hitSeq++;
  state.hits = { convId, q: clean(q), status: 'idle', list: [], hasMore: false, more: 'idle', count };
  changed('hits');
  if (state.hits.q) runHits();
}

export function closeHits() {
  if (!state.hits.convId) return;
  clearTimeout(hitTimer);
  hitSeq++;
  state.hits = { convId: null, q: '', status: 'idle', list: [], hasMore: false, more: 'idle', count: 0 };
  changed('hits');
}

/** The panel's search field changed: its matches in 250 ms. */
export function setHitQuery(text, now = false) {
  const h = state.hits;
  const q = clean(text);
  if (!h.convId || (q === h.q && h.status !== 'failed' && !now)) return;
  clearTimeout(hitTimer);
  hitSeq++;
  state.hits = { ...h, q, status: q ? 'loading' : 'idle', list: [], hasMore: false, more: 'idle', count: 0 };
  changed('hits');
  if (!q) return;
  if (now) runHits();
  else hitTimer = setTimeout(runHits, DEBOUNCE);
}

const hitsPath = (h, before) =>
  `/api/auth/conversations/${seg(h.convId)}/search?q=${encodeURIComponent(h.q)}&limit=${HITS}${before ? `&before=${seg(before)}` : ''}`;

async function runHits() {
  const my = ++hitSeq;
  const h = state.hits;
  state.hits = { ...h, status: 'loading' };
  changed('hits');
  try {
    const page = (await api('GET', hitsPath(h))) || [];
    if (my !== hitSeq) return;
    state.hits = { ...state.hits, status: 'done', list: page, hasMore: page.length >= HITS, more: 'idle' };
  } catch {
    if (my !== hitSeq) return;
    state.hits = { ...state.hits, status: 'failed' };
  }
  changed('hits');
}

/** The next page of matches, older than the last one shown (scrolled to the end, 重试). */
export async function moreHits() {
  const h = state.hits;
  if (h.status !== 'done' || !h.hasMore || h.more === 'loading' || !h.list.length) return;
  const my = hitSeq;
  state.hits = { ...h, more: 'loading' };
  changed('hits');
  try {
    const page = (await api('GET', hitsPath(h, h.list[h.list.length - 1].id))) || [];
    if (my !== hitSeq) return;
    const seen = new Set(state.hits.list.map((m) => m.id));
    const list = [...state.hits.list, ...page.filter((m) => !seen.has(m.id))];
    state.hits = { ...state.hits, list, hasMore: page.length >= HITS, more: 'idle' };
  } catch {
    if (my !== hitSeq) return;
    state.hits = { ...state.hits, more: 'failed' };
  }
  changed('hits');
}

/** A failed first page or next page, tried again. */
export function retryHits() {
  if (state.hits.status === 'failed') setHitQuery(state.hits.q, true);
  else if (state.hits.more === 'failed') {
    state.hits = { ...state.hits, more: 'idle' };
    moreHits();
  }
}
