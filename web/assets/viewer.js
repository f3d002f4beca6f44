// The photo viewer: the full picture over everything, on black. It opens with the thumbnail
// already loaded and swaps in the original when that has arrived. Closes with a tap, Esc or
// the browser's back button (a dialog: nav.js keeps one history entry while it is open), and
// by itself when the photo is recalled.

import { $ } from './dom.js';
import { state, subscribe } from './store.js';
import { navSync } from './nav.js';

let shown = null; // { convId, id } of the message whose photo is open
let loader = null;

export function openViewer(convId, id, a) {
  const dialog = $('#image-viewer');
  const img = $('#viewer-img');
  const status = $('#viewer-status');
  shown = { convId, id };
  if (loader) loader.onload = loader.onerror = null;
  img.removeAttribute('data-full');
  img.src = a.thumbnail_url || a.url;
  status.textContent = '正在加载原图…';
  status.hidden = false;
  const link = $('#viewer-download');
  link.href = a.url;
  link.download = a.name || 'image';
  loader = new Image();
  loader.decoding = 'async';
  loader.onload = () => {
    if (!shown || shown.id !== id) return;
    img.src = a.url;
    img.dataset.full = '1';
    status.hidden = true;
  };
  loader.onerror = () => {
    if (shown && shown.id === id) status.textContent = '原图加载失败';
  };
  loader.src = a.url;
  if (!dialog.open) dialog.showModal();
  navSync();
}

export function closeViewer() {
  const dialog = $('#image-viewer');
  if (dialog.open) dialog.close();
}

export function initViewer() {
  const dialog = $('#image-viewer');
  dialog.addEventListener('click', (e) => {
    if (!e.target.closest('a')) closeViewer();
  });
  dialog.addEventListener('close', () => {
    shown = null;
    if (loader) loader.onload = loader.onerror = null;
    loader = null;
    $('#viewer-img').removeAttribute('src');
  });
  // A recalled (or deleted) photo leaves the viewer too.
  subscribe((ch) => {
    if (!shown || !ch.has('chat')) return;
    const chat = state.chats.get(shown.convId);
    if (!chat || !chat.msgs.has(shown.id) || state.current !== shown.convId) closeViewer();
  });
}
