// 我的 → 通知: the Web Push switch and the ntfy settings (API.md §15).
//
// The server replaces the whole setting on PUT, and never shows the token back (only masked).
// So a saved token is shown as the field's placeholder; the token is sent only when typed,
// and saving with the field left empty while a token is set clears it, after a confirmation
// (the hint under the field says so).

import { api } from './api.js';
import { $, toast, busy } from './dom.js';
import { state } from './store.js';

let maskedToken = null; // the saved token, masked (`••••abcd`), or null

function show(s) {
  $('#ntfy-url').value = s.ntfy_url || '';
  $('#ntfy-token').value = '';
  maskedToken = s.ntfy_token || null;
  $('#ntfy-token').placeholder = maskedToken ? `访问令牌：${maskedToken}` : '访问令牌（可选）';
  $('#ntfy-token-hint').hidden = !maskedToken;
  $('#ntfy-show-content').checked = s.show_content !== false;
}

async function loadNtfy() {
  const status = $('#ntfy-status');
  status.textContent = '正在加载…';
  $('#ntfy-save').disabled = true;
  try {
    show(await api('GET', '/api/auth/me/notifications'));
    status.textContent = '';
  } catch (e) {
    status.textContent = e.code === 401 ? '' : `加载失败：${e.message}`;
  } finally {
    $('#ntfy-save').disabled = false;
  }
}

async function saveNtfy(e) {
  e.preventDefault();
  const ntfy_url = $('#ntfy-url').value.trim() || null;
  const typed = $('#ntfy-token').value.trim();
  if (maskedToken && !typed && !window.confirm('未输入访问令牌，保存后将清除已设置的令牌。继续？')) return;
  const body = { ntfy_url, ntfy_token: ntfy_url && typed ? typed : null, show_content: $('#ntfy-show-content').checked };
  $('#ntfy-status').textContent = '';
  await busy(e.submitter || $('#ntfy-save'), async () => {
    show(await api('PUT', '/api/auth/me/notifications', body));
    toast(ntfy_url ? '通知设置已保存' : '已关闭 ntfy 通知', 'ok');
  });
}

export function initNotify() {
  $('#btn-profile').addEventListener('click', loadNtfy);
  $('#ntfy-form').addEventListener('submit', saveNtfy);
}

// ---------------------------------------------------------------- Web Push (新消息通知)
//
// Shown when the browser has the Push API and the service worker (sw.js) is active. The
// permission is asked only on the switch's click; the subscription uses the server's VAPID
// key (`/api/info`) and is POSTed to the server; switching off (and logging out) DELETEs it
// there and unsubscribes the browser. A subscription the browser still has when the app
// starts is POSTed again: it belongs to whoever is signed in on this browser now.

const pushSupported = () => 'PushManager' in window && 'serviceWorker' in navigator && window.isSecureContext && 'Notification' in window;

async function activeWorker() {
  if (!pushSupported()) return null;
  const reg = await navigator.serviceWorker.getRegistration('/');
  return reg && reg.active ? reg : null;
}

/** The VAPID public key (base64url) as bytes. */
function keyBytes(b64url) {
  const b64 = b64url.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

async function postSubscription(sub) {
  const { endpoint, keys } = sub.toJSON();
  await api('POST', '/api/auth/push/subscriptions', { endpoint, keys: { p256dh: keys.p256dh, auth: keys.auth } });
}

async function renderPush() {
  const reg = state.info.vapid_public_key ? await activeWorker() : null;
  $('#push-row').hidden = !reg;
  if (!reg) return;
  const blocked = Notification.permission === 'denied';
  const sub = blocked ? null : await reg.pushManager.getSubscription();
  $('#push-toggle').checked = !!sub;
  $('#push-toggle').disabled = blocked;
  $('#push-state').textContent = blocked ? '被浏览器阻止' : sub ? '开启' : '关闭';
}

async function subscribe() {
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') {
    toast(permission === 'denied' ? '通知已被浏览器阻止，请在浏览器的网站设置中允许' : '未允许通知');
    return;
  }
  const reg = await activeWorker();
  if (!reg) throw new Error('通知暂不可用，请刷新页面后重试');
  const options = { userVisibleOnly: true, applicationServerKey: keyBytes(state.info.vapid_public_key) };
  let sub;
  try {
    sub = await reg.pushManager.subscribe(options);
  } catch (e) {
    // A subscription made with another key (the server's key changed): replace it.
    const old = await reg.pushManager.getSubscription();
    if (!old) throw e;
    await old.unsubscribe();
    sub = await reg.pushManager.subscribe(options);
  }
  await postSubscription(sub);
  toast('已开启新消息通知', 'ok');
}

/** Ends this browser's subscription on the server and in the browser (no-op without one). */
export async function unsubscribePush() {
  const reg = await activeWorker();
  const sub = reg && (await reg.pushManager.getSubscription());
  if (!sub) return;
  await api('DELETE', '/api/auth/push/subscriptions', { endpoint: sub.endpoint });
  await sub.unsubscribe();
}

async function togglePush(e) {
  const box = e.currentTarget;
  const on = box.checked;
  $('#push-state').textContent = on ? '正在开启…' : '正在关闭…';
  box.disabled = true;
  try {
    if (on) await subscribe();
    else {
      await unsubscribePush();
      toast('已关闭新消息通知', 'ok');
    }
  } catch (err) {
    if (err && err.code !== 401) toast(err.message ? `操作失败：${err.message}` : '操作失败');
  } finally {
    box.disabled = false;
    await renderPush().catch(() => {});
  }
}

/** At start: a subscription the browser kept goes to the signed-in user again. */
export async function resyncPush() {
  try {
    const reg = Notification.permission === 'granted' ? await activeWorker() : null;
    const sub = reg && (await reg.pushManager.getSubscription());
    if (sub) await postSubscription(sub);
  } catch {
    /* the switch shows the state when 我的 is opened */
  }
}

export function initPush() {
  $('#btn-profile').addEventListener('click', () => renderPush().catch(() => {}));
  $('#push-toggle').addEventListener('change', togglePush);
}
