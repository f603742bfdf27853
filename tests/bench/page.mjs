// The stamp page on a phone profile, run by `cargo xtask bench` (a measurement, not a test).
//
// Starts the real `stampcard` server on a free loopback port with a fresh SQLite file, makes a
// card and two stamps through the CLI and the stamp API, then loads the stamp page in Debian's
// Chromium with, over CDP, `Network.emulateNetworkConditions` (150 ms round trip, 1.6 Mbit/s
// down, 750 kbit/s up) and `Emulation.setCPUThrottlingRate` 4, and prints the median of
// BENCH_PAGE_RUNS runs as one JSON line: {firstPaintMs, pinFormMs, gridMs, wireBytes}.
//
// - firstPaintMs: a cold visit (new browser context, empty cache) until the card's name (the
//   level-1 heading) is in the page and a frame has been drawn after it.
// - pinFormMs: the same visit until the PIN form is usable: typing a PIN into it gets the
//   widget's answer (the core's rules: "1234" is refused as a straight run). The figure is the
//   time of the keystrokes that got that answer; they are retried every 50 ms until one does,
//   so markup that shows the field before the widget runs does not count as usable.
// - wireBytes: bytes on the wire (headers included, as Chromium counts them) of every response
//   finished by then.
// - gridMs: a returning visitor (warm cache, the session remembered from entering the PIN
//   unthrottled) navigates to the page again, throttled, until the stamp grid (its progress
//   bar) is in the page.
//
// Times are the page's own clock (performance.now(), from the navigation's start). Locators
// are by role and label, as tests/e2e/run.mjs uses them, so they survive markup changes.
//
// Environment: STAMPCARD_BIN (default target/release/stampcard), STAMPCARD_WWW (www/),
// CHROMIUM (/usr/bin/chromium), BENCH_PAGE_RUNS (10).

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.STAMPCARD_BIN || path.join(ROOT, 'target/release/stampcard');
const WWW = path.resolve(process.env.STAMPCARD_WWW || path.join(ROOT, 'www'));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const RUNS = Math.max(1, Number(process.env.BENCH_PAGE_RUNS || 10));
const STEP_TIMEOUT = 30_000;
const TOTAL_TIMEOUT = 8 * 60_000;
const CARD_NAME = 'Bench Coffee';
const PIN = '2580';
/** The phone profile of issue 12. */
const NETWORK = { offline: false, latency: 150, downloadThroughput: 1_600_000 / 8, uploadThroughput: 750_000 / 8 };
const CPU_SLOWDOWN = 4;

const cleanups = [];
let serverLog = '';

function log(...args) {
  console.error('[page]', ...args);
}

