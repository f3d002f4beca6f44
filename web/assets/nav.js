// The browser's back button: while a chat, a panel or search results are open, one history
// entry sits above the list; going back closes the topmost panel, else the chat, else the
// search.

import { state, subscribe } from './store.js';
import { closeChat } from './actions.js';
import { searching, clearSearch } from './search.js';

let expectPop = false; // a history.back() of ours is under way
// Which of the chat and the search results was opened last (on a desktop both show): back
// closes that one first.
let topLayer = null;
let seen = { chat: null, search: false };

const openDialogs = () => [...document.querySelectorAll('dialog[open]')];
const somethingOpen = () => !!state.current || openDialogs().length > 0 || searching();
const onTop = () => !!(history.state && history.state.chatd === 'top');

/** Puts history in line with what is open (call after opening or closing something). */
export function navSync() {
  if (expectPop) return; // the popstate handler syncs again
  const open = somethingOpen();
  if (open && !onTop()) {
    history.pushState({ chatd: 'top', chat: state.current }, '');
  } else if (!open && onTop()) {
    expectPop = true;
    history.back();
  }
}

export function initNav() {
  if (onTop()) history.replaceState({ chatd: 'base' }, '');
  window.addEventListener('popstate', () => {
    if (expectPop) {
      expectPop = false;
      navSync();
      return;
    }
    if (!onTop()) {
      const dialogs = openDialogs();
      if (dialogs.length) dialogs[dialogs.length - 1].close();
      else if (searching() && (topLayer === 'search' || !state.current)) clearSearch();
      else if (state.current) closeChat();
    }
    navSync();
  });
  // Dialogs close by their buttons, Escape or the code: 'close' does not bubble, so capture.
  document.addEventListener('close', () => navSync(), true);
  subscribe((ch) => {
    if (!ch.has('nav')) return;
    if (state.current && state.current !== seen.chat) topLayer = 'chat';
    if (searching() && !seen.search) topLayer = 'search';
    seen = { chat: state.current, search: searching() };
    navSync();
  });
}
