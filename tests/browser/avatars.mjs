// Avatars in the web client, in real headless Chromium (issue 15; needs the server's avatar
// endpoints, API.md §12 "Avatars").
//
// A (desktop), B (phone) and C (desktop): A is friends with both, B and C are not friends
// with each other; the three share a group. A sets an avatar from 我的 (a 4:3 photo, cropped
// to a square): A's own header and profile show it, and without a reload B sees it on their
// chat in the list, in the chat's header and beside A's messages, and C beside A's group
// messages. B sets one too: C, who knows B only as a group member, sees it beside B's group
// message. A sets the group's avatar from 群信息: B's list and C's header show it. A removes
// their avatar: B's list is back to the initial.

import {
  assert,
  DESKTOP,
  PHONE,
  until,
  tid,
  convItem,
  register,
  befriend,
  send,
  openChat,
  openPrivateChat,
  createGroup,
  waitForMessage,
  makeImage,
  scenario,
} from './lib.mjs';

/** Whether `locator` (an avatar) shows a loaded picture; its natural size when it does. */
function picture(locator) {
  return locator.evaluate((el) => {
    const img = el.querySelector('[data-testid="avatar-image"]');
    return img && img.complete && img.naturalWidth > 0 ? { w: img.naturalWidth, h: img.naturalHeight } : null;
  });
}

/** The avatars beside the open chat's messages from `name`, as pictures or null. */
function senderPictures(u, name) {
  return u.page.evaluate((name) => {
    const out = [];
    for (const li of document.querySelectorAll('#msg-list > li[data-id^="m_"]')) {
      const sender = li.querySelector('[data-testid="message-sender"]');
      if (!sender || sender.textContent !== name) continue;
      const img = li.querySelector('.msg-avatar [data-testid="avatar-image"]');
      out.push(!!(img && img.complete && img.naturalWidth > 0));
    }
    return out;
  }, name);
}

/** Sets `u`'s avatar from 我的 with a picture of `w`×`h`; waits until the panel shows it. */
async function setMyAvatar(u, w, h) {
  const photo = await makeImage(u, w, h, 'image/jpeg');
  await tid(u.page, 'open-profile').click();
  await tid(u.page, 'avatar-input').setInputFiles({ name: 'me.jpg', mimeType: 'image/jpeg', buffer: photo });
  await until(`${u.username}'s profile to show the new avatar`, () => picture(tid(u.page, 'profile-avatar')));
  assert.equal(await tid(u.page, 'avatar-status').textContent(), '', 'no step left pending');
  const shown = await picture(tid(u.page, 'profile-avatar'));
  assert.equal(shown.w, shown.h, `cropped to a square (${shown.w}×${shown.h})`);
  await u.page.locator('#profile-dialog [data-close]').click();
}

await scenario('avatars', async (t) => {
  const a = await t.user('mama', '妈妈', DESKTOP);
  const b = await t.user('baba', '爸爸', PHONE);
  const c = await t.user('didi', '弟弟', DESKTOP);

  t.step('three users: A befriends B and C; a private chat and a group of three');
  await Promise.all([register(a), register(b), register(c)]);
  await befriend(a, b);
  await befriend(a, c);
  await openPrivateChat(a, b);
  await send(a, '我换个头像');
  await createGroup(a, '一家人', [b, c]);
  await send(a, '大家好');
  await openChat(c, '一家人');
  await waitForMessage(c, '大家好');
  for (const u of [b, c]) {
    await u.page.evaluate(() => {
      window.__sameDocument = true;
    });
  }
  assert.equal(await picture(convItem(b.page, a.displayName).getByTestId('avatar')), null, 'no avatar yet: the initial');

  t.step('A sets an avatar in 我的: a 4:3 photo cropped to a square');
  await setMyAvatar(a, 800, 600);
  await until("A's own header to show it", () => picture(a.page.locator('#me-avatar')));

  t.step('B sees it in the list, the chat header and beside the messages, without reload');
  const bItem = convItem(b.page, a.displayName);
  await until("B's list item to show A's avatar", () => picture(bItem.getByTestId('avatar')));
  await bItem.click();
  await waitForMessage(b, '我换个头像');
  await until("B's chat header to show it", () => picture(b.page.locator('#chat-avatar')));
  await until("B's chat to show it beside A's message", async () => (await senderPictures(b, a.displayName)).some(Boolean));

  t.step("C sees it beside A's group messages");
  await until("C's group chat to show A's avatar", async () => (await senderPictures(c, a.displayName)).some(Boolean));

  t.step('B sets an avatar; C, not a friend of B, sees it beside B\'s group message');
  await tid(b.page, 'back-button').click();
  await openChat(b, '一家人');
  await send(b, '我也换一个');
  await waitForMessage(c, '我也换一个');
  await tid(b.page, 'back-button').click(); // 我的 is on the list's screen on a phone
  await setMyAvatar(b, 300, 500);
  await until("C to see B's avatar from the member list", async () => (await senderPictures(c, b.displayName)).some(Boolean));

  t.step("A sets the group's avatar in 群信息: B's list and C's header show it");
  await openChat(a, '一家人');
  await tid(a.page, 'group-info-button').click();
  const groupPhoto = await makeImage(a, 640, 640, 'image/png');
  await tid(a.page, 'group-avatar-input').setInputFiles({ name: 'family.png', mimeType: 'image/png', buffer: groupPhoto });
  await until("the panel to show the group's avatar", () => picture(tid(a.page, 'group-avatar')));
  await a.page.locator('#group-info-dialog [data-close]').click();
  await waitForMessage(a, '你修改了群头像');
  await until("C's header to show the group's avatar", () => picture(c.page.locator('#chat-avatar')));
  await until("B's list to show the group's avatar", () => picture(convItem(b.page, '一家人').getByTestId('avatar')));

  t.step('A removes their avatar: B is back to the initial');
  await tid(a.page, 'open-profile').click();
  await tid(a.page, 'avatar-remove').click();
  await until("A's profile to show the initial", async () => (await picture(tid(a.page, 'profile-avatar'))) === null);
  await a.page.locator('#profile-dialog [data-close]').click();
  await until("B's list to show A's initial", async () => (await picture(convItem(b.page, a.displayName).getByTestId('avatar'))) === null);
  for (const u of [b, c]) assert.equal(await u.page.evaluate(() => window.__sameDocument), true, `${u.username} never reloaded`);
});
