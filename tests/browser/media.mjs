// Photos, files and voice notes in the web client, in real headless Chromium (issue 15).
//
// A (desktop) and B (phone) are friends in a private chat. A picks two photos at once (a PNG
// and a JPEG the browser draws, of different proportions): B sees them live, each box at its
// photo's proportions before the thumbnail has loaded and unmoved after; B opens one in the
// viewer and closes it with Esc and with the back button. A drops a file on the chat; B
// downloads it and gets the same bytes. A pastes a photo while the network fails twice (the
// upload, then the send): 重试 finishes it with one upload and one message. A records a voice
// note with Chromium's fake microphone; B plays it. A recalls a photo: it leaves both
// screens and its URL stops working. B reloads as a page without a secure context: the
// history shows its attachments, and voice mode says recording needs HTTPS. With
// CHATD_SCREENSHOTS set it takes the README's media screenshots (phone and desktop).

import { readFile } from 'node:fs/promises';
import {
  assert,
  DESKTOP,
  PHONE,
  sleep,
  until,
  tid,
  waitForMessage,
  convItem,
  register,
  befriend,
  send,
  openChat,
  openPrivateChat,
  makeImage,
  apiFromPage,
  screenshot,
  scenario, reload } from './lib.mjs';

/** The open chat's stored messages of `type` (`image`, `file`, `voice`), oldest first. */
const stored = (u, type) => u.page.locator(`#msg-list > li[data-type="${type}"][data-id^="m_"]`);

/** Each image box's size and whether its thumbnail has loaded, oldest first. */
function boxes(u) {
  return u.page.evaluate(() =>
    [...document.querySelectorAll('#msg-list > li[data-id^="m_"] [data-testid="image-box"]')].map((box) => {
      const r = box.getBoundingClientRect();
      const img = box.querySelector('img');
      return { w: r.width, h: r.height, top: r.top, loaded: !!img && img.complete && img.naturalWidth > 0, src: img && img.src };
    })
  );
}

/** Sends `files` ({name, mimeType, buffer}) as a drop, or a paste, onto `u`'s open chat. */
function dropOrPaste(u, how, files) {
  const plain = files.map((f) => ({ name: f.name, type: f.mimeType, bytes: [...f.buffer] }));
  return u.page.evaluate(
    ({ how, plain }) => {
      const dt = new DataTransfer();
      for (const f of plain) dt.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.type }));
      if (how === 'paste') {
        const ev = new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true });
        document.getElementById('msg-input').dispatchEvent(ev);
        return;
      }
      const main = document.getElementById('msg-scroll');
      for (const type of ['dragenter', 'dragover', 'drop']) {
        main.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
      }
    },
    { how, plain }
  );
}

