// chatd's service worker (API.md §11): the app's files for offline use, and Web Push.
//
// Served at /sw.js (scope /) with `no-cache`; the server puts this version of the app in
// place of __VERSION__ and the list of its files in place of __PRECACHE__, so any change to
// the app is a new worker with a new cache. The page (`/`) is fetched from the network first
// and from the cache when that fails (a new version shows at once); the files under
// /v/<version>/ never change, so they come from the cache first. /api/ is never cached.

const VERSION = '__VERSION__';
const PRECACHE = __PRECACHE__;
const CACHE = `chatd-${VERSION}`;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      await cache.addAll(PRECACHE.map((url) => new Request(url, { cache: 'reload' })));
      await self.skipWaiting();
    })()
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith('chatd-') && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })()
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return; // network only
  if (req.mode === 'navigate') {
    event.respondWith(
      (async () => {
        try {
          const res = await fetch(req);
          if (res.ok && url.pathname === '/') (await caches.open(CACHE)).put('/', res.clone());
          return res;
        } catch (e) {
          const page = await caches.match('/', { cacheName: CACHE });
          if (page) return page;
          throw e;
        }
      })()
    );
    return;
  }
  if (!url.pathname.startsWith('/v/')) return;
  event.respondWith(
    (async () => {
      const hit = await caches.match(req, { cacheName: CACHE });
      if (hit) return hit;
      const res = await fetch(req);
      if (res.ok && url.pathname.startsWith(`/v/${VERSION}/`)) (await caches.open(CACHE)).put(req, res.clone());
      return res;
    })()
  );
});

// A push (API.md §15): JSON { title, body, tag, url }; one notification per conversation
// (tag), replaced quietly by the next.
self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { body: event.data ? event.data.text() : '' };
  }
  event.waitUntil(
    self.registration.showNotification(data.title || 'chatd', {
      body: data.body || '你收到一条新消息',
      tag: data.tag || undefined,
      renotify: false,
      icon: `/v/${VERSION}/icon-192.png`,
      data: { url: data.url || '/' },
    })
  );
});

// A tap: the app's window comes forward on that conversation, or a new one opens there.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = new URL((event.notification.data && event.notification.data.url) || '/', self.location.origin).href;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const own = windows.find((w) => new URL(w.url).origin === self.location.origin);
      if (own) {
        await own.focus();
        // A hash change only: the open app reads it (link.js) without reloading.
        if ('navigate' in own) await own.navigate(url).catch(() => {});
        return;
      }
      await self.clients.openWindow(url);
    })()
  );
});
