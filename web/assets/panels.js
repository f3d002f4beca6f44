// Panels (dialogs): friends and user search, new group, group info, profile (with logout).
// Rendered from the store; listeners are delegated per panel.

import { api, request, seg, setToken } from './api.js';
import { $, h, avatar, toast, busy } from './dom.js';
import { state, subscribe, changed, renameUser, noteUsers, patchConv, avatarKey } from './store.js';
import { loadList, loadFriends, loadMembers as fetchMembers, openChat, closeChat, ensureConv } from './actions.js';
import { setAvatar, removeMyAvatar } from './avatars.js';
import { leaving, hooks } from './live.js';
import { navSync } from './nav.js';
import { showInPanel, announcementChanged } from './announce.js';
import { clearHistory } from './view-conv-menu.js';
import { openFriendCard } from './view-remark.js';

let ctx = null; // from app.js: logout()
let searchResults = null; // the last user search's answer, drawn against the current friends
const sentTo = new Set(); // users this page sent a request to (until the lists say more)
let groupInfoId = null;
let groupMembers = [];

const nameOf = (u) => `${u.display_name}（@${u.username}）`;
const empty = (text) => h('li', { class: 'muted' }, text);
const open = (id) => {
  const d = $(id);
  if (!d.open) d.showModal();
  navSync();
};
const person = (u, ...rest) => [avatar(u.user_id, u.display_name, '', u.avatar_url), h('span', { class: 'grow' }, nameOf(u), ...rest)];

// ---------------------------------------------------------------- friends

function renderFriendBadge() {
  const badge = $('#friend-badge');
  badge.textContent = String(state.incoming.length);
  badge.hidden = state.incoming.length === 0;
}

function renderFriends() {
  const inc = state.incoming.map((r) =>
    h(
      'li',
      { class: 'row-item', 'data-testid': 'incoming-request', 'data-id': r.request_id },
      ...person(r, r.message ? h('span', { class: 'muted small block' }, r.message) : null),
      h('button', { type: 'button', 'data-act': 'accept', 'data-testid': 'request-accept' }, '接受'),
      h('button', { type: 'button', 'data-act': 'reject', 'data-testid': 'request-reject' }, '拒绝')
    )
  );
  $('#incoming-list').replaceChildren(...(inc.length ? inc : [empty('暂无')]));
  const out = state.outgoing.map((r) =>
    h('li', { class: 'row-item', 'data-testid': 'outgoing-request', 'data-id': r.request_id }, ...person(r), h('span', { class: 'muted small' }, '等待验证'))
  );
  $('#outgoing-list').replaceChildren(...(out.length ? out : [empty('暂无')]));
  // A remark (备注) first, the friend's own name small and grey below it.
  const fr = state.friends.map((f) =>
    h(
      'li',
      { class: 'row-item', 'data-testid': 'friend-item', 'data-id': f.user_id },
      ...(f.remark ? person({ ...f, display_name: f.remark }, h('span', { class: 'muted small block', 'data-testid': 'friend-nickname' }, `昵称：${f.display_name}`)) : person(f)),
      h('button', { type: 'button', class: 'link', 'data-act': 'remark', 'data-testid': 'friend-remark-button' }, '备注'),
      h('button', { type: 'button', class: 'primary', 'data-act': 'chat', 'data-testid': 'friend-chat-button' }, '发消息'),
      h('button', { type: 'button', class: 'danger', 'data-act': 'unfriend', 'data-testid': 'friend-remove-button' }, '删除')
    )
  );
  $('#friend-list').replaceChildren(...(fr.length ? fr : [empty('还没有好友，先搜索用户并发送好友请求吧')]));
  renderSearch();
}

function renderSearch() {
  if (!searchResults) return;
  const friends = new Set(state.friends.map((f) => f.user_id));
  const pending = new Set(state.outgoing.map((r) => r.user_id));
  const items = searchResults.map((u) => {
    const me = state.me && u.user_id === state.me.user_id;
    let action;
    if (me) action = h('span', { class: 'muted small' }, '我自己');
    else if (friends.has(u.user_id))
      action = [h('span', { class: 'muted small' }, '已是好友'), h('button', { type: 'button', 'data-act': 'chat', 'data-testid': 'friend-chat-button' }, '发消息')];
    else if (pending.has(u.user_id) || sentTo.has(u.user_id))
      action = h('button', { type: 'button', disabled: true, 'data-testid': 'add-friend-button' }, '已发送');
    else action = h('button', { type: 'button', class: 'primary', 'data-act': 'request', 'data-testid': 'add-friend-button' }, '加好友');
    return h('li', { class: 'row-item', 'data-testid': 'user-search-result', 'data-id': u.user_id }, ...person(u), action);
  });
  $('#user-search-results').replaceChildren(...(items.length ? items : [empty('没有找到用户')]));
}

