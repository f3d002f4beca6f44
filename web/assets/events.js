// Real-time events: one EventSource opened with a single-use ticket, reopened with
// `last_event_id` after any error: first after 0.5 s, then 1 s, 1.5 s… (at most 1.5 s apart
// during the first 20 s down, so a restarted server is found within moments), then backing
// off to 10 s; and at once when the network, the page or the window comes back.

import { api, getToken } from './api.js';

export class EventStream {
  /**
   * @param {(type: string, data: any) => void} onEvent
   * @param {(status: 'connecting'|'connected'|'disconnected', info?: {resumed: boolean}) => void} onStatus
   */
  constructor(onEvent, onStatus) {
    this.onEvent = onEvent;
    this.onStatus = onStatus;
    this.es = null;
    this.lastEventId = null;
    this.attempt = 0;
    this.timer = null;
    this.gen = 0;
    this.stopped = true;
    this.downSince = 0;
    // Retry at once when the network, the tab or the window comes back.
    this.onWake = () => {
      if (!this.stopped && !this.es && document.visibilityState === 'visible') this.reconnectNow();
    };
  }

  /** @param {string[]} kinds the event kinds to listen for (`event_kinds` of GET /api/info) */
  start(kinds) {
    this.kinds = [...kinds, 'resync']; // resync: the stream's own control event
    this.stopped = false;
    this.lastEventId = null;
    this.attempt = 0;
    this.downSince = 0;
    window.addEventListener('online', this.onWake);
    window.addEventListener('focus', this.onWake);
    document.addEventListener('visibilitychange', this.onWake);
    this.onStatus('connecting');
    this.connect();
  }

  stop() {
    this.stopped = true;
    this.gen++;
    clearTimeout(this.timer);
    window.removeEventListener('online', this.onWake);
    window.removeEventListener('focus', this.onWake);
    document.removeEventListener('visibilitychange', this.onWake);
    if (this.es) this.es.close();
    this.es = null;
  }

  /** Reconnects now (the banner's 重新连接, or the page coming back); no-op when connected. */
  reconnectNow() {
    if (this.stopped || this.es) return;
    clearTimeout(this.timer);
    this.connect();
  }

  async connect() {
    if (this.stopped) return;
    const gen = ++this.gen;
    let ticket;
    try {
      ticket = (await api('POST', '/api/auth/events/ticket')).ticket;
    } catch (e) {
      if (gen !== this.gen) return;
      if (e.code === 401 && !getToken()) return; // logged out: the app shows the login screen
      this.fail();
      return;
    }
    if (this.stopped || gen !== this.gen) return;

    let url = `/api/events?ticket=${encodeURIComponent(ticket)}`;
    const resumeFrom = this.lastEventId;
    if (resumeFrom !== null) url += `&last_event_id=${encodeURIComponent(resumeFrom)}`;
    const es = new EventSource(url);
    this.es = es;
    es.onopen = () => {
      if (this.es !== es) return;
      this.attempt = 0;
      this.downSince = 0;
      this.onStatus('connected', { resumed: resumeFrom !== null });
    };
    es.onerror = () => {
      if (this.es !== es) return;
      // Never let EventSource retry with the used ticket: get a new one instead.
      es.close();
      this.es = null;
      this.fail();
    };
    for (const type of this.kinds) {
      es.addEventListener(type, (ev) => {
        if (this.es !== es) return;
        if (ev.lastEventId) this.lastEventId = ev.lastEventId;
        let data = null;
        try {
          data = JSON.parse(ev.data);
        } catch {
          data = null;
        }
        this.onEvent(type, data || {});
      });
    }
  }

  fail() {
    if (this.stopped) return;
    this.onStatus('disconnected');
    if (!this.downSince) this.downSince = Date.now();
    const backoff = Math.min(10000, 500 * 2 ** this.attempt);
    const delay = (Date.now() - this.downSince < 20000 ? Math.min(1500, backoff) : backoff) + Math.floor(Math.random() * 200);
    this.attempt = Math.min(this.attempt + 1, 10);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.connect(), delay);
  }
}
