// Side panels (dialogs): friends, new group, group info, profile.

import { api, request, seg, setToken } from './api.js';
import { $, h, toast, busy } from './dom.js';

let ctx = null; // callbacks from app.js: getMe, setMe, findConversation, refreshConversations, openConversation, closeChat
const friendsState = { friends: [], incoming: [], outgoing: [] };
let groupInfoId = null;
let groupMembers = [];

const nameOf = (u) => `${u.display_name}（@${u.username}）`;

// ---------------------------------------------------------------- friends

export async function reloadFriends() {
  if (!ctx || !ctx.getMe()) return;
  try {
    const [friends, reqs] = await Promise.all([
      api('GET', '/api/auth/friends'),
      api('GET', '/api/auth/friends/requests'),
    ]);
    friendsState.friends = friends || [];
    friendsState.incoming = (reqs && reqs.incoming) || [];
    friendsState.outgoing = (reqs && reqs.outgoing) || [];
  } catch (e) {
    if (e.code !== 401) toast(e.message);
    return;
  }
  const badge = $('#friend-badge');
  badge.textContent = String(friendsState.incoming.length);
  badge.hidden = friendsState.incoming.length === 0;
  if ($('#friends-dialog').open) renderFriends();
  if ($('#group-create-dialog').open) renderGroupCreateFriends();
  if ($('#group-info-dialog').open) renderInviteList();
}

function renderFriends() {
  const empty = (text) => h('li', { class: 'muted' }, text);
  const inc = friendsState.incoming.map((r) =>
    h(
      'li',
      { class: 'row-item', 'data-testid': 'incoming-request', 'data-id': r.request_id },
      h('span', { class: 'grow' }, nameOf(r), r.message ? h('span', { class: 'muted small block' }, r.message) : null),
      h('button', { type: 'button', 'data-testid': 'request-accept', onclick: (e) => answerRequest(e.currentTarget, r.request_id, 'accept') }, '接受'),
      h('button', { type: 'button', 'data-testid': 'request-reject', onclick: (e) => answerRequest(e.currentTarget, r.request_id, 'reject') }, '拒绝')
    )
  );
  $('#incoming-list').replaceChildren(...(inc.length ? inc : [empty('暂无')]));

  const out = friendsState.outgoing.map((r) =>
    h('li', { class: 'row-item', 'data-testid': 'outgoing-request', 'data-id': r.request_id },
      h('span', { class: 'grow' }, nameOf(r)), h('span', { class: 'muted small' }, '等待验证'))
  );
  $('#outgoing-list').replaceChildren(...(out.length ? out : [empty('暂无')]));

  const fr = friendsState.friends.map((f) =>
    h(
      'li',
      { class: 'row-item', 'data-testid': 'friend-item', 'data-id': f.user_id },
      h('span', { class: 'grow' }, nameOf(f)),
      h('button', { type: 'button', class: 'primary', 'data-testid': 'friend-chat-button', onclick: (e) => startPrivate(e.currentTarget, f.user_id) }, '发消息'),
      h('button', { type: 'button', class: 'danger', 'data-testid': 'friend-remove-button', onclick: (e) => removeFriend(e.currentTarget, f) }, '删除')
    )
  );
  $('#friend-list').replaceChildren(...(fr.length ? fr : [empty('还没有好友，先搜索用户并发送好友请求吧')]));
}

async function answerRequest(btn, id, action) {
  await busy(btn, async () => {
    const res = await request('POST', `/api/auth/friends/requests/${seg(id)}/${action}`);
    toast(res.message, 'ok');
    await reloadFriends();
  });
}

async function startPrivate(btn, userId) {
  await busy(btn, async () => {
    const d = await api('POST', '/api/auth/conversations/private', { friend_id: userId });
    $('#friends-dialog').close();
    await ctx.refreshConversations();
    ctx.openConversation(d.conversation_id);
  });
}

async function removeFriend(btn, f) {
  if (!window.confirm(`确定删除好友 ${f.display_name}？`)) return;
  await busy(btn, async () => {
    const res = await request('DELETE', `/api/auth/friends/${seg(f.user_id)}`);
    toast(res.message, 'ok');
    await reloadFriends();
  });
}