async function searchUsers(e) {
  e.preventDefault();
  const q = $('#user-search-input').value.trim();
  if (!q) return toast('请输入搜索内容');
  await busy(e.submitter, async () => {
    searchResults = (await api('GET', `/api/auth/users?q=${encodeURIComponent(q)}`)) || [];
    noteUsers(searchResults);
    renderSearch();
  });
}

async function startPrivate(btn, userId) {
  await busy(btn, async () => {
    const d = await api('POST', '/api/auth/conversations/private', { friend_id: userId });
    $('#friends-dialog').close();
    await ensureConv(d.conversation_id); // new, or out of the list (删除聊天)
    openChat(d.conversation_id);
  });
}

async function friendsClick(e) {
  const btn = e.target.closest('button[data-act]');
  const li = btn && btn.closest('li[data-id]');
  if (!li) return;
  const id = li.dataset.id;
  const act = btn.dataset.act;
  if (act === 'chat') return startPrivate(btn, id);
  if (act === 'remark') return openFriendCard(id);
  if (act === 'accept' || act === 'reject') {
    return busy(btn, async () => {
      const res = await request('POST', `/api/auth/friends/requests/${seg(id)}/${act}`);
      toast(res.message, 'ok');
      await loadFriends();
    });
  }
  if (act === 'unfriend') {
    const f = state.friends.find((x) => x.user_id === id);
    if (!f || !window.confirm(`确定删除好友 ${f.display_name}？`)) return undefined;
    return busy(btn, async () => {
      toast((await request('DELETE', `/api/auth/friends/${seg(id)}`)).message, 'ok');
      await loadFriends();
    });
  }
  if (act === 'request') {
    return busy(btn, async () => {
      const body = { user_id: id };
      const note = $('#friend-request-message').value.trim();
      if (note) body.message = note;
      const res = await request('POST', '/api/auth/friends/requests', body);
      toast(res.message, 'ok');
      if (res.code !== 200) sentTo.add(id);
      renderSearch();
      await loadFriends();
    });
  }
  return undefined;
}

// ---------------------------------------------------------------- groups

function friendChecklist(friends, testid, keep) {
  if (!friends.length) return [empty('没有可选的好友')];
  return friends.map((f) =>
    h(
      'li',
      {},
      h(
        'label',
        { class: 'check' },
        h('input', { type: 'checkbox', value: f.user_id, 'data-testid': testid, checked: keep.has(f.user_id) }),
        avatar(f.user_id, f.display_name, '', f.avatar_url),
        nameOf(f)
      )
    )
  );
}

const checkedIds = (ul) => [...ul.querySelectorAll('input[type=checkbox]:checked')].map((i) => i.value);

function renderGroupCreateFriends() {
  const ul = $('#group-create-friends');
  ul.replaceChildren(...friendChecklist(state.friends, 'group-member-checkbox', new Set(checkedIds(ul))));
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
    if (!state.convs.has(d.conversation_id)) await loadList();
    openChat(d.conversation_id);
  });
}

function openGroupInfo() {
  groupInfoId = state.current;
  groupMembers = [];
  const c = state.convs.get(groupInfoId);
  $('#group-rename-input').value = c ? c.title : '';
  $('#group-avatar-status').textContent = '';
  renderGroupAvatar();
  $('#group-members').replaceChildren(empty('加载中…'));
  $('#group-invite-friends').replaceChildren();
  open('#group-info-dialog');
  showInPanel(groupInfoId);
  loadMembers();
}

function renderGroupAvatar() {
  const c = state.convs.get(groupInfoId);
  $('#group-avatar').replaceChildren(avatar(c ? avatarKey(c) : groupInfoId, c ? c.title : '群', 'group', c && c.avatar_url));
}

async function loadMembers() {
  const id = groupInfoId;
  try {
    const members = (await fetchMembers(id)) || [];
    if (id !== groupInfoId) return;
    groupMembers = members;
  } catch (e) {
    if (e.code !== 401 && e.code !== 404) toast(e.message);
    return;
  }
  renderMembers();
}

