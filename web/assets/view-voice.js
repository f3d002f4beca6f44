// Voice notes: the composer's microphone switches to 「按住 说话」. On a touch screen, hold to
// record, release to send, slide up to cancel; with a mouse (or the keyboard), click to
// record and click again (or 发送) to send. MediaRecorder records audio/webm (Opus) where the
// browser can, else audio/mp4 (Safari). The length is measured here, from the recorder's
// start to its stop (1–60,000 ms); at 60 s the note is sent by itself. Browsers allow the
// microphone only in a secure context (HTTPS, or localhost): elsewhere the app says so.

import { $, toast } from './dom.js';
import { state, subscribe } from './store.js';
import { sendVoice } from './send.js';

const MAX_MS = 60000;
const MIN_MS = 1000; // shorter is a slip of the finger, as WeChat treats it
const CANCEL_SLIDE = 60; // px upwards that turn a release into a cancel

/** Why this page cannot record, in words for the user; null when it can. */
export function whyNoRecording() {
  if (!window.isSecureContext) {
    return '录音需要 HTTPS：浏览器只允许安全连接（https:// 地址，或本机的 localhost）使用麦克风。请让管理员为 chatd 配置 HTTPS 后用 https:// 地址打开。';
  }
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return '这个浏览器不能使用麦克风，无法录音。';
  if (!window.MediaRecorder) return '这个浏览器不支持录音（MediaRecorder），请换用新版 Chrome、Safari 或 Firefox。';
  return null;
}

function micError(e) {
  const name = e && e.name;
  if (name === 'NotAllowedError' || name === 'SecurityError') return '无法使用麦克风：请在浏览器的网站设置中允许 chatd 使用麦克风';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return '没有找到麦克风';
  if (name === 'NotReadableError') return '麦克风正被其他程序使用，无法录音';
  return '无法开始录音';
}

/** The recording format: Opus in WebM where supported, else MP4 (AAC), else the default. */
function pickMime() {
  if (!window.MediaRecorder || typeof MediaRecorder.isTypeSupported !== 'function') return '';
  for (const t of ['audio/webm;codecs=opus', 'audio/mp4', 'audio/webm', 'audio/ogg;codecs=opus']) {
    if (MediaRecorder.isTypeSupported(t)) return t;
  }
  return '';
}

// idle → starting (asking for the microphone) → recording → stopping → idle
const rec = { phase: 'idle', mode: null, convId: null, want: null, armed: false };
let voiceMode = false;
let lastDown = null; // the pointer type of the last press on the record button

function render() {
  const busy = rec.phase !== 'idle';
  const hold = $('#btn-hold');
  const touch = rec.mode === 'hold' || (!busy && window.matchMedia('(pointer: coarse)').matches);
  const why = whyNoRecording();
  $('#msg-input').hidden = voiceMode;
  $('#btn-send').hidden = voiceMode;
  hold.hidden = !voiceMode || !!why;
  $('#voice-unavailable').hidden = !voiceMode || !why;
  $('#voice-unavailable').textContent = why || '';
  if (voiceMode) $('#char-counter').hidden = true;
  const toggle = $('#btn-voice');
  toggle.setAttribute('aria-pressed', voiceMode ? 'true' : 'false');
  toggle.setAttribute('aria-label', voiceMode ? '切换到键盘输入' : '切换到按住说话');
  toggle.firstElementChild.className = `icon ${voiceMode ? 'icon-keyboard' : 'icon-mic'}`;
  if (!busy) hold.textContent = touch ? '按住 说话' : '点击 录音';
  else if (rec.phase === 'starting') hold.textContent = '正在打开麦克风…';
  else hold.textContent = touch ? (rec.armed ? '松开 取消' : '松开 发送') : '点击 发送';
  hold.classList.toggle('recording', busy);
  hold.classList.toggle('armed', rec.armed);
  hold.dataset.state = rec.phase;
  const panel = $('#voice-panel');
  panel.hidden = !busy;
  panel.classList.toggle('armed', rec.armed);
  $('#voice-actions').hidden = rec.mode === 'hold';
  $('#voice-hint').textContent =
    rec.phase === 'starting' ? '正在打开麦克风…' : rec.mode === 'hold' ? (rec.armed ? '松开手指，取消发送' : '手指上滑，取消发送') : '再点一次发送，Esc 取消';
  renderElapsed();
}

function renderElapsed() {
  const ms = rec.phase === 'recording' ? performance.now() - rec.startedAt : 0;
  const s = Math.min(60, Math.floor(ms / 1000));
  const left = Math.ceil((MAX_MS - ms) / 1000);
  $('#voice-elapsed').textContent = left <= 10 && rec.phase === 'recording' ? `还可以说 ${left} 秒` : `0:${String(s).padStart(2, '0')}`;
}