async function searchUsers(e) {
  e.preventDefault();
  const q = $('#user-search-input').value.trim();
  if (!q) {
    toast('请输入搜索内容');
    return;
  }
  await busy(e.submitter, async () => {
    const users = (await api('GET', `/api/auth/users?q=${encodeURIComponent(q)}`)) || [];
    const items = users.map((u) => {
      const pending = friendsState.outgoing.some((r) => r.user_id === u.user_id);
      const action = u.is_friend
        ? h('button', { type: 'button', 'data-testid': 'friend-chat-button', onclick: (ev) => startPrivate(ev.currentTarget, u.user_id) }, '发消息')
        : h('button', { type: 'button', class: 'primary', 'data-testid': 'add-friend-button', onclick: (ev) => sendRequest(ev.currentTarget, u.user_id) }, pending ? '再次发送' : '加好友');
      return h('li', { class: 'row-item', 'data-testid': 'user-search-result', 'data-id': u.user_id }, h('span', { class: 'grow' }, nameOf(u)), action);
    });
    $('#user-search-results').replaceChildren(...(items.length ? items : [h('li', { class: 'muted' }, '没有找到用户')]));
  });
}

async function sendRequest(btn, userId) {
  const done = await busy(btn, async () => {
    const body = { user_id: userId };
    const note = $('#friend-request-message').value.trim();
    if (note) body.message = note;
    const res = await request('POST', '/api/auth/friends/requests', body);
    toast(res.message, 'ok');
    await reloadFriends();
    return res.code === 200 ? '已成为好友' : '已发送';
  });
  if (done) {
    btn.textContent = done;
    btn.disabled = true;
  }
}

// ---------------------------------------------------------------- groups

function friendChecklist(friends, testid) {
  if (!friends.length) return [h('li', { class: 'muted' }, '没有可选的好友')];
  return friends.map((f) =>
    h('li', {}, h('label', { class: 'check' },
      h('input', { type: 'checkbox', value: f.user_id, 'data-testid': testid }), nameOf(f)))
  );
}

const checkedIds = (ul) => [...ul.querySelectorAll('input[type=checkbox]:checked')].map((i) => i.value);

function renderGroupCreateFriends() {
  const keep = new Set(checkedIds($('#group-create-friends')));
  $('#group-create-friends').replaceChildren(...friendChecklist(friendsState.friends, 'group-member-checkbox'));
  for (const i of $('#group-create-friends').querySelectorAll('input')) i.checked = keep.has(i.value);
}

async function createGroup(e) {
  e.preventDefault();
  const name = $('#group-name-input').value.trim();
  const ids = checkedIds($('#group-create-friends'));
  if (!name) return toast('请输入群名称');
  if (!ids.length) return toast('请至少选择一位好友');
  await busy(e.submitter, async () => {
    const d = await api('POST', '/api/auth/conversations/group', { name, member_ids: ids });
    $('#group-create-dialog').close();
    $('#group-name-input').value = '';
    await ctx.refreshConversations();
    ctx.openConversation(d.conversation_id);
  });
}

export async function openGroupInfo(convId) {
  groupInfoId = convId;
  groupMembers = [];
  const c = ctx.findConversation(convId);
  $('#group-rename-input').value = c ? c.title : '';
  $('#group-members').replaceChildren(h('li', { class: 'muted' }, '加载中…'));
  $('#group-invite-friends').replaceChildren();
  const dlg = $('#group-info-dialog');
  if (!dlg.open) dlg.showModal();
  await loadMembers();
}

export function refreshGroupInfoIfOpen(convId) {
  if ($('#group-info-dialog').open && groupInfoId === convId) loadMembers();
}

async function loadMembers() {
  const id = groupInfoId;
  try {
    const members = (await api('GET', `/api/auth/conversations/${seg(id)}/members`)) || [];
    if (id !== groupInfoId) return;
    groupMembers = members;
  } catch (e) {
    if (e.code !== 401) toast(e.message);
    return;
  }
  const me = ctx.getMe();
  const iAmOwner = groupMembers.some((m) => m.user_id === me.user_id && m.role === 'owner');
  $('#group-members-title').textContent = `成员（${groupMembers.length}）`;
  $('#group-members').replaceChildren(
    ...groupMembers.map((m) =>
      h(
        'li',
        { class: 'row-item', 'data-testid': 'group-member-item', 'data-id': m.user_id },
        h('span', { class: 'grow' }, m.user_id === me.user_id ? `${nameOf(m)} · 我` : nameOf(m)),
        m.role === 'owner' ? h('span', { class: 'tag' }, '群主') : null,
        iAmOwner && m.user_id !== me.user_id
          ? h('button', { type: 'button', class: 'danger', 'data-testid': 'group-remove-member', onclick: (e) => removeMember(e.currentTarget, m) }, '移出')
          : null
      )
    )
  );
  renderInviteList();
}