await scenario(
  'media',
  async (t) => {
    const a = await t.user('mama', '妈妈', DESKTOP);
    const b = await t.user('baba', '爸爸', PHONE);

    t.step('A and B register, become friends and open their chat');
    await Promise.all([register(a), register(b)]);
    await befriend(a, b);
    await openPrivateChat(a, b);
    await send(a, '看看今天拍的照片');
    await openChat(b, a.displayName);
    await waitForMessage(b, '看看今天拍的照片');
    await b.page.evaluate(() => {
      window.__sameDocument = true; // survives only if the page is never reloaded
    });

    t.step("B's thumbnails are held back, to see the boxes before anything loads");
    let release;
    const gate = new Promise((r) => {
      release = r;
    });
    await b.page.route('**/api/files/*/thumbnail*', async (route) => {
      await gate;
      await route.continue();
    });

    t.step('A picks two photos at once: a wide PNG and a tall JPEG');
    const wide = await makeImage(a, 320, 180, 'image/png');
    const tall = await makeImage(a, 150, 300, 'image/jpeg');
    await tid(a.page, 'attach-button').click();
    const [chooser] = await Promise.all([a.page.waitForEvent('filechooser'), tid(a.page, 'attach-photo').click()]);
    assert.equal(chooser.isMultiple(), true, 'several photos can be picked at once');
    await chooser.setFiles([
      { name: 'sunset.png', mimeType: 'image/png', buffer: wide },
      { name: 'tower.jpg', mimeType: 'image/jpeg', buffer: tall },
    ]);
    await until('both photos to be stored on A', async () => (await stored(a, 'image').count()) === 2);
    const aBoxes = await boxes(a);
    assert.ok(Math.abs(aBoxes[0].w - 240) < 1 && Math.abs(aBoxes[0].h - 135) < 1, `desktop: 240×135, got ${JSON.stringify(aBoxes[0])}`);
    assert.ok(Math.abs(aBoxes[1].w - 120) < 1 && Math.abs(aBoxes[1].h - 240) < 1, `desktop: 120×240, got ${JSON.stringify(aBoxes[1])}`);

    t.step('B sees both live, each box at its proportions before its thumbnail loads');
    await until('B to see two photos', async () => (await stored(b, 'image').count()) === 2);
    const before = await boxes(b);
    assert.deepEqual(
      before.map((x) => x.loaded),
      [false, false],
      'the thumbnails are still held back'
    );
    assert.ok(Math.abs(before[0].w - 200) < 1 && Math.abs(before[0].h - 112.5) < 1, `phone: 200×112.5, got ${JSON.stringify(before[0])}`);
    assert.ok(Math.abs(before[1].w - 100) < 1 && Math.abs(before[1].h - 200) < 1, `phone: 100×200, got ${JSON.stringify(before[1])}`);
    assert.equal(await convItem(b.page, a.displayName).isVisible(), false, 'phone: the chat covers the list');
    release();
    await until("B's thumbnails to load", async () => (await boxes(b)).every((x) => x.loaded));
    const after = await boxes(b);
    for (const [i, x] of after.entries()) {
      assert.deepEqual([x.w, x.h, x.top], [before[i].w, before[i].h, before[i].top], `photo ${i + 1} did not move or resize when it loaded`);
    }
    assert.equal(await b.page.evaluate(() => window.__sameDocument), true, 'B never reloaded');

    t.step('B opens the wide photo: the full picture, closed by Esc, then by the back button');
    const viewer = tid(b.page, 'image-viewer');
    const full = tid(b.page, 'viewer-image');
    const openFirst = async () => {
      await stored(b, 'image').first().getByTestId('image-box').click();
      await until('the viewer to show the original', async () =>
        (await viewer.isVisible()) &&
        full.evaluate((img) => img.dataset.full === '1' && img.complete && img.naturalWidth === 320 && img.naturalHeight === 180)
      );
    };
    await openFirst();
    await b.page.keyboard.press('Escape');
    await until('Esc to close the viewer', async () => !(await viewer.isVisible()));
    await openFirst();
    await b.page.goBack();
    await until('back to close the viewer', async () => !(await viewer.isVisible()));
    assert.equal(await tid(b.page, 'chat-window').isVisible(), true, 'the chat stays open behind it');
    await openFirst();
    await viewer.click({ position: { x: 20, y: 20 } });
    await until('a tap to close the viewer', async () => !(await viewer.isVisible()));

    t.step('A drops a file on the chat; B downloads the same bytes');
    const text = '家庭账单 2026\n'.repeat(200);
    const fileBytes = Buffer.from(text, 'utf8');
    await dropOrPaste(a, 'drop', [{ name: '家庭账单.txt', mimeType: 'text/plain', buffer: fileBytes }]);
    await until('the file to be stored on A', async () => (await stored(a, 'file').count()) === 1);
    await until('B to see the file', async () => (await stored(b, 'file').count()) === 1);
    const card = stored(b, 'file').first();
    assert.equal(await card.getByTestId('file-name').textContent(), '家庭账单.txt');
    assert.equal(await card.getByTestId('file-size').textContent(), `${(fileBytes.length / 1024).toFixed(1)} KB`);
    const [download] = await Promise.all([b.page.waitForEvent('download'), card.getByTestId('file-download').click()]);
    assert.equal(download.suggestedFilename(), '家庭账单.txt');
    assert.deepEqual(await readFile(await download.path()), fileBytes, 'the downloaded bytes are the sent ones');

    t.step('A pastes a photo; the upload fails, then the send: 重试 finishes it once');
    let uploads = 0;
    let imageSends = 0;
    await a.page.route('**/api/auth/files', async (route) => {
      uploads++;
      if (uploads === 1) await route.abort('connectionreset');
      else await route.continue();
    });
    await a.page.route('**/api/auth/messages', async (route) => {
      const body = route.request().postDataJSON() || {};
      if (body.type !== 'image') return route.continue();
      imageSends++;
      if (imageSends === 1) return route.abort('connectionreset');
      return route.continue();
    });
    const pasted = await makeImage(a, 200, 200, 'image/png');
    await dropOrPaste(a, 'paste', [{ name: 'image.png', mimeType: 'image/png', buffer: pasted }]);
    const failed = a.page.locator('#msg-list > li[data-status="failed"]');
    const retryOnce = async (what) => {
      await until(`the ${what} failure to show 重试`, async () => (await failed.count()) === 1);
      assert.match(await failed.getByTestId('message-send-error').textContent(), /网络错误/);
      // It would also try again by itself in 2 s; whichever comes first, it is one attempt.
      await failed.getByTestId('message-retry').click({ timeout: 1500 }).catch(() => {});
    };
    await retryOnce('upload');
    await until('the upload to succeed and the send to fail', async () => imageSends === 1 && (await failed.count()) === 1);
    await retryOnce('send');
    await until('the pasted photo to be stored on A', async () => (await stored(a, 'image').count()) === 3);
    assert.equal(uploads, 2, 'the retry after a failed send reused the upload');
    assert.equal(imageSends, 2);
    await until('B to see the pasted photo', async () => (await stored(b, 'image').count()) === 3);
    await sleep(500);
    assert.equal(await stored(b, 'image').count(), 3, 'the pasted photo arrived once');
    await a.page.unroute('**/api/auth/files');
    await a.page.unroute('**/api/auth/messages');

    t.step("A drops a file over the server's limit (1 MiB in this run): refused at once, nothing uploaded");
    let refusedUploads = 0;
    await a.page.route('**/api/auth/files', async (route) => {
      refusedUploads++;
      await route.continue();
    });
    const tooBig = Buffer.alloc(1024 * 1024 + 1, 7);
    await dropOrPaste(a, 'drop', [{ name: '太大了.bin', mimeType: 'application/octet-stream', buffer: tooBig }]);
    await until('the refusal to show', async () => (await failed.count()) === 1);
    assert.equal(await failed.getByTestId('message-send-error').textContent(), '文件过大（上限 1.0 MB）');
    assert.equal(refusedUploads, 0, 'not a byte was sent');
    await failed.getByTestId('message-cancel').click();
    await until('the refused file to be gone', async () => (await failed.count()) === 0);
    await a.page.unroute('**/api/auth/files');

    t.step('A records a voice note with the fake microphone (click to record, click to send)');
    await tid(a.page, 'voice-toggle').click();
    const record = tid(a.page, 'voice-record');
    assert.equal(await record.textContent(), '点击 录音', 'a mouse clicks to record');
    await record.click();
    await until('the recording to start', async () => (await tid(a.page, 'voice-panel').isVisible()) && (await record.textContent()) === '点击 发送');
    await sleep(2300);
    await tid(a.page, 'voice-send').click();
    await until('the voice note to be stored on A', async () => (await stored(a, 'voice').count()) === 1);
    const aLen = await stored(a, 'voice').getByTestId('voice-duration').textContent();
    assert.match(aLen, /^[23]"$/, `about two seconds, shown as WeChat does (${aLen})`);
    await tid(a.page, 'voice-toggle').click();
    assert.equal(await tid(a.page, 'message-input').isVisible(), true, 'back to the keyboard');

    t.step('B sees the voice note with its length and plays it');
    await until('B to see the voice note', async () => (await stored(b, 'voice').count()) === 1);
    const note = stored(b, 'voice').first();
    assert.equal(await note.getByTestId('voice-duration').textContent(), aLen);
    assert.match(await convItem(a.page, b.displayName).getByTestId('conversation-preview').textContent(), /^\[语音\] [23]"$/);
    await note.getByTestId('voice-note').click();
    await until('the voice note to play', () =>
      note.getByTestId('voice-audio').evaluate((audio) => audio.currentTime > 0.2 || audio.ended)
    );

    if (process.env.CHATD_SCREENSHOTS) {
      t.step('screenshots');
      await note.getByTestId('voice-audio').evaluate((audio) => audio.pause());
      await send(b, '拍得真好！');
      await waitForMessage(a, '拍得真好！');
      await screenshot(b, 'phone-media');
      await screenshot(a, 'desktop-media');
    }

    t.step('A recalls the wide photo: it leaves both screens and its URL stops working');
    const first = stored(a, 'image').first();
    const id = await first.getAttribute('data-id');
    const bUrl = await stored(b, 'image').first().locator('img').getAttribute('src');
    await first.getByTestId('image-box').click({ button: 'right' });
    await first.getByTestId('message-recall').click();
    await waitForMessage(a, '你撤回了一条消息');
    await waitForMessage(b, `${a.displayName}撤回了一条消息`);
    for (const u of [a, b]) {
      await until(`${u.username} to lose the photo`, async () => (await u.page.locator(`#msg-list > li[data-id="${id}"]`).count()) === 0);
      assert.equal(await stored(u, 'image').count(), 2, `${u.username} keeps the other photos`);
    }
    const gone = await b.page.evaluate(async (url) => (await fetch(url)).status, bUrl);
    assert.equal(gone, 404, 'the recalled photo is no longer served');
    const list = await apiFromPage(b, 'GET', '/api/auth/conversations');
    assert.equal(list.body.data[0].last_message_preview, `${a.displayName}撤回了一条消息`);
    await until("B's list to show the recall", async () =>
      (await convItem(b.page, a.displayName).getByTestId('conversation-preview').textContent()) === `${a.displayName}撤回了一条消息`
    );

    t.step('B reloads on a page that is not a secure context: the history shows, recording explains why not');
    await b.context.addInitScript(() => Object.defineProperty(window, 'isSecureContext', { value: false }));
    await reload(b);
    await openChat(b, a.displayName);
    await until("B's history with its attachments", async () =>
      (await stored(b, 'image').count()) === 2 && (await stored(b, 'file').count()) === 1 && (await stored(b, 'voice').count()) === 1
    );
    await until('the thumbnails from history to load', async () => (await boxes(b)).every((x) => x.loaded));
    await tid(b.page, 'voice-toggle').click();
    assert.equal(await tid(b.page, 'voice-record').isVisible(), false, 'no record button without a secure context');
    assert.match(await tid(b.page, 'voice-unavailable').textContent(), /^录音需要 HTTPS/);
  },
  { args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] }
);