function renderMembers() {
  const me = state.me;
  const iAmOwner = groupMembers.some((m) => m.user_id === me.user_id && m.role === 'owner');
  $('#group-members-title').textContent = `成员（${groupMembers.length}）`;
  $('#group-members').replaceChildren(
    ...groupMembers.map((m) =>
      h(
        'li',
        { class: 'row-item', 'data-testid': 'group-member-item', 'data-id': m.user_id },
        avatar(m.user_id, m.display_name, '', m.user_id === me.user_id ? me.avatar_url : m.avatar_url),
        h('span', { class: 'grow' }, m.user_id === me.user_id ? `${nameOf(m)} · 我` : nameOf(m)),
        m.role === 'owner' ? h('span', { class: 'tag' }, '群主') : null,
        iAmOwner && m.user_id !== me.user_id ? h('button', { type: 'button', class: 'danger', 'data-act': 'remove', 'data-testid': 'group-remove-member' }, '移出') : null
      )
    )
  );
  renderInviteList();
}

function renderInviteList() {
  const inGroup = new Set(groupMembers.map((m) => m.user_id));
  const ul = $('#group-invite-friends');
  ul.replaceChildren(...friendChecklist(state.friends.filter((f) => !inGroup.has(f.user_id)), 'group-invite-checkbox', new Set(checkedIds(ul))));
}

async function removeMember(btn, userId) {
  const m = groupMembers.find((x) => x.user_id === userId);
  if (!m || !window.confirm(`确定将 ${m.display_name} 移出群聊？`)) return;
  await busy(btn, async () => {
    toast((await request('DELETE', `/api/auth/conversations/${seg(groupInfoId)}/members/${seg(userId)}`)).message, 'ok');
    await loadMembers();
  });
}

async function inviteMembers(e) {
  e.preventDefault();
  const ids = checkedIds($('#group-invite-friends'));
  if (!ids.length) return toast('请至少选择一位好友');
  await busy(e.submitter, async () => {
    toast((await request('POST', `/api/auth/conversations/${seg(groupInfoId)}/members`, { member_ids: ids })).message, 'ok');
    await loadMembers();
  });
}

async function renameGroup(e) {
  e.preventDefault();
  const name = $('#group-rename-input').value.trim();
  if (!name) return toast('请输入群名称');
  await busy(e.submitter, async () => {
    toast((await request('PATCH', `/api/auth/conversations/${seg(groupInfoId)}`, { name })).message, 'ok');
  });
}

async function leaveGroup(e) {
  if (!window.confirm('确定退出该群聊？')) return;
  const id = groupInfoId;
  leaving.add(id);
  const ok = await busy(e.currentTarget, async () => {
    const res = await request('DELETE', `/api/auth/conversations/${seg(id)}/members/${seg(state.me.user_id)}`);
    toast(res.message, 'ok');
    $('#group-info-dialog').close();
    if (state.current === id) closeChat();
    return true;
  });
  if (!ok) leaving.delete(id);
}

// ---------------------------------------------------------------- profile

