// Attachments in bubbles: photos in a box of their own proportions from the first frame
// (width/height from the server, or from the local file while it uploads), so nothing moves
// when the thumbnail arrives; file cards with a download link; voice notes with a player.
// The same shapes while a message is unsent, with its upload's progress.

import { h } from './dom.js';

// ---------------------------------------------------------------- sizes

/** `1.5 KB`, `23 KB`, `4.2 MB`: what a person reads (1 KB = 1,024 bytes). */
export function humanSize(bytes) {
  const n = Number(bytes) || 0;
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** A voice note's length as WeChat writes it: `12"` (at least 1). */
export const seconds = (ms) => `${Math.max(1, Math.round((Number(ms) || 0) / 1000))}"`;

// ---------------------------------------------------------------- photos

const previews = new Map(); // file_id -> ImageBitmap of one's own photo, until its thumbnail shows

/** Keeps the local preview of a photo just sent, to show until its thumbnail has loaded. */
export function keepPreview(fileId, bitmap) {
  const old = previews.get(fileId);
  if (old && old !== bitmap) old.close();
  previews.set(fileId, bitmap);
}

function previewCanvas(bitmap) {
  const canvas = h('canvas', { class: 'img-preview', 'aria-hidden': 'true' });
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  canvas.getContext('2d').drawImage(bitmap, 0, 0);
  return canvas;
}

/**
 * A box with the photo's proportions (clamped to 2.5:1 either way; the picture is cropped to
 * it), which CSS sizes: the longer side at most `--img-max`, never wider than the picture.
 */
function imageBox(w, hgt, testid, ...children) {
  const box = h('div', { class: 'img-box', 'data-testid': testid }, ...children);
  const ar = w > 0 && hgt > 0 ? Math.min(2.5, Math.max(0.4, w / hgt)) : 1;
  box.style.setProperty('--ar', String(ar));
  box.style.setProperty('--nw', `${w > 0 ? w : 200}px`);
  return box;
}

/** A stored photo: its thumbnail (the full picture opens in the viewer). */
export function imageContent(a) {
  const preview = previews.get(a.file_id);
  const img = h('img', {
    class: 'img-thumb',
    src: a.thumbnail_url || a.url,
    alt: '图片',
    decoding: 'async',
    draggable: 'false',
    'data-testid': 'image-thumbnail',
  });
  const box = imageBox(a.width, a.height, 'image-box', preview ? previewCanvas(preview) : null, img);
  box.setAttribute('role', 'button');
  box.setAttribute('aria-label', '查看图片');
  box.dataset.act = 'view';
  img.addEventListener('load', () => {
    box.classList.add('loaded');
    const kept = previews.get(a.file_id);
    if (kept) {
      previews.delete(a.file_id);
      kept.close();
    }
  });
  img.addEventListener('error', () => box.classList.add('broken'));
  return box;
}

// ---------------------------------------------------------------- files

/** The file's extension as a label for its icon (`PDF`, `ZIP`), or 文件. */
function extLabel(name) {
  const m = /\.([A-Za-z0-9]{1,5})$/.exec(String(name || ''));
  return m ? m[1].toUpperCase() : '文件';
}

function fileCard(name, size, link) {
  return h(
    'div',
    { class: 'file-card', 'data-testid': 'file-card' },
    h(
      'div',
      { class: 'file-text' },
      h('span', { class: 'file-name', 'data-testid': 'file-name' }, name),
      h('span', { class: 'file-size', 'data-testid': 'file-size' }, humanSize(size))
    ),
    h('span', { class: 'file-icon', 'aria-hidden': 'true' }, extLabel(name)),
    link
  );
}

/** A stored file: icon, name, size and a download link (the viewer's signed URL). */
export function fileContent(a) {
  const link = h('a', { class: 'file-download', href: a.url, download: a.name || 'file', 'data-testid': 'file-download' }, '下载');
  return fileCard(a.name, a.size, link);
}

// ---------------------------------------------------------------- voice

/** A voice bubble's width grows with its length, as WeChat's do. */
function voiceShape(el, ms) {
  const s = Math.min(60, Math.max(1, (Number(ms) || 0) / 1000));
  el.style.width = `${Math.round(92 + 2.6 * s)}px`;
}

/** A stored voice note: tap to play or pause; the bar follows the playing position. */
export function voiceContent(a) {
  const ms = a.duration_ms || 0;
  const fill = h('span', { class: 'voice-fill' });
  const audio = h('audio', { preload: 'none', src: a.url, 'data-testid': 'voice-audio' });
  const el = h(
    'div',
    { class: 'voice', role: 'button', 'data-act': 'play', 'data-testid': 'voice-note', 'aria-label': `语音 ${seconds(ms)}，播放` },
    h('span', { class: 'voice-icon', 'aria-hidden': 'true' }),
    h('span', { class: 'voice-bar', 'aria-hidden': 'true' }, fill),
    h('span', { class: 'voice-len', 'data-testid': 'voice-duration' }, seconds(ms)),
    audio
  );
  voiceShape(el, ms);
  const total = () => (Number.isFinite(audio.duration) && audio.duration > 0 ? audio.duration * 1000 : ms);
  const show = () => {
    fill.style.width = `${Math.min(100, (audio.currentTime * 100000) / Math.max(1, total()))}%`;
  };
  audio.addEventListener('timeupdate', show);
  audio.addEventListener('play', () => {
    el.classList.add('playing');
    el.setAttribute('aria-label', `语音 ${seconds(ms)}，暂停`);
  });
  audio.addEventListener('pause', () => {
    el.classList.remove('playing');
    el.setAttribute('aria-label', `语音 ${seconds(ms)}，播放`);
  });
  audio.addEventListener('ended', () => {
    audio.currentTime = 0;
    show();
  });
  audio.addEventListener('error', () => el.classList.add('broken'));
  return el;
}

/** Plays or pauses the voice note `el`; any other note playing stops. */
export function toggleVoice(el) {
  const audio = el.querySelector('audio');
  if (!audio) return Promise.resolve();
  for (const other of document.querySelectorAll('.voice audio')) if (other !== audio && !other.paused) other.pause();
  if (!audio.paused) {
    audio.pause();
    return Promise.resolve();
  }
  el.classList.remove('broken');
  return audio.play().catch(() => el.classList.add('broken'));
}

// ---------------------------------------------------------------- a message's attachment

/** The bubble's inside for a stored message of type image, file or voice (null for text). */
export function attachmentContent(m) {
  const a = m.attachment;
  if (!a) return null;
  if (m.type === 'image') return imageContent(a);
  if (m.type === 'voice') return voiceContent(a);
  return fileContent(a);
}

/** An unsent attachment: its shape with the upload's progress bar (updated in place). */
export function pendingContent(p) {
  const bar = h(
    'div',
    { class: 'upload-bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'data-testid': 'upload-progress' },
    h('span', { class: 'upload-fill' })
  );
  if (p.kind === 'image') {
    const box = p.box || { w: 0, h: 0 };
    return imageBox(box.w, box.h, 'image-box', p.preview ? previewCanvas(p.preview) : null, bar);
  }
  if (p.kind === 'voice') {
    const el = h(
      'div',
      { class: 'voice', 'data-testid': 'voice-note' },
      h('span', { class: 'voice-icon', 'aria-hidden': 'true' }),
      h('span', { class: 'voice-len', 'data-testid': 'voice-duration' }, seconds(p.durationMs)),
      bar
    );
    voiceShape(el, p.durationMs);
    return el;
  }
  return fileCard(p.name, p.size, bar);
}

/** Moves an unsent attachment's progress bar to `fraction` (0–1). */
export function showProgress(li, fraction) {
  const bar = li.querySelector('[data-testid="upload-progress"]');
  if (!bar) return;
  const pct = Math.round(Math.max(0, Math.min(1, fraction)) * 100);
  bar.setAttribute('aria-valuenow', String(pct));
  bar.firstChild.style.width = `${pct}%`;
  const label = li.querySelector('[data-testid="upload-status"]');
  if (label && label.dataset.phase === 'uploading') label.textContent = `上传中 ${pct}%`;
}