function renderInviteList() {
  const inGroup = new Set(groupMembers.map((m) => m.user_id));
  const candidates = friendsState.friends.filter((f) => !inGroup.has(f.user_id));
  $('#group-invite-friends').replaceChildren(...friendChecklist(candidates, 'group-invite-checkbox'));
}

async function removeMember(btn, m) {
  if (!window.confirm(`确定将 ${m.display_name} 移出群聊？`)) return;
  await busy(btn, async () => {
    const res = await request('DELETE', `/api/auth/conversations/${seg(groupInfoId)}/members/${seg(m.user_id)}`);
    toast(res.message, 'ok');
    await loadMembers();
  });
}

async function inviteMembers(e) {
  e.preventDefault();
  const ids = checkedIds($('#group-invite-friends'));
  if (!ids.length) return toast('请至少选择一位好友');
  await busy(e.submitter, async () => {
    const res = await request('POST', `/api/auth/conversations/${seg(groupInfoId)}/members`, { member_ids: ids });
    toast(res.message, 'ok');
    await loadMembers();
  });
}

async function renameGroup(e) {
  e.preventDefault();
  const name = $('#group-rename-input').value.trim();
  if (!name) return toast('请输入群名称');
  await busy(e.submitter, async () => {
    const res = await request('PATCH', `/api/auth/conversations/${seg(groupInfoId)}`, { name });
    toast(res.message, 'ok');
    await ctx.refreshConversations();
  });
}

async function leaveGroup(e) {
  if (!window.confirm('确定退出该群聊？')) return;
  const id = groupInfoId;
  await busy(e.currentTarget, async () => {
    const res = await request('DELETE', `/api/auth/conversations/${seg(id)}/members/${seg(ctx.getMe().user_id)}`);
    toast(res.message, 'ok');
    $('#group-info-dialog').close();
    ctx.closeChat();
    await ctx.refreshConversations();
  });
}

// ---------------------------------------------------------------- profile

async function saveProfile(e) {
  e.preventDefault();
  const display_name = $('#profile-display-name').value.trim();
  if (!display_name) return toast('昵称不能为空');
  await busy(e.submitter, async () => {
    const me = await api('PATCH', '/api/auth/me', { display_name });
    ctx.setMe(me);
    toast('昵称已保存', 'ok');
  });
}

async function changePassword(e) {
  e.preventDefault();
  await busy(e.submitter, async () => {
    const res = await request('PUT', '/api/auth/me/password', {
      old_password: $('#password-old').value,
      new_password: $('#password-new').value,
    });
    setToken(res.data.token); // every older token, this one's predecessor included, is now revoked
    $('#password-old').value = '';
    $('#password-new').value = '';
    toast(res.message, 'ok');
  });
}

// ---------------------------------------------------------------- wiring

export function closeAllDialogs() {
  for (const d of document.querySelectorAll('dialog')) if (d.open) d.close();
  groupInfoId = null;
}

export function initPanels(context) {
  ctx = context;
  for (const btn of document.querySelectorAll('dialog [data-close]')) {
    btn.addEventListener('click', () => btn.closest('dialog').close());
  }
  $('#btn-friends').addEventListener('click', () => {
    renderFriends();
    $('#friends-dialog').showModal();
    reloadFriends();
  });
  $('#btn-new-group').addEventListener('click', () => {
    renderGroupCreateFriends();
    $('#group-create-dialog').showModal();
    reloadFriends();
  });
  $('#btn-profile').addEventListener('click', () => {
    const me = ctx.getMe();
    $('#profile-username').textContent = me ? me.username : '';
    $('#profile-display-name').value = me ? me.display_name : '';
    $('#profile-dialog').showModal();
  });
  $('#user-search-form').addEventListener('submit', searchUsers);
  $('#group-create-form').addEventListener('submit', createGroup);
  $('#group-invite-form').addEventListener('submit', inviteMembers);
  $('#group-rename-form').addEventListener('submit', renameGroup);
  $('#btn-leave-group').addEventListener('click', leaveGroup);
  $('#profile-form').addEventListener('submit', saveProfile);
  $('#password-form').addEventListener('submit', changePassword);
}
