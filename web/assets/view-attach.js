// Photos and files into the open chat: the composer's ＋ (图片 / 文件 pickers, several at
// once), pasting an image (Ctrl-V / ⌘V), or dropping files onto the chat.

import { $ } from './dom.js';
import { state, subscribe } from './store.js';
import { sendFiles } from './send.js';

function setMenu(open) {
  $('#attach-menu').hidden = !open;
  $('#btn-attach').setAttribute('aria-expanded', open ? 'true' : 'false');
}

/** Sends the chosen files to the open chat. */
function take(files) {
  const list = [...(files || [])].filter((f) => f && f.size >= 0);
  if (!state.current || !list.length) return;
  setMenu(false);
  sendFiles(state.current, list);
}

function picker(input) {
  input.addEventListener('change', () => {
    take(input.files);
    input.value = ''; // the same file may be chosen again
  });
}

const hasFiles = (e) => !!e.dataTransfer && [...e.dataTransfer.types].includes('Files');

function dropTarget() {
  const zone = $('#drop-zone');
  const main = $('#chat-main');
  let depth = 0; // enter/leave pairs of the chat's children
  main.addEventListener('dragenter', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth++;
    zone.hidden = false;
  });
  main.addEventListener('dragover', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
  });
  main.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (!depth) zone.hidden = true;
  });
  main.addEventListener('drop', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    zone.hidden = true;
    take(e.dataTransfer.files);
  });
  // A file dropped beside the chat must not replace the app with the file.
  window.addEventListener('dragover', (e) => hasFiles(e) && e.preventDefault());
  window.addEventListener('drop', (e) => hasFiles(e) && e.preventDefault());
}

export function initAttach() {
  $('#btn-attach').addEventListener('click', () => setMenu($('#attach-menu').hidden));
  $('#btn-photo').addEventListener('click', () => $('#photo-input').click());
  $('#btn-file').addEventListener('click', () => $('#file-input').click());
  picker($('#photo-input'));
  picker($('#file-input'));
  dropTarget();
  // Pasting files (a screenshot, an image copied from a page) into the open chat sends them;
  // pasting text stays the composer's.
  document.addEventListener('paste', (e) => {
    const files = e.clipboardData ? [...e.clipboardData.files] : [];
    if (!state.current || !files.length || document.querySelector('dialog[open]')) return;
    e.preventDefault();
    take(files);
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !$('#attach-menu').hidden) setMenu(false);
  });
  subscribe((ch) => {
    if (ch.has('nav') || ch.has('auth')) setMenu(false);
  });
}
