// Links into the app: `/#/c/<conversation id>` (a notification's link, API.md §15) opens that
// conversation once signed in and the list is in, then the hash is cleared. An unknown
// conversation, or one the user is not a member of, says so and stays on the list.

import { state, subscribe } from './store.js';
import { toast } from './dom.js';
import { ensureConv, openChat } from './actions.js';

let wanted = null; // the conversation asked for, until it is opened or refused

function readHash() {
  const m = /^#\/c\/([A-Za-z0-9_-]{1,64})$/.exec(location.hash);
  if (!m) return;
  wanted = m[1];
}

async function tryOpen() {
  if (!wanted || !state.me || !state.listLoaded) return;
  const id = wanted;
  wanted = null;
  history.replaceState(history.state, '', location.pathname + location.search);
  if (await ensureConv(id)) openChat(id);
  else toast('找不到该聊天，或你已不在其中');
}

export function initLinks() {
  readHash();
  // A notification clicked while the app is open navigates it to a new hash.
  window.addEventListener('hashchange', () => {
    readHash();
    tryOpen();
  });
  subscribe((ch) => {
    if (ch.has('list') || ch.has('auth')) tryOpen();
  });
}
