// Sending: text messages and attachments (photos, files, voice notes). Each send is an unsent
// entry in `state.pendings`, keyed by its client_msg_id and shown until the server's id
// arrives. Attachments upload one at a time, in the order they were chosen, with their
// progress; a retry reuses the upload when it had succeeded and always the client_msg_id, so
// the server stores one message however often it is tried.

import { api, upload, ApiError } from './api.js';
import { state, changed, putLive, notePreview, statusOf, isDetached } from './store.js';
import { returnToLatest } from './jump.js';
import { keepPreview, humanSize } from './media.js';

let order = 0; // unsent messages show in the order they were made

function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

const unsent = (convId, kind) => ({ clientId: newClientId(), convId, kind, state: 'sending', error: '', tries: 0, at: ++order });

function add(p) {
  // Sent from a stretch of history (a search result): back to the newest, where it goes.
  if (isDetached(p.convId)) returnToLatest(p.convId);
  state.pendings.set(p.clientId, p);
  changed('chat', 'sent');
  sendPending(p);
}

/** A text message; `quote` (a `reply_to` of the message it quotes) and `mentions` (user ids,
 * or `['all']`) when the composer had them. */
export function send(convId, content, { quote = null, mentions = [] } = {}) {
  add({ ...unsent(convId, 'text'), content, quote, mentions });
}

/** Photos and files (picked, pasted or dropped): each its own message, in this order. A
 * photo shows at its own proportions (with a local preview) from the start. */
export async function sendFiles(convId, files) {
  const made = [...files].map((file) => {
    const image = /^image\//.test(file.type);
    return { ...unsent(convId, image ? 'image' : 'file'), blob: file, name: file.name || (image ? '图片' : '文件'), size: file.size, progress: 0 };
  });
  for (const p of made) {
    if (p.kind === 'image') {
      const seen = await previewOf(p.blob);
      if (seen) Object.assign(p, seen);
      else p.kind = 'file'; // the browser cannot show it: sent as a file unless the server decodes it
    }
    add(p);
  }
}

/** A recorded voice note of `durationMs` (1–60,000). */
export function sendVoice(convId, blob, durationMs) {
  const ext = /mp4|m4a|aac/.test(blob.type) ? 'm4a' : /ogg/.test(blob.type) ? 'ogg' : 'webm';
  const p = { ...unsent(convId, 'voice'), blob, name: `语音.${ext}`, size: blob.size, progress: 0, durationMs };
  add(p);
}

/** The image's size as displayed (EXIF orientation applied, as the server reports it) and a
 * preview of at most 400 px for the unsent bubble; null when the browser cannot decode it. */
async function previewOf(file) {
  if (!window.createImageBitmap) return { box: null, preview: null };
  try {
    const full = await createImageBitmap(file);
    const box = { w: full.width, h: full.height };
    const scale = Math.min(1, 400 / Math.max(box.w, box.h));
    if (scale === 1) return { box, preview: full };
    const resize = { resizeWidth: Math.max(1, Math.round(box.w * scale)), resizeHeight: Math.max(1, Math.round(box.h * scale)), resizeQuality: 'medium' };
    const preview = await createImageBitmap(full, resize);
    full.close();
    return { box, preview };
  } catch {
    return null;
  }
}

/** Network trouble, an overloaded or restarting server: worth trying again by itself. */
const transient = (e) => e.code === 0 || e.code === 429 || e.code >= 500;

/** Sends (or resends with the same client_msg_id). Attachments wait their turn. */
export function sendPending(p) {
  if (!state.pendings.has(p.clientId) || p.inFlight || p.queued) return;
  clearTimeout(p.timer);
  p.state = 'sending';
  p.error = '';
  changed('chat');
  if (p.kind === 'text') {
    deliver(p);
  } else {
    p.queued = true;
    pump();
  }
}

let pumping = false;

/** One attachment at a time, oldest first: the messages arrive in the order chosen. */
async function pump() {
  if (pumping) return;
  pumping = true;
  try {
    for (;;) {
      const next = [...state.pendings.values()].filter((p) => p.queued).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      next.queued = false;
      await deliver(next);
    }
  } finally {
    pumping = false;
  }
}

