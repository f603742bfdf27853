// End-to-end test of the customer stamp page and the embeddable <stamp-card> element, run by
// `cargo xtask test` (or by hand: `node tests/e2e/run.mjs` after building server and widget).
//
// Starts the real `stampcard` server on a free loopback port with a fresh database, creates
// an account, a card and stamps through the CLI and the stamp API, then drives Debian's
// Chromium through every screen with role- and label-based locators, runs axe-core on each
// screen (0 violations), and saves a screenshot of each under target/e2e-screenshots/.
// Cards that cannot be used say so before any PIN; a 100-slot card stays compact at 390 px;
// a stamp image that 404s falls back to the tick. Finally the demo shop page, served from
// another origin and by the server itself, embeds two cards.
//
// Environment:
//   STAMPCARD_BIN               the built `stampcard` binary (default target/debug/stampcard)
//   STAMPCARD_WWW               the www directory (default www/)
//   CHROMIUM                    Chromium executable (default /usr/bin/chromium)
//   STAMPCARD_E2E_DATABASE_URL  `sqlite` (default): a fresh SQLite file in a temp dir;
//                               anything else: a database URL used as-is (e.g. postgres://...)

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.STAMPCARD_BIN || path.join(ROOT, 'target/debug/stampcard');
const WWW = path.resolve(process.env.STAMPCARD_WWW || path.join(ROOT, 'www'));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const DB_SETTING = process.env.STAMPCARD_E2E_DATABASE_URL || 'sqlite';
const SHOTS = path.join(ROOT, 'target/e2e-screenshots');
const AXE = require.resolve('axe-core/axe.min.js');
const STEP_TIMEOUT = 15_000;
const TOTAL_TIMEOUT = 5 * 60_000;
const STAFF_PASSWORD = 'counter-1234';
const PIN = '2580';

const cleanups = [];
let lastPage = null;
let serverLog = '';

function log(...args) {
  console.log('[e2e]', ...args);
}

function fail(message) {
  throw new Error(message);
}

