// First load of the web client in real Chromium at phone size over a throttled link:
// cold (empty cache) with and without compression, then a warm reload. Prints one line per
// case: time until the login form is on screen, requests and bytes over the wire.
//
//   node bench/first_load.mjs http://127.0.0.1:8000    (bench/first_load.sh runs it)
//
// Needs playwright-core (beside the script) and Chromium (CHATD_CHROMIUM or /usr/bin/chromium).

import { chromium } from 'playwright-core';

const BASE = process.argv[2] || 'http://127.0.0.1:8000';
const EXE = process.env.CHATD_CHROMIUM || '/usr/bin/chromium';
// A phone on a mediocre mobile link ("Slow 4G"-like): 150 ms round trips, 1.6 Mbit/s down.
const LINK = { offline: false, latency: 150, downloadThroughput: 200_000, uploadThroughput: 94_000 };
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true };
const RUNS = Number(process.env.RUNS || 5);

async function load(page, cdp) {
  let requests = 0;
  let bytes = 0;
  let gzipped = 0;
  let cached = 0;
  const onCached = () => {
    cached += 1;
  };
  const onFinished = (e) => {
    requests += 1;
    bytes += e.encodedDataLength;
  };
  const onResponse = (e) => {
    const enc = Object.entries(e.response.headers).find(([k]) => k.toLowerCase() === 'content-encoding');
    if (enc && enc[1] === 'gzip') gzipped += 1;
    if (e.response.fromDiskCache) cached += 1;
  };
  cdp.on('Network.loadingFinished', onFinished);
  cdp.on('Network.responseReceived', onResponse);
  cdp.on('Network.requestServedFromCache', onCached);
  const started = Date.now();
  await page.goto(BASE + '/', { waitUntil: 'commit' });
  await page.getByTestId('login-form').waitFor({ state: 'visible' });
  const ms = Date.now() - started;
  await page.waitForLoadState('networkidle');
  cdp.off('Network.loadingFinished', onFinished);
  cdp.off('Network.responseReceived', onResponse);
  cdp.off('Network.requestServedFromCache', onCached);
  return { ms, requests: requests - cached, cached, bytes, gzipped };
}

async function session(browser, compressed) {
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', LINK);
  // Without compression: ask for `identity` only (the server then sends files as they are).
  if (!compressed) await cdp.send('Network.setExtraHTTPHeaders', { headers: { 'Accept-Encoding': 'identity' } });
  const cold = await load(page, cdp);
  const warm = await load(page, cdp);
  await context.close();
  return { cold, warm };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const browser = await chromium.launch({ executablePath: EXE, args: ['--no-sandbox'] });
for (const compressed of [false, true]) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await session(browser, compressed));
  for (const kind of ['cold', 'warm']) {
    const pick = (f) => median(runs.map((r) => r[kind][f]));
    console.log(
      `${compressed ? 'gzip    ' : 'identity'} ${kind}: ${pick('ms')} ms to the login form, ` +
        `${pick('requests')} requests over the network (${pick('gzipped')} gzipped), ` +
        `${pick('cached')} from cache, ` +
        `${(pick('bytes') / 1024).toFixed(1)} KiB over the wire (median of ${RUNS})`
    );
  }
}
await browser.close();