function body(p) {
  const b = { conversation_id: p.convId, client_msg_id: p.clientId };
  if (p.kind === 'text') {
    const text = { ...b, content: p.content };
    if (p.quote) text.reply_to = p.quote.id;
    if (p.mentions && p.mentions.length) text.mentions = p.mentions;
    return text;
  }
  const type = p.kind === 'voice' ? 'voice' : p.uploaded.width ? 'image' : 'file';
  const out = { ...b, type, file_id: p.uploaded.file_id };
  if (type === 'voice') out.duration_ms = p.durationMs;
  return out;
}

async function deliver(p) {
  p.inFlight = true;
  p.tries++;
  changed('chat');
  try {
    if (p.kind !== 'text' && !p.uploaded) {
      // Refused before a byte leaves when the server says it would refuse it (413).
      const max = state.info.max_upload_bytes;
      if (max > 0 && p.blob.size > max) throw new ApiError(413, `文件过大（上限 ${humanSize(max)}）`);
      p.phase = 'uploading';
      p.progress = 0;
      changed('chat');
      p.upload = upload(p.blob, p.name, (f) => {
        p.progress = f;
        changed('progress');
      });
      p.uploaded = await p.upload.done;
      p.upload = null;
    }
    if (!state.pendings.has(p.clientId)) return;
    p.phase = 'sending';
    changed('chat');
    const sent = body(p);
    const d = await api('POST', '/api/auth/messages', sent);
    confirmed(p, d, sent);
  } catch (e) {
    p.upload = null;
    if (e.code === 401 || e.code === -1 || !state.pendings.has(p.clientId)) return;
    p.state = 'failed';
    const uploading = p.phase === 'uploading';
    p.error = e.code === 0 ? (uploading ? '网络错误，上传失败' : '网络错误，发送失败') : e.message;
    // An upload is retried by itself a few times only: a server that closes the connection
    // on a too-large file can look like a network failure.
    p.auto = transient(e) && (p.kind === 'text' || p.tries < 3);
    // While the stream is up, try again by itself a little later; after a disconnect the
    // reconnection retries every unsent message (retryPending).
    if (p.auto && state.conn === 'connected') p.timer = setTimeout(() => sendPending(p), Math.min(30000, 1000 * 2 ** p.tries));
  } finally {
    p.inFlight = false;
    changed('chat');
  }
}

/** The server stored it: the unsent entry becomes the message (unless the event came first). */
function confirmed(p, d, sent) {
  if (!state.pendings.has(p.clientId)) return;
  settle(p.clientId);
  const u = p.uploaded;
  const m = {
    id: d.message_id,
    sender_id: state.me.user_id,
    sender_name: '我',
    type: sent.type || 'text',
    content: p.kind === 'text' ? p.content : '',
    attachment: u
      ? { file_id: u.file_id, name: u.name, mime: u.mime, size: u.size, width: u.width, height: u.height, duration_ms: sent.duration_ms ?? null, url: u.url, thumbnail_url: u.thumbnail_url }
      : null,
    status: statusOf().normal,
    created_at: d.created_at,
    reply_to: p.quote ? { ...p.quote, status: statusOf().normal } : null,
    mentions: p.mentions || [],
  };
  putLive(p.convId, [m]);
  const c = state.convs.get(p.convId);
  if (c && Date.parse(d.created_at) >= (Date.parse(c.last_message_time) || 0)) notePreview(p.convId, m);
}

/** An unsent message is now stored (its answer, or its event on this device came first):
 * it leaves the pendings; a photo's local preview stays under the thumbnail until it loads. */
export function settle(clientId) {
  const p = state.pendings.get(clientId);
  if (!p) return;
  clearTimeout(p.timer);
  state.pendings.delete(clientId);
  if (p.preview && p.uploaded) keepPreview(p.uploaded.file_id, p.preview);
  else if (p.preview) p.preview.close();
  changed('chat');
}

/** After reconnecting: every unsent message whose failure was not the server's "no". */
export function retryPending() {
  for (const p of state.pendings.values()) if (p.state === 'failed' && p.auto) sendPending(p);
}

export function cancelPending(clientId) {
  const p = state.pendings.get(clientId);
  if (!p) return;
  clearTimeout(p.timer);
  if (p.upload) p.upload.abort();
  state.pendings.delete(clientId);
  if (p.preview) p.preview.close();
  changed('chat');
}

/** Signing out: every unsent message goes, uploads under way are stopped. */
export function dropPendings() {
  for (const p of state.pendings.values()) {
    clearTimeout(p.timer);
    if (p.upload) p.upload.abort();
  }
}