function fail(message) {
  throw new Error(message);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startServer() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stampcard-page-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  const dbUrl = `sqlite://${path.join(dir, 'page.db')}`;
  const out = spawnSync(BIN, ['account', 'create', '--name', 'Bench', '--plan', 'personal', '--json', '--database-url', dbUrl], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (out.status !== 0) fail(`account create failed (${out.status}): ${out.stderr}`);
  const { apiKey } = JSON.parse(out.stdout);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(BIN, ['serve', '--listen', `127.0.0.1:${port}`, '--database-url', dbUrl, '--public-url', base, '--www-dir', WWW], {
    env: { ...process.env, STAMPCARD_RATE_LIMIT: 'off' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr.on('data', (chunk) => {
    serverLog = (serverLog + chunk).slice(-10_000);
  });
  let exited = null;
  child.on('exit', (code) => {
    exited = code;
  });
  cleanups.push(() => {
    if (exited === null) child.kill('SIGTERM');
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited !== null) fail(`server exited with ${exited}:\n${serverLog}`);
    const response = await fetch(`${base}/healthz`).catch(() => null);
    if (response?.ok) break;
    if (Date.now() > deadline) fail('the server did not answer /healthz within 30 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const api = async (method, apiPath, body) => {
    const response = await fetch(`${base}${apiPath}`, {
      method,
      headers: { Authorization: `APIKey ${apiKey}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(STEP_TIMEOUT),
    });
    const envelope = await response.json();
    if (envelope.code !== 0) fail(`${method} ${apiPath} -> ${JSON.stringify(envelope)}`);
    return envelope.result;
  };
  return { base, api };
}

/** Marks, in the page's own clock, when the card name, the PIN rules' answer and the grid appear. */
function instrument(cardName) {
  const marks = (window.__bench = { name: null, rules: null, grid: null, inputs: [] });
  const painted = (key) => requestAnimationFrame(() => setTimeout(() => (marks[key] ??= performance.now())));
  const seen = {};
  // The widget may render into a shadow root (the embed does): look into every root.
  const roots = [document];
  const text = (root) => (root === document ? document.body?.textContent : root.textContent) ?? '';
  const check = () => {
    // The stamp page's server-rendered first screen is a declarative shadow root: made by the
    // parser, not by attachShadow, so it is found here.
    for (const host of document.querySelectorAll('stamp-card')) {
      if (host.shadowRoot && !roots.includes(host.shadowRoot)) {
        roots.push(host.shadowRoot);
        observe(host.shadowRoot);
      }
    }
    if (!seen.name && roots.some((root) => [...root.querySelectorAll('h1')].some((h) => h.textContent.includes(cardName)))) {
      seen.name = true;
      painted('name');
    }
    if (!seen.rules && roots.some((root) => text(root).includes('straight run'))) {
      seen.rules = true;
      marks.rules = performance.now();
    }
    if (!seen.grid && roots.some((root) => root.querySelector('[role=progressbar]'))) {
      seen.grid = true;
      marks.grid = performance.now();
    }
  };
  function observe(root) {
    new MutationObserver(check).observe(root, { childList: true, subtree: true, characterData: true });
  }
  const attach = Element.prototype.attachShadow;
  Element.prototype.attachShadow = function (init) {
    const shadow = attach.call(this, init);
    if (!roots.includes(shadow)) {
      roots.push(shadow);
      observe(shadow);
    }
    return shadow;
  };
  observe(document);
  document.addEventListener('input', () => marks.inputs.push(performance.now()), true);
}

async function throttle(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', NETWORK);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
  return cdp;
}

/** One cold first visit: firstPaintMs, pinFormMs, wireBytes. */
async function coldVisit(browser, url) {
  const context = await browser.newContext(PHONE);
  try {
    await context.addInitScript(instrument, CARD_NAME);
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT);
    const cdp = await throttle(page);
    let bytes = 0;
    cdp.on('Network.loadingFinished', (event) => {
      bytes += event.encodedDataLength;
    });
    await page.goto(url, { waitUntil: 'commit' });
    await page.getByRole('heading', { level: 1, name: CARD_NAME }).waitFor();
    const pin = page.getByLabel('New PIN', { exact: true });
    // Usable = typing gets the widget's answer; retried until it does (see the header).
    const deadline = Date.now() + STEP_TIMEOUT;
    let wireBytes = null;
    for (;;) {
      if (Date.now() > deadline) fail('the PIN form never answered typing');
      if (await pin.isEditable().catch(() => false)) {
        await pin.fill('1234', { timeout: 1_000 }).catch(() => {});
        const answered = await page
          .waitForFunction(() => window.__bench.rules !== null, null, { timeout: 50 })
          .then(() => true)
          .catch(() => false);
        if (answered) {
          wireBytes = bytes;
          break;
        }
        await pin.fill('', { timeout: 1_000 }).catch(() => {});
      } else {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    const marks = await page.evaluate(() => window.__bench);
    // The keystrokes that got the answer: the last input event before it.
    const typed = marks.inputs.filter((t) => t <= marks.rules).pop() ?? marks.rules;
    return { firstPaintMs: marks.name, pinFormMs: typed, wireBytes };
  } finally {
    await context.close();
  }
}

/** A returning visitor: session remembered, cache warm; gridMs of the second navigation. */
async function returningVisit(browser, url) {
  const context = await browser.newContext(PHONE);
  try {
    await context.addInitScript(instrument, CARD_NAME);
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT);
    await page.goto(url);
    await page.getByLabel('PIN', { exact: true }).fill(PIN);
    await page.getByRole('button', { name: 'Open card' }).click();
    await page.getByRole('progressbar').waitFor();
    await throttle(page);
    await page.goto(url, { waitUntil: 'commit' });
    await page.getByRole('progressbar').waitFor();
    await page.waitForFunction(() => window.__bench.grid !== null);
    // Awaited here, before `finally` closes the context.
    return await page.evaluate(() => window.__bench.grid);
  } finally {
    await context.close();
  }
}

const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, locale: 'en-US', isMobile: true, hasTouch: true };

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function main() {
  if (!fs.existsSync(BIN)) fail(`no server binary at ${BIN} (set STAMPCARD_BIN)`);
  const { api } = await startServer();
  const today = new Date().toISOString().slice(0, 10);
  const nextYear = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
  const card = await api('POST', '/api/stamp/v1/card/create', { cardNm: CARD_NAME, cardTtl: 'A free coffee', maxStamps: 10 });
  const cardIdx = typeof card === 'object' ? card.cardIdx : card;
  const stamp = async () => {
    const stampIdx = await api('POST', '/api/stamp/v1/create', { cardIdx, strtYmd: today, endYmd: nextYear });
    return (await api('GET', `/api/stamp/v1/validate?stampIdx=${stampIdx}`)).stampUrl;
  };
  // First visits go to a stamp whose PIN is never set; returning visits to one with a PIN.
  const fresh = await stamp();
  const returning = await stamp();

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'],
  });
  cleanups.push(() => browser.close());
  {
    const context = await browser.newContext(PHONE);
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT);
    await page.goto(returning);
    await page.getByLabel('New PIN', { exact: true }).fill(PIN);
    await page.getByLabel('Confirm new PIN', { exact: true }).fill(PIN);
    await page.getByRole('button', { name: 'Save PIN' }).click();
    await page.getByRole('progressbar').waitFor();
    await context.close();
  }

  const cold = [];
  const grid = [];
  for (let run = 1; run <= RUNS; run++) {
    const first = await coldVisit(browser, fresh);
    const back = await returningVisit(browser, returning);
    log(`run ${run}: first paint ${first.firstPaintMs.toFixed(0)} ms, PIN form ${first.pinFormMs.toFixed(0)} ms, ${first.wireBytes} bytes; returning grid ${back.toFixed(0)} ms`);
    cold.push(first);
    grid.push(back);
  }
  const figures = {
    firstPaintMs: Math.round(median(cold.map((r) => r.firstPaintMs))),
    pinFormMs: Math.round(median(cold.map((r) => r.pinFormMs))),
    gridMs: Math.round(median(grid)),
    wireBytes: Math.round(median(cold.map((r) => r.wireBytes))),
  };
  console.log(JSON.stringify(figures));
}

const watchdog = setTimeout(() => {
  console.error('[page] FAILED: took longer than', TOTAL_TIMEOUT / 1000, 's');
  for (const cleanup of cleanups.reverse()) {
    try {
      cleanup();
    } catch {}
  }
  process.exit(1);
}, TOTAL_TIMEOUT);

let failed = false;
try {
  await main();
} catch (error) {
  failed = true;
  console.error('[page] FAILED:', error.stack || error);
  console.error('[page] server log (tail):\n' + serverLog.slice(-4000));
} finally {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      console.error('[page] cleanup:', error.message);
    }
  }
  clearTimeout(watchdog);
}
process.exit(failed ? 1 : 0);
