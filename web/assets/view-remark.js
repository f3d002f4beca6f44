// A friend's card (`chat-info-panel`): from a private chat's ⋯ (`chat-info-button`) or a
// friend's 备注 in the friends panel (`friend-remark-button`). It shows the remark or name,
// then 昵称 and 用户名, the 设置备注 field (`remark-input`, `remark-save`: `PUT
// /api/auth/friends/{id}/remark`, blank removes it), and, from a chat, 清空聊天记录
// (`clear-history`). A remark is the server's to apply (titles, senders, members, quotes), so
// after a change (here or `friend.updated` from another device) the names are fetched again.

import { api, seg } from './api.js';
import { $, avatar, toast, busy } from './dom.js';
import { state, subscribe, charCount } from './store.js';
import { loadMembers, refreshNames } from './actions.js';
import { clearHistory } from './view-conv-menu.js';
import { hooks } from './live.js';
import { navSync } from './nav.js';

let shown = null; // { userId, convId (the private chat, or null), member (from …/members) }

const friendOf = (userId) => state.friends.find((f) => f.user_id === userId) || null;

function render() {
  if (!shown) return;
  const f = friendOf(shown.userId);
  const u = f || shown.member;
  $('#chat-info-title').textContent = shown.convId ? '聊天信息' : '好友资料';
  $('#friend-avatar').replaceChildren(avatar(shown.userId, u ? f?.remark || u.display_name : '?', '', u && u.avatar_url));
  $('#friend-name').textContent = u ? (f && f.remark) || u.display_name : '加载中…';
  $('#friend-detail').textContent = u ? `${f && f.remark ? `昵称：${u.display_name}　` : ''}用户名：${u.username || ''}` : '';
  $('#remark-form').hidden = !f;
  $('#remark-none').hidden = !u || !!f;
  $('#chat-info-conv').hidden = !shown.convId;
}

function show(userId, convId, member = null) {
  shown = { userId, convId, member };
  const f = friendOf(userId);
  $('#remark-input').value = (f && f.remark) || '';
  render();
  const d = $('#chat-info-dialog');
  if (!d.open) d.showModal();
  navSync();
}

/** A friend's card from the friends panel. */
export function openFriendCard(userId) {
  show(userId, null);
}

/** The open private chat's card: the other member from `…/members` (the list item has no id). */
async function openChatInfo() {
  const convId = state.current;
  if (!convId) return;
  shown = { userId: null, convId, member: null };
  $('#remark-input').value = '';
  render();
  $('#chat-info-dialog').showModal();
  navSync();
  try {
    const members = state.members.get(convId) || (await loadMembers(convId)) || [];
    const other = members.find((m) => !state.me || m.user_id !== state.me.user_id);
    if (other && shown && shown.convId === convId) show(other.user_id, convId, other);
  } catch (e) {
    if (e.code !== 401) toast(e.message);
  }
}

async function saveRemark(e) {
  e.preventDefault();
  const id = shown && shown.userId;
  if (!id) return;
  const remark = $('#remark-input').value.trim();
  if (charCount(remark) > 32) {
    toast('备注最多 32 个字');
    return;
  }
  await busy(e.submitter, async () => {
    const d = await api('PUT', `/api/auth/friends/${seg(id)}/remark`, { remark });
    const f = friendOf(id);
    if (f) f.remark = d ? d.remark : remark || null;
    $('#remark-input').value = (f && f.remark) || '';
    render();
    toast(remark ? '备注已保存' : '备注已删除', 'ok');
    refreshNames();
  });
}

export function initRemark() {
  $('#btn-chat-info').addEventListener('click', openChatInfo);
  $('#remark-form').addEventListener('submit', saveRemark);
  $('#chat-info-clear').addEventListener('click', async (e) => {
    const id = shown && shown.convId;
    if (await clearHistory(id, e.currentTarget)) $('#chat-info-dialog').close();
  });
  $('#chat-info-dialog').addEventListener('close', () => {
    shown = null;
  });
  const removedFrom = hooks.removedFrom;
  hooks.removedFrom = (id) => {
    removedFrom(id);
    if (shown && shown.convId === id) $('#chat-info-dialog').close();
  };
  subscribe((ch) => {
    if ((ch.has('friends') || ch.has('members')) && shown) render();
  });
}