function reset() {
  clearTimeout(rec.limit);
  clearInterval(rec.tick);
  if (rec.stream) for (const t of rec.stream.getTracks()) t.stop();
  Object.assign(rec, { phase: 'idle', mode: null, convId: null, want: null, armed: false, stream: null, recorder: null, chunks: null });
  render();
}

async function begin(mode) {
  if (rec.phase !== 'idle' || !state.current) return;
  const why = whyNoRecording();
  if (why) {
    toast(why);
    return;
  }
  Object.assign(rec, { phase: 'starting', mode, convId: state.current, want: null, armed: false });
  render();
  let stream;
  try {
    stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch (e) {
    reset();
    toast(micError(e));
    return;
  }
  rec.stream = stream;
  if (rec.want || rec.phase !== 'starting') {
    // Released (or cancelled) while the browser was asking for the microphone.
    const hint = rec.want === 'send' && rec.mode === 'hold';
    reset();
    if (hint) toast('麦克风已就绪，请按住说话', 'info');
    return;
  }
  const mime = pickMime();
  let recorder;
  try {
    recorder = new MediaRecorder(stream, mime ? { mimeType: mime } : undefined);
  } catch {
    reset();
    toast('无法开始录音');
    return;
  }
  rec.recorder = recorder;
  rec.mime = mime;
  rec.chunks = [];
  recorder.ondataavailable = (e) => {
    if (e.data && e.data.size && rec.chunks) rec.chunks.push(e.data);
  };
  recorder.onstop = finish;
  recorder.onstart = () => {
    rec.startedAt = performance.now(); // the sound starts here, not at the button press
  };
  rec.startedAt = performance.now();
  recorder.start();
  rec.phase = 'recording';
  rec.limit = setTimeout(() => end(true), MAX_MS);
  rec.tick = setInterval(renderElapsed, 250);
  render();
}

/** Stops recording; `send` sends the note, else it is thrown away. */
function end(send) {
  if (rec.phase === 'starting') {
    rec.want = send ? 'send' : 'cancel';
    return;
  }
  if (rec.phase !== 'recording') return;
  rec.duration = Math.min(MAX_MS, Math.max(1, Math.round(performance.now() - rec.startedAt)));
  rec.send = send;
  rec.phase = 'stopping';
  clearTimeout(rec.limit);
  clearInterval(rec.tick);
  render();
  try {
    rec.recorder.stop(); // `stop` comes after the last `dataavailable`
  } catch {
    reset();
  }
}

function finish() {
  const { send, duration, convId, chunks, recorder } = rec;
  const type = (recorder && recorder.mimeType) || rec.mime || 'audio/webm';
  reset();
  if (!send) return;
  if (duration < MIN_MS) {
    toast('说话时间太短', 'info');
    return;
  }
  const blob = new Blob(chunks || [], { type });
  if (!blob.size) {
    toast('录音失败：没有录到声音');
    return;
  }
  sendVoice(convId, blob, duration);
}

function setVoiceMode(on) {
  if (!on && rec.phase !== 'idle') end(false);
  voiceMode = on;
  render();
  if (!on) $('#msg-input').focus();
}

export function initVoice() {
  const hold = $('#btn-hold');
  $('#btn-voice').addEventListener('click', () => setVoiceMode(!voiceMode));
  hold.addEventListener('pointerdown', (e) => {
    lastDown = e.pointerType;
    if (e.pointerType === 'mouse') return; // a click records, another click sends
    e.preventDefault();
    try {
      hold.setPointerCapture(e.pointerId);
    } catch {
      /* capture is a nicety: the release still ends it */
    }
    rec.startY = e.clientY;
    begin('hold');
  });
  hold.addEventListener('pointermove', (e) => {
    if (rec.mode !== 'hold' || rec.phase === 'idle') return;
    const armed = rec.startY - e.clientY > CANCEL_SLIDE;
    if (armed !== rec.armed) {
      rec.armed = armed;
      render();
    }
  });
  hold.addEventListener('pointerup', () => {
    if (rec.mode === 'hold') end(!rec.armed);
  });
  hold.addEventListener('pointercancel', () => {
    if (rec.mode === 'hold') end(false);
  });
  hold.addEventListener('contextmenu', (e) => e.preventDefault());
  hold.addEventListener('click', () => {
    const type = lastDown;
    lastDown = null;
    if (type === 'touch' || type === 'pen') return; // the press and release did it
    if (rec.phase === 'idle') begin('click');
    else if (rec.mode === 'click') end(true);
  });
  $('#voice-send').addEventListener('click', () => end(true));
  $('#voice-cancel').addEventListener('click', () => end(false));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && rec.phase !== 'idle') end(false);
  });
  subscribe((ch) => {
    // Leaving the chat (or signing out) throws a recording away.
    if ((ch.has('chat') || ch.has('auth')) && rec.phase !== 'idle' && state.current !== rec.convId) end(false);
    if (ch.has('auth') && !state.me && voiceMode) setVoiceMode(false);
  });
  render();
}