async function saveProfile(e) {
  e.preventDefault();
  const display_name = $('#profile-display-name').value.trim();
  if (!display_name) return toast('昵称不能为空');
  await busy(e.submitter, async () => {
    const me = await api('PATCH', '/api/auth/me', { display_name });
    renameUser(state.me.user_id, me.display_name);
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

function renderProfileAvatar() {
  const me = state.me;
  $('#profile-avatar').replaceChildren(avatar(me && me.user_id, me && me.display_name, '', me && me.avatar_url));
  $('#btn-avatar-remove').hidden = !(me && me.avatar_url);
}

/** Runs an avatar change with its button disabled and its steps in `statusEl`. */
async function avatarJob(button, statusEl, job) {
  button.disabled = true;
  try {
    return await job((text) => {
      statusEl.textContent = text;
    });
  } finally {
    button.disabled = false;
  }
}

async function pickMyAvatar(input) {
  const file = input.files && input.files[0];
  input.value = '';
  if (!file) return;
  const data = await avatarJob($('#btn-avatar-pick'), $('#avatar-status'), (status) => setAvatar({ me: true }, file, status));
  if (data && state.me) {
    state.me = { ...state.me, ...data };
    changed('me', 'chat');
  }
}

async function removeAvatar() {
  const data = await avatarJob($('#btn-avatar-remove'), $('#avatar-status'), removeMyAvatar);
  if (data && state.me) {
    state.me = { ...state.me, ...data, avatar_url: null };
    changed('me', 'chat');
  }
}

async function pickGroupAvatar(input) {
  const file = input.files && input.files[0];
  input.value = '';
  const id = groupInfoId;
  if (!file || !id) return;
  const target = { conversationId: id };
  const data = await avatarJob($('#btn-group-avatar-pick'), $('#group-avatar-status'), (status) => setAvatar(target, file, status));
  if (data && data.avatar_url !== undefined) patchConv(id, { avatar_url: data.avatar_url });
}

// ---------------------------------------------------------------- wiring

export function closeAllDialogs() {
  for (const d of document.querySelectorAll('dialog')) if (d.open) d.close();
  groupInfoId = null;
  searchResults = null;
  sentTo.clear();
  $('#user-search-results').replaceChildren();
}

/** @param {{ logout: () => Promise<void> }} app */
export function initPanels(app) {
  ctx = app;
  for (const btn of document.querySelectorAll('dialog [data-close]')) btn.addEventListener('click', () => btn.closest('dialog').close());
  $('#btn-friends').addEventListener('click', () => {
    renderFriends();
    open('#friends-dialog');
  });
  $('#btn-new-group').addEventListener('click', () => {
    renderGroupCreateFriends();
    open('#group-create-dialog');
  });
  $('#btn-profile').addEventListener('click', () => {
    $('#profile-username').textContent = state.me ? state.me.username : '';
    $('#profile-display-name').value = state.me ? state.me.display_name : '';
    $('#avatar-status').textContent = '';
    renderProfileAvatar();
    open('#profile-dialog');
  });
  $('#btn-group-info').addEventListener('click', openGroupInfo);
  $('#friends-dialog').addEventListener('click', friendsClick);
  $('#group-members').addEventListener('click', (e) => {
    const btn = e.target.closest('button[data-act="remove"]');
    if (btn) removeMember(btn, btn.closest('li').dataset.id);
  });
  $('#user-search-form').addEventListener('submit', searchUsers);
  $('#group-create-form').addEventListener('submit', createGroup);
  $('#group-invite-form').addEventListener('submit', inviteMembers);
  $('#group-rename-form').addEventListener('submit', renameGroup);
  $('#btn-leave-group').addEventListener('click', leaveGroup);
  $('#btn-group-clear').addEventListener('click', async (e) => {
    if (await clearHistory(groupInfoId, e.currentTarget)) $('#group-info-dialog').close();
  });
  $('#profile-form').addEventListener('submit', saveProfile);
  $('#btn-avatar-pick').addEventListener('click', () => $('#avatar-input').click());
  $('#avatar-input').addEventListener('change', (e) => pickMyAvatar(e.currentTarget));
  $('#btn-avatar-remove').addEventListener('click', removeAvatar);
  $('#btn-group-avatar-pick').addEventListener('click', () => $('#group-avatar-input').click());
  $('#group-avatar-input').addEventListener('change', (e) => pickGroupAvatar(e.currentTarget));
  $('#password-form').addEventListener('submit', changePassword);
  $('#btn-logout').addEventListener('click', () => open('#logout-dialog'));
  $('#logout-ok').addEventListener('click', async () => {
    const btn = $('#logout-ok');
    btn.disabled = true;
    await ctx.logout();
    btn.disabled = false;
  });
  hooks.announcementChanged = announcementChanged;
  hooks.groupChanged = (id) => {
    if ($('#group-info-dialog').open && id && groupInfoId === id) loadMembers();
  };
  hooks.removedFrom = (id) => {
    if (groupInfoId === id && $('#group-info-dialog').open) $('#group-info-dialog').close();
  };
  subscribe((ch) => {
    if (ch.has('friends')) {
      renderFriendBadge();
      if ($('#friends-dialog').open) renderFriends();
      if ($('#group-create-dialog').open) renderGroupCreateFriends();
      if ($('#group-info-dialog').open && groupMembers.length) renderInviteList();
    }
    if (ch.has('me')) {
      $('#me-name').textContent = state.me ? state.me.display_name : '';
      $('#me-avatar').replaceChildren(state.me ? avatar(state.me.user_id, state.me.display_name, '', state.me.avatar_url) : '');
      if ($('#profile-dialog').open) renderProfileAvatar();
      if ($('#group-info-dialog').open && groupMembers.length) renderMembers();
    }
    if (ch.has('list') && $('#group-info-dialog').open && groupInfoId) renderGroupAvatar();
    if (ch.has('members') && $('#group-info-dialog').open && groupInfoId && state.members.has(groupInfoId)) {
      groupMembers = state.members.get(groupInfoId);
      renderMembers();
    }
  });
  changed('me');
}
