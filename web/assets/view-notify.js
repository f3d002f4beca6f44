// 我的 → 通知: ntfy settings (API.md §15).
//
// The server replaces the whole setting on PUT, and never shows the token back (only masked).
// So a saved token is shown as the field's placeholder; the token is sent only when typed,
// and saving with the field left empty while a token is set clears it, after a confirmation
// (the hint under the field says so).

import { api } from './api.js';
import { $, toast, busy } from './dom.js';

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
