// 群公告: the group announcement, shown above the chat until dismissed (per announcement text),
// and in the group panel, where the owner edits it. Fetched once per group from
// `GET …/info`; `conversation.updated` with `announcement` (live.js) replaces it.

import { api, seg } from './api.js';
import { $, busy, toast } from './dom.js';
import { state, subscribe } from './store.js';

/** conversation id → its announcement (`null`: none); absent until fetched. */
const known = new Map();
/** conversation id → its owner's user id, from the same answer. */
const owners = new Map();
const fetching = new Set();
const DISMISSED = 'chatd.announcement.dismissed.';

function dismissed(id, text) {
  try {
    return localStorage.getItem(DISMISSED + id) === text;
  } catch {
    return false;
  }
}

async function fetchInfo(id) {
  if (fetching.has(id)) return;
  fetching.add(id);
  try {
    const info = await api('GET', `/api/auth/conversations/${seg(id)}/info`);
    if (info) {
      known.set(id, info.announcement);
      owners.set(id, info.owner_id);
    }
  } catch {
    /* shown on the next open */
  } finally {
    fetching.delete(id);
  }
  render();
}

/** The banner above the open chat, and the group panel's section when it is open. */
function render() {
  const id = state.current;
  const c = id && state.convs.get(id);
  const group = c && c.type === 'group';
  if (group && !known.has(id)) fetchInfo(id);
  const text = group ? known.get(id) : null;
  const banner = $('#announcement-banner');
  banner.hidden = !text || dismissed(id, text);
  $('#announcement-text').textContent = text || '';
  renderPanel();
}

let panelId = null;

function renderPanel() {
  if (!panelId || !$('#group-info-dialog').open) return;
  const text = known.get(panelId);
  $('#group-announcement').textContent = text === undefined ? '加载中…' : text || '暂无群公告';
  const mine = owners.get(panelId) === (state.me && state.me.user_id);
  $('#group-announcement-form').hidden = !mine;
}

/** The group panel opened for `id`: show the announcement, and the owner's editor. */
export function showInPanel(id) {
  panelId = id;
  $('#group-announcement-input').value = known.get(id) || '';
  if (!known.has(id)) fetchInfo(id);
  renderPanel();
}

/** From `conversation.updated`. */
export function announcementChanged(id, text) {
  known.set(id, text);
  if (panelId === id && $('#group-info-dialog').open) $('#group-announcement-input').value = text || '';
  render();
}

async function publish(e) {
  e.preventDefault();
  const id = panelId;
  const text = $('#group-announcement-input').value;
  await busy(e.submitter, async () => {
    const d = await api('PUT', `/api/auth/conversations/${seg(id)}/announcement`, { text });
    if (d) known.set(id, d.announcement);
    toast(d && d.announcement ? '群公告已更新' : '群公告已清除', 'ok');
    render();
  });
}

export function initAnnouncements() {
  subscribe((ch) => {
    if (ch.has('chat') || ch.has('list')) render();
  });
  $('#announcement-dismiss').addEventListener('click', () => {
    const id = state.current;
    const text = known.get(id);
    try {
      if (id && text) localStorage.setItem(DISMISSED + id, text);
    } catch {
      /* private mode: hidden until reload */
    }
    $('#announcement-banner').hidden = true;
  });
  $('#group-announcement-form').addEventListener('submit', publish);
}
