// Setting an avatar (one's own in 我的, a group's in 群信息): pick an image, crop its centred
// square on a canvas to at most 512×512 JPEG, upload it (with progress), then
// `PUT /api/auth/me/avatar` or `PUT /api/auth/conversations/{id}/avatar` with its file_id.

import { api, seg, upload } from './api.js';
import { toast } from './dom.js';

const SIDE = 512;

/** The centred square of an image file as a JPEG of at most SIDE×SIDE. */
export async function squareJpeg(file) {
  if (!window.createImageBitmap) throw new Error('这个浏览器不能裁剪图片');
  let bitmap;
  try {
    bitmap = await createImageBitmap(file); // EXIF orientation applied
  } catch {
    throw new Error('无法读取这张图片，请换一张 JPEG 或 PNG 图片');
  }
  const s = Math.min(bitmap.width, bitmap.height);
  const side = Math.min(SIDE, s);
  const canvas = document.createElement('canvas');
  canvas.width = side;
  canvas.height = side;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#fff'; // a transparent PNG gets white behind it, not JPEG's black
  ctx.fillRect(0, 0, side, side);
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, (bitmap.width - s) / 2, (bitmap.height - s) / 2, s, s, 0, 0, side, side);
  bitmap.close();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.9));
  if (!blob) throw new Error('无法裁剪图片');
  return blob;
}

/**
 * Crops, uploads and sets an avatar: `target` is `{ me: true }` or `{ conversationId }`.
 * `status(text)` is told each step ('' when done); returns the PUT's data, or null when it
 * failed (the reason shown as a toast and in `status`).
 */
export async function setAvatar(target, file, status) {
  try {
    status('正在裁剪…');
    const jpeg = await squareJpeg(file);
    const up = upload(jpeg, 'avatar.jpg', (f) => status(`上传中 ${Math.round(f * 100)}%`));
    const uploaded = await up.done;
    status('正在保存…');
    const path = target.me ? '/api/auth/me/avatar' : `/api/auth/conversations/${seg(target.conversationId)}/avatar`;
    const data = await api('PUT', path, { file_id: uploaded.file_id });
    status('');
    toast(target.me ? '头像已更新' : '群头像已更新', 'ok');
    return data || {};
  } catch (e) {
    const text = e.code === 0 ? '网络错误，头像未更新' : e.message || '头像未更新';
    status(text);
    if (e.code !== 401) toast(text);
    return null;
  }
}

/** Removes one's own avatar (`DELETE /api/auth/me/avatar`); the profile, or null. */
export async function removeMyAvatar(status) {
  try {
    status('正在移除…');
    const data = await api('DELETE', '/api/auth/me/avatar');
    status('');
    toast('头像已移除', 'ok');
    return data || {};
  } catch (e) {
    status(e.message);
    if (e.code !== 401) toast(e.message);
    return null;
  }
}