/** Polls `check` until it returns a truthy value, or fails with `what`. */
async function until(what, check, timeout = STEP_TIMEOUT) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) fail(`timed out waiting for ${what}${last ? `: ${last.message}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
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

function ymd(date) {
  return date.toISOString().slice(0, 10);
}

function daysFromToday(days) {
  return ymd(new Date(Date.now() + days * 86_400_000));
}

// ---- the server ----------------------------------------------------------------------------

function databaseUrl() {
  if (DB_SETTING !== 'sqlite') return DB_SETTING;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stampcard-e2e-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return `sqlite://${path.join(dir, 'e2e.db')}`;
}

function createAccount(dbUrl) {
  const out = spawnSync(BIN, ['account', 'create', '--name', 'E2E Coffee', '--plan', 'personal', '--json', '--database-url', dbUrl], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (out.status !== 0) fail(`account create failed (${out.status}): ${out.stderr}`);
  const account = JSON.parse(out.stdout);
  if (!account.apiKey) fail(`no apiKey in ${out.stdout}`);
  return account;
}

async function startServer(dbUrl, port) {
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(
    BIN,
    ['serve', '--listen', `127.0.0.1:${port}`, '--database-url', dbUrl, '--public-url', base, '--www-dir', WWW],
    { env: { ...process.env, STAMPCARD_RATE_LIMIT: 'off' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  log(`server pid ${child.pid} on ${base}`);
  const keep = (chunk) => {
    serverLog = (serverLog + chunk).slice(-20_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let exited = null;
  child.on('exit', (code) => {
    exited = code;
  });
  cleanups.push(() => {
    if (exited === null) child.kill('SIGTERM');
  });
  await until('the server to answer', async () => {
    if (exited !== null) fail(`server exited with ${exited}:\n${serverLog}`);
    const response = await fetch(`${base}/healthz`).catch(() => null);
    return response && response.status < 500;
  }, 30_000);
  return base;
}

function stampApi(base, apiKey) {
  return async (method, apiPath, body) => {
    const response = await fetch(`${base}${apiPath}`, {
      method,
      headers: { Authorization: `APIKey ${apiKey}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(STEP_TIMEOUT),
    });
    const envelope = await response.json();
    if (envelope.code !== 0) fail(`${method} ${apiPath} ${JSON.stringify(body)} -> ${response.status} ${JSON.stringify(envelope)}`);
    return envelope.result;
  };
}

// ---- the demo shop, on another origin -------------------------------------------------------

async function startShop(port) {
  const server = http.createServer((request, response) => {
    const url = new URL(request.url, 'http://shop');
    if (url.pathname !== '/demo-shop.html') {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(fs.readFileSync(path.join(WWW, 'demo-shop.html')));
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  cleanups.push(() => server.close());
  return `http://127.0.0.1:${port}`;
}

// ---- browser helpers ------------------------------------------------------------------------

async function axeCheck(page, name) {
  const hasAxe = await page.evaluate(() => typeof window.axe !== 'undefined');
  // Evaluated through DevTools, not added as a <script>: the stamp page's
  // Content-Security-Policy (rightly) refuses inline scripts, and this test keeps it on.
  if (!hasAxe) await page.evaluate(fs.readFileSync(AXE, 'utf8'));
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target) }));
  });
  if (violations.length) fail(`axe on ${name}: ${JSON.stringify(violations, null, 2)}`);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** axe + screenshot: every screen gets both. */
async function screen(page, name) {
  await axeCheck(page, name);
  await shot(page, name);
  log(`screen ok: ${name}`);
}

async function progress(scope) {
  const bar = scope.getByRole('progressbar');
  await bar.waitFor({ timeout: STEP_TIMEOUT });
  return [await bar.getAttribute('aria-valuenow'), await bar.getAttribute('aria-valuemax')];
}

async function expectProgress(scope, now, max) {
  await until(`progress ${now} of ${max}`, async () => {
    const [n, m] = await progress(scope);
    return n === String(now) && m === String(max);
  });
}

async function expectText(scope, text) {
  await scope.getByText(text, { exact: false }).first().waitFor({ timeout: STEP_TIMEOUT });
}

async function expectLive(scope, text) {
  await until(`live region "${text}"`, async () => {
    const live = scope.locator('[aria-live=polite][role=status]');
    return (await live.textContent())?.includes(text);
  });
}

async function setPin(scope, pin = PIN) {
  await scope.getByLabel('New PIN', { exact: true }).fill(pin);
  await scope.getByLabel('Confirm new PIN', { exact: true }).fill(pin);
  await scope.getByRole('button', { name: 'Save PIN' }).click();
}

async function enterPin(scope, pin) {
  await scope.getByLabel('PIN', { exact: true }).fill(pin);
  await scope.getByRole('button', { name: 'Open card' }).click();
}

async function openStaff(scope) {
  const summary = scope.getByText('For staff', { exact: true });
  const open = await summary.evaluate((el) => el.parentElement.open);
  if (!open) await summary.click();
}

async function staff(scope, button, password) {
  await openStaff(scope);
  await scope.getByLabel(/staff password/i).fill(password);
  await scope.getByRole('button', { name: button }).click();
}

// ---- the test -------------------------------------------------------------------------------

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  for (const file of fs.readdirSync(SHOTS)) if (file.endsWith('.png')) fs.rmSync(path.join(SHOTS, file));
  if (!fs.existsSync(BIN)) fail(`no server binary at ${BIN} (set STAMPCARD_BIN)`);
  if (!fs.existsSync(path.join(WWW, 'widget/pkg/manifest.json'))) fail(`widget not built in ${WWW}/widget/pkg`);

  const dbUrl = databaseUrl();
  const { apiKey } = createAccount(dbUrl);
  const base = await startServer(dbUrl, await freePort());
  const api = stampApi(base, apiKey);

  const today = ymd(new Date());
  const nextYear = daysFromToday(365);
  // card/create answers with the card (or, in older drafts, just its cardIdx).
  const idxOf = (card) => (typeof card === 'object' ? card.cardIdx : card);
  const cardIdx = idxOf(await api('POST', '/api/stamp/v1/card/create', {
    cardNm: 'Bean There Coffee',
    cardTtl: 'A free coffee of your choice',
    maxStamps: 10,
    url: 'https://bean-there.example/menu',
    onsiteYn: 'Y',
    onsitePwd: STAFF_PASSWORD,
  }));
  const imageCardIdx = idxOf(await api('POST', '/api/stamp/v1/card/create', {
    cardNm: 'Bean There Coffee',
    cardTtl: 'A free pastry',
    maxStamps: 8,
    stampImgUrl: `${base}/widget/demo-stamp.svg`,
    url: 'https://bean-there.example/',
    onsiteYn: 'Y',
    onsitePwd: STAFF_PASSWORD,
  }));
  const newStamp = async (extra = {}, card = cardIdx) => {
    const stampIdx = await api('POST', '/api/stamp/v1/create', { cardIdx: card, strtYmd: today, endYmd: nextYear, ...extra });
    // Validate answers only for a usable stamp: ask before changing its state.
    const { stampUrl } = await api('GET', `/api/stamp/v1/validate?stampIdx=${stampIdx}`);
    return { stampIdx, stampUrl };
  };
  const main = await newStamp();
  if (!main.stampUrl?.startsWith(`${base}/stamp/`)) fail(`unexpected stampUrl ${main.stampUrl}`);
  log(`stamp ${main.stampIdx}: ${main.stampUrl}`);

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'],
  });
  cleanups.push(() => browser.close());
  const phone = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, reducedMotion: 'reduce', locale: 'en-US' };
  const newPage = async (options = {}) => {
    const context = await browser.newContext({ ...phone, ...options });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT);
    page.on('pageerror', (error) => log(`page error: ${error.message}`));
    lastPage = page;
    return page;
  };

  // 1. First visit: choose a PIN, with the core's rules checked as you type.
  let page = await newPage();
  // The page embeds the intro: the widget does not ask for it again.
  const introPath = new URL(main.stampUrl).pathname.replace('/stamp/', '/api/page/v1/');
  let introCalls = 0;
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === introPath) introCalls += 1;
  });
  await page.goto(main.stampUrl);
  await page.getByRole('heading', { level: 1, name: 'Bean There Coffee' }).waitFor();
  await expectText(page, 'Choose a PIN');
  await expectText(page, 'If you forget it, ask the shop to reset it.');
  await screen(page, '01-set-pin');
  await page.getByLabel('New PIN', { exact: true }).fill('1234');
  await expectText(page, 'straight run like 1234');
  await page.getByLabel('Confirm new PIN', { exact: true }).fill('1243');
  await expectText(page, 'The two PINs do not match');
  if (!(await page.getByRole('button', { name: 'Save PIN' }).isDisabled())) fail('Save PIN enabled for a bad PIN');
  await screen(page, '02-set-pin-rules');
  if (introCalls) fail(`the widget asked for the intro the page embeds (${introCalls} calls)`);
  await setPin(page);

  // 2. The card: 0 of 10.
  await expectProgress(page, 0, 10);
  await expectText(page, '10 more to go');
  await expectText(page, `Valid ${today}`);
  await page.getByRole('link', { name: 'Visit the shop' }).waitFor();
  await screen(page, '03-card-empty');

  // 3. Stamps added through the API show after a reload, straight to the grid (session kept).
  for (let i = 0; i < 3; i++) await api('PUT', '/api/stamp/v1/add', { stampIdx: main.stampIdx });
  await page.reload();
  await expectProgress(page, 3, 10);
  await expectText(page, '7 more to go');
  await screen(page, '04-card-three');

  // 4. Staff at the counter: a wrong password, then a stamp added.
  await staff(page, 'Add stamp', 'not-the-password');
  await expectText(page, 'Wrong staff password');
  await screen(page, '05-staff-wrong-password');
  await staff(page, 'Add stamp', STAFF_PASSWORD);
  await expectProgress(page, 4, 10);
  await expectLive(page, 'Stamp added: 4 of 10.');
  await screen(page, '06-staff-stamp-added');

  // 5. Up to 9 through the API, the 10th at the counter: reward ready.
  await api('PUT', '/api/stamp/v1/update', { stampIdx: main.stampIdx, stamps: 9 });
  await page.reload();
  await expectProgress(page, 9, 10);
  await staff(page, 'Add stamp', STAFF_PASSWORD);
  await expectProgress(page, 10, 10);
  await expectLive(page, 'Stamp added: 10 of 10. Reward ready!');
  await expectText(page, 'Reward ready!');
  await screen(page, '07-full-reward-ready');

  // 6. Redeem with the staff password.
  await staff(page, 'Redeem', STAFF_PASSWORD);
  await expectLive(page, 'Reward redeemed');
  await expectText(page, `Reward redeemed on ${today}`);
  if (await page.getByRole('button', { name: 'Redeem' }).count()) fail('Redeem still offered after redeeming');
  // Finished, not ready: the filled slots are muted (not the blue of a card still collecting)
  // and the banner is not the green "reward ready" one.
  const finished = await page.evaluate(() => {
    const root = document.querySelector('stamp-card').shadowRoot;
    const slot = root.querySelector('.slot.on');
    const banner = root.querySelector('.alert');
    return {
      screen: root.querySelector('[data-state]').className,
      slot: getComputedStyle(slot).backgroundColor,
      banner: getComputedStyle(banner).backgroundColor,
    };
  });
  if (!finished.screen.split(' ').includes('done')) fail(`redeemed card not marked done: ${JSON.stringify(finished)}`);
  if (finished.slot === 'rgb(29, 78, 216)') fail(`redeemed slots look like a card still collecting: ${JSON.stringify(finished)}`);
  if (finished.banner === 'rgb(230, 244, 234)') fail(`redeemed banner looks like "reward ready": ${JSON.stringify(finished)}`);
  await screen(page, '08-redeemed');
  await page.context().close();

  // 7. Another visit (no session): enter the PIN; wrong PINs; the lock.
  page = await newPage();
  await page.goto(main.stampUrl);
  await expectText(page, 'Enter your PIN');
  await expectText(page, 'Forgot your PIN? Ask the shop to reset it');
  await screen(page, '09-enter-pin');
  await enterPin(page, '9731');
  await expectText(page, 'That PIN is wrong');
  await screen(page, '10-wrong-pin');
  for (let i = 0; i < 4; i++) {
    await Promise.all([page.waitForResponse((r) => r.url().endsWith('/session')), enterPin(page, '9731')]);
  }
  await expectText(page, 'Too many wrong PINs. Try again in');
  if (!(await page.getByLabel('PIN', { exact: true }).isDisabled())) fail('the PIN field is usable while locked');
  // One message: the countdown, not also "That PIN is wrong".
  if (await page.getByText('That PIN is wrong. Please try again.', { exact: true }).count()) fail('the lock shows "That PIN is wrong" as well');
  if (await page.getByLabel('PIN', { exact: true }).inputValue()) fail('the PIN that started the lock is still in the field');
  await screen(page, '11-pin-locked');
  await page.context().close();

  // 8. A second stamp: staff lock after 5 wrong staff passwords.
  const second = await newStamp();
  page = await newPage();
  await page.goto(second.stampUrl);
  await setPin(page);
  await expectProgress(page, 0, 10);
  for (let i = 0; i < 5; i++) {
    await Promise.all([page.waitForResponse((r) => r.url().endsWith('/onsite/add')), staff(page, 'Add stamp', `wrong-${i}`)]);
  }
  await expectText(page, 'Too many wrong staff passwords. Try again in');
  if (await page.getByText('Wrong staff password.', { exact: true }).count()) fail('the staff lock shows "Wrong staff password" as well');
  if (await page.getByLabel(/staff password/i).inputValue()) fail('the password that started the lock is still in the field');
  await screen(page, '12-staff-locked');

  // 9. The shop resets the PIN: "your PIN was reset, choose a new one".
  await api('PUT', '/api/stamp/v1/update', { stampIdx: second.stampIdx, resetPinYn: 'Y' });
  await page.reload();
  await expectText(page, 'Your PIN was reset, choose a new one');
  await screen(page, '13-pin-reset');
  await setPin(page, '4826');
  await expectProgress(page, 0, 10);
  await page.context().close();

  // 10. Expired, not started yet, inactive: said before any PIN (first visit or not).
  const states = [
    ['14-expired', await newStamp(), { strtYmd: daysFromToday(-30), endYmd: daysFromToday(-1) }, `This card expired on ${daysFromToday(-1)}`, 'EXPIRED'],
    ['15-not-started', await newStamp(), { strtYmd: daysFromToday(7) }, `This card starts on ${daysFromToday(7)}`, 'NOT_STARTED'],
    ['16-inactive', await newStamp(), { activeYn: 'N' }, 'This card is paused by the shop', 'INACTIVE'],
  ];
  for (const [name, stamp, update, banner, state] of states) {
    await api('PUT', '/api/stamp/v1/update', { stampIdx: stamp.stampIdx, ...update });
    page = await newPage();
    await page.goto(stamp.stampUrl);
    await page.getByRole('heading', { level: 1, name: 'Bean There Coffee' }).waitFor();
    await expectText(page, banner);
    await page.locator(`[data-state=${state}]`).waitFor();
    if (await page.getByLabel(/PIN/).count()) fail(`${name}: asks for a PIN on a card that cannot be used`);
    if (await page.getByText('For staff', { exact: true }).count()) fail(`${name}: staff actions offered`);
    await screen(page, name);
    await page.context().close();
  }

  // 11. Deleted and unknown links.
  const doomed = await newStamp();
  await api('DELETE', `/api/stamp/v1/delete?stampIdx=${doomed.stampIdx}`);
  page = await newPage();
  await page.goto(doomed.stampUrl);
  await page.getByRole('heading', { level: 1, name: 'Stamp card not found' }).waitFor();
  await screen(page, '17-deleted-link');
  await page.goto(`${base}/stamp/no-such-token-0000`);
  await page.getByRole('heading', { level: 1, name: 'Stamp card not found' }).waitFor();
  await page.context().close();

  // 12. Network error, then retry. The page embeds the intro, so the widget asks the API only
  // when the server could not (here: the page as a server fault leaves it, without the intro).
  page = await newPage();
  await page.route('**/api/page/v1/**', (route) => route.abort('internetdisconnected'));
  await page.route('**/stamp/*', async (route) => {
    const response = await route.fetch();
    const body = (await response.text()).replace(/<script type="application\/json" id="stampcard-intro">.*?<\/script>/s, '');
    const headers = Object.fromEntries(Object.entries(response.headers()).filter(([name]) => !/^content-(encoding|length)$/i.test(name)));
    await route.fulfill({ status: response.status(), headers, body });
  });
  await page.goto(main.stampUrl);
  await page.getByRole('heading', { level: 1, name: 'Cannot reach the stamp service' }).waitFor();
  await screen(page, '18-network-error');
  await page.unroute('**/api/page/v1/**');
  await page.getByRole('button', { name: 'Try again' }).click();
  await expectText(page, 'Enter your PIN');
  await page.context().close();

  // 13. Korean, from the browser's language.
  const korean = await newStamp();
  await api('PUT', '/api/stamp/v1/update', { stampIdx: korean.stampIdx, stamps: 6 });
  page = await newPage({ locale: 'ko-KR' });
  await page.goto(korean.stampUrl);
  await expectText(page, 'PIN 정하기');
  await page.getByLabel('새 PIN', { exact: true }).fill(PIN);
  await page.getByLabel('새 PIN 확인', { exact: true }).fill(PIN);
  await page.getByRole('button', { name: 'PIN 저장' }).click();
  await expectProgress(page, 6, 10);
  await expectText(page, '보상까지 4개 남았어요');
  if ((await page.locator('html').getAttribute('lang')) !== 'ko') fail('the stamp page did not switch <html lang> to ko');
  await screen(page, '19-korean');
  await page.context().close();

  // 14. A 100-slot card stays compact on a phone (it was 20 rows of 5, about 1,330 px).
  const hundredCardIdx = idxOf(await api('POST', '/api/stamp/v1/card/create', {
    cardNm: 'Bean There Coffee',
    cardTtl: 'A year of coffee',
    maxStamps: 100,
  }));
  const hundred = await newStamp({}, hundredCardIdx);
  await api('PUT', '/api/stamp/v1/update', { stampIdx: hundred.stampIdx, stamps: 37 });
  page = await newPage();
  await page.goto(hundred.stampUrl);
  await setPin(page);
  await expectProgress(page, 37, 100);
  const gridBox = await page.getByRole('progressbar').boundingBox();
  log(`100-slot grid at 390 px: ${Math.round(gridBox.height)} px tall, ${Math.round(gridBox.width)} px wide`);
  if (gridBox.height > 420) fail(`the 100-slot grid is ${gridBox.height} px tall at 390 px wide`);
  await screen(page, '22-hundred-slots');
  await page.context().close();

  // 15. A stamp image that fails to load (a 404 here) falls back to the built-in tick.
  const brokenCardIdx = idxOf(await api('POST', '/api/stamp/v1/card/create', {
    cardNm: 'Bean There Coffee',
    cardTtl: 'A free muffin',
    maxStamps: 6,
    stampImgUrl: `${base}/widget/no-such-stamp.svg`,
  }));
  const broken = await newStamp({}, brokenCardIdx);
  await api('PUT', '/api/stamp/v1/update', { stampIdx: broken.stampIdx, stamps: 2 });
  page = await newPage();
  await page.goto(broken.stampUrl);
  const missingImage = page.waitForResponse((r) => r.url().endsWith('/widget/no-such-stamp.svg') && r.status() === 404);
  await setPin(page);
  await expectProgress(page, 2, 6);
  await missingImage;
  await until('ticks instead of broken images', async () => {
    const [images, filled] = await Promise.all([page.locator('.slot.on img').count(), page.locator('.slot.on').count()]);
    return images === 0 && filled === 2;
  });
  await screen(page, '23-broken-stamp-image');
  await page.context().close();

  // 16. The demo shop on another origin embeds two cards; its hostile CSS cannot reach them.
  const shopBase = await startShop(await freePort());
  const shopOne = await newStamp({}, imageCardIdx);
  const shopTwo = await newStamp();
  await api('PUT', '/api/stamp/v1/update', { stampIdx: shopOne.stampIdx, stamps: 3 });
  page = await newPage({ viewport: { width: 900, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(`${shopBase}/demo-shop.html?stamp=${encodeURIComponent(shopOne.stampUrl)}&stamp2=${encodeURIComponent(shopTwo.stampUrl)}`);
  const cards = page.locator('stamp-card');
  await until('two cards', async () => (await cards.count()) === 2);
  const first = cards.nth(0);
  const secondCard = cards.nth(1);
  await first.getByRole('heading', { level: 2, name: 'Bean There Coffee' }).waitFor();
  await secondCard.getByText('PIN 정하기').waitFor();
  await screen(page, '20-demo-shop-set-pin');
  await setPin(first);
  await expectProgress(first, 3, 8);
  await until('stamp images in filled slots', async () => (await first.locator('.slot.on img').count()) === 3);
  await staff(first, 'Add stamp', STAFF_PASSWORD);
  await expectProgress(first, 4, 8);
  await expectLive(first, 'Stamp added: 4 of 8.');
  const isolation = await page.evaluate(() => {
    const host = document.querySelector('stamp-card');
    const name = host.shadowRoot.querySelector('.name');
    const style = getComputedStyle(name);
    // A light-DOM element with the widget's class names: the widget's CSS must not touch it.
    const probe = document.createElement('span');
    probe.className = 'btn primary card';
    document.body.append(probe);
    const probeStyle = getComputedStyle(probe);
    const result = {
      open: host.shadowRoot !== null,
      nameColor: style.color,
      nameSize: style.fontSize,
      probeBackground: probeStyle.backgroundColor,
      probeRadius: probeStyle.borderRadius,
      lightChildren: host.children.length,
    };
    probe.remove();
    return result;
  });
  if (!isolation.open) fail('the shadow root is not open');
  if (isolation.nameColor === 'rgb(255, 0, 0)' || isolation.nameSize !== '22px') fail(`shop CSS leaked in: ${JSON.stringify(isolation)}`);
  if (isolation.probeBackground !== 'rgba(0, 0, 0, 0)' || isolation.probeRadius !== '0px') fail(`widget CSS leaked out: ${JSON.stringify(isolation)}`);
  if (isolation.lightChildren !== 0) fail('the widget rendered into the light DOM');
  await screen(page, '21-demo-shop-embedded');
  await page.context().close();

  // 17. The server serves the demo shop page itself (as `serve --demo` prints it).
  page = await newPage();
  await page.goto(`${base}/demo-shop.html?stamp=${encodeURIComponent(shopOne.stampUrl)}&stamp2=${encodeURIComponent(shopTwo.stampUrl)}`);
  const served = page.locator('stamp-card');
  await until('two cards on the served demo shop', async () => (await served.count()) === 2);
  await served.nth(0).getByRole('heading', { level: 2, name: 'Bean There Coffee' }).waitFor();
  await served.nth(1).getByText('PIN 정하기').waitFor();
  await enterPin(served.nth(0), PIN);
  await expectProgress(served.nth(0), 4, 8);
  await until('stamp images on the served demo shop', async () => (await served.nth(0).locator('.slot.on img').count()) === 4);
  await screen(page, '24-demo-shop-served');

  // 15. The server renders the card's first screen: without JavaScript the page still shows
  // the card and says that JavaScript is needed.
  const noJs = await newStamp();
  page = await newPage({ javaScriptEnabled: false });
  await page.goto(noJs.stampUrl);
  await page.getByRole('heading', { level: 1, name: 'Bean There Coffee' }).waitFor();
  await expectText(page, 'A free coffee of your choice');
  await page.getByLabel('New PIN', { exact: true }).waitFor();
  // Playwright's text search skips <noscript>; its CSS search finds what the browser shows.
  const note = page.locator('p.noscript');
  await note.waitFor();
  if (!(await note.textContent()).includes('This stamp card needs JavaScript')) fail('no JavaScript note');
  await shot(page, '22-no-javascript');
  log('screen ok: 22-no-javascript (screenshot only: axe needs JavaScript)');
  await page.context().close();

  // 16. The widget's wasm fails to download: a styled fallback offers a retry, which works.
  page = await newPage();
  await page.route('**/*.wasm', (route) => route.abort('connectionreset'));
  await page.goto(noJs.stampUrl);
  await page.getByRole('heading', { level: 1, name: 'The stamp card could not load' }).waitFor();
  await screen(page, '23-widget-failed');
  await page.unroute('**/*.wasm');
  await page.getByRole('button', { name: 'Try again' }).click();
  await expectText(page, 'Choose a PIN');
  await setPin(page);
  await expectProgress(page, 0, 10);
  await screen(page, '24-widget-retried');
  await page.context().close();

  // 17. A PIN typed into the server's form while the wasm is still on its way is kept.
  const early = await newStamp();
  page = await newPage();
  let release;
  const released = new Promise((resolve) => { release = resolve; });
  await page.route('**/*.wasm', async (route) => {
    await released;
    await route.continue();
  });
  await page.goto(early.stampUrl);
  await page.getByLabel('New PIN', { exact: true }).fill('1234');
  release();
  await expectText(page, 'straight run like 1234');
  if ((await page.getByLabel('New PIN', { exact: true }).inputValue()) !== '1234') fail('the early PIN was lost');
  await page.context().close();

  log(`all good; screenshots in ${path.relative(ROOT, SHOTS)}/`);
}

const watchdog = setTimeout(() => {
  console.error('[e2e] FAILED: took longer than', TOTAL_TIMEOUT / 1000, 's');
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
  console.error('[e2e] FAILED:', error.stack || error);
  if (lastPage) await lastPage.screenshot({ path: path.join(SHOTS, 'failure.png'), fullPage: true }).catch(() => {});
  console.error('[e2e] server log (tail):\n' + serverLog.slice(-4000));
} finally {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      console.error('[e2e] cleanup:', error.message);
    }
  }
  clearTimeout(watchdog);
}
process.exit(failed ? 1 : 0);
