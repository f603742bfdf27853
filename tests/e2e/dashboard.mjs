// End-to-end test of the back office at `/` (issue 11 item 8), run by `cargo xtask test` once per
// database backend (or by hand: `node tests/e2e/dashboard.mjs` after `cargo xtask build` and
// `cargo build -p stampcard-server`).
//
// Starts the real `stampcard` server on a free loopback port with a fresh database, makes an
// account with an owner and a staff login through the CLI, then drives Debian's Chromium as a
// shop owner: sign in, create a card, issue a stamp to `cust-42`, find it by searching, add two
// stamps, open its QR code, reset its PIN, bulk-delete two test stamps, import a three-line
// CSV, export, add a staff member; adds a webhook endpoint pointing at a small receiver this
// script runs on 127.0.0.1 (its secret shown once, a test event delivered and signed, re-sent
// from the delivery log, rotated, disabled, deleted); then signs in as the staff login, which
// sees none of the owner's pages, and is refused a delete.
// axe-core runs on every screen (0 violations) and a screenshot of each is saved under
// target/e2e-dashboard/.
//
// Environment: STAMPCARD_BIN, STAMPCARD_WWW, CHROMIUM, STAMPCARD_E2E_DATABASE_URL, as for
// tests/e2e/run.mjs.

import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
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
const SHOTS = path.join(ROOT, 'target/e2e-dashboard', DB_SETTING === 'sqlite' ? 'sqlite' : 'postgres');
const AXE = require.resolve('axe-core/axe.min.js');
const STEP_TIMEOUT = 15_000;
const TOTAL_TIMEOUT = 3 * 60_000;
const OWNER = { email: 'owner@e2e.example', password: 'owner-password-1' };
const STAFF_LOGIN = { email: 'counter@e2e.example', password: 'counter-password-1' };

const cleanups = [];
let lastPage = null;
let serverLog = '';
const pageErrors = [];

function log(...args) {
  console.log('[e2e dashboard]', ...args);
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

function ymd(date) {
  return date.toISOString().slice(0, 10);
}

// ---- the server ----------------------------------------------------------------------------

function databaseUrl() {
  if (DB_SETTING !== 'sqlite') return DB_SETTING;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stampcard-e2e-dash-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return `sqlite://${path.join(dir, 'e2e.db')}`;
}

/** Runs the CLI; its JSON output. */
function cli(args, input) {
  const out = spawnSync(BIN, args, { encoding: 'utf8', timeout: 30_000, input });
  if (out.status !== 0) fail(`stampcard ${args.join(' ')} failed (${out.status}): ${out.stderr}`);
  return out.stdout.trim() ? JSON.parse(out.stdout) : null;
}

async function startServer(dbUrl, port) {
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(
    BIN,
    // --webhook-allow-private: the test's webhook receiver is on 127.0.0.1, over http.
    ['serve', '--listen', `127.0.0.1:${port}`, '--database-url', dbUrl, '--public-url', base, '--www-dir', WWW, '--webhook-allow-private'],
    { env: { ...process.env, STAMPCARD_RATE_LIMIT: 'off', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
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
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited !== null) fail(`server exited with ${exited}:\n${serverLog}`);
    const response = await fetch(`${base}/healthz`).catch(() => null);
    if (response && response.status < 500) return base;
    if (Date.now() > deadline) fail(`the server did not answer:\n${serverLog}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A webhook receiver on 127.0.0.1 that answers 200 "ok" and keeps every request. */
async function startReceiver() {
  const requests = [];
  const server = http.createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  const url = `http://127.0.0.1:${server.address().port}`;
  log(`webhook receiver on ${url}`);
  return { url, requests };
}

/** Waits until `check()` is true. */
async function until(what, check) {
  const deadline = Date.now() + STEP_TIMEOUT;
  while (!(await check())) {
    if (Date.now() > deadline) fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Checks an X-Vivoldi-Signature (`t=<ts>,v1=<hex>,alg=hmac-sha256`) over `<ts>.<raw body>`. */
function vivoldiSigned(request, secret) {
  const parts = Object.fromEntries(request.headers['x-vivoldi-signature'].split(',').map((kv) => kv.split('=')));
  const expected = crypto.createHmac('sha256', secret).update(`${parts.t}.${request.body}`).digest('hex');
  return parts.alg === 'hmac-sha256' && parts.t === request.headers['x-vivoldi-timestamp'] && parts.v1 === expected;
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
    if (envelope.code !== 0) fail(`${method} ${apiPath} -> ${response.status} ${JSON.stringify(envelope)}`);
    return envelope.result;
  };
}

// ---- browser helpers ------------------------------------------------------------------------

async function axeCheck(page, name) {
  if (!(await page.evaluate(() => typeof window.axe !== 'undefined'))) {
    // Through DevTools, not a <script>: the dashboard's Content-Security-Policy stays on.
    await page.evaluate(fs.readFileSync(AXE, 'utf8'));
  }
  const violations = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target) }));
  });
  if (violations.length) fail(`axe on ${name}: ${JSON.stringify(violations, null, 2)}`);
}

/** axe + screenshot: every screen gets both. */
async function screen(page, name) {
  await axeCheck(page, name);
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
  log(`screen ok: ${name}`);
}

async function expectText(scope, text) {
  await scope.getByText(text, { exact: false }).first().waitFor({ timeout: STEP_TIMEOUT });
}

async function nav(page, name) {
  await page.getByRole('navigation').getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

async function signIn(page, base, { email, password }) {
  await page.goto(`${base}/`);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation').waitFor();
}

/** Searches the stamps table; the rows' user ids once the table shows exactly `count` rows. */
async function search(page, q, count) {
  await nav(page, 'Stamps');
  await page.getByLabel('Search', { exact: true }).fill(q);
  const rows = page.locator('table tbody tr');
  const deadline = Date.now() + STEP_TIMEOUT;
  for (;;) {
    const ids = await page.locator('table tbody tr .uid').allTextContents();
    if ((await rows.count()) === count && ids.every((id) => id.includes(q))) return ids;
    if (Date.now() > deadline) fail(`search ${q}: expected ${count} rows, saw ${JSON.stringify(ids)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// ---- the test -------------------------------------------------------------------------------

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true });
  for (const file of fs.readdirSync(SHOTS)) if (file.endsWith('.png')) fs.rmSync(path.join(SHOTS, file));
  if (!fs.existsSync(BIN)) fail(`no server binary at ${BIN} (set STAMPCARD_BIN)`);
  if (!fs.existsSync(path.join(WWW, 'dashboard/pkg/stampcard_dashboard_bg.wasm'))) fail(`dashboard not built in ${WWW}/dashboard/pkg`);

  const dbUrl = databaseUrl();
  const account = cli(['account', 'create', '--name', 'E2E Bakery', '--plan', 'personal', '--json', '--database-url', dbUrl]);
  for (const [login, role] of [[OWNER, 'owner'], [STAFF_LOGIN, 'staff']]) {
    cli(['user', 'create', '--account', String(account.accountIdx), '--email', login.email, '--role', role, '--password-stdin', '--json', '--database-url', dbUrl], `${login.password}\n`);
  }
  const base = await startServer(dbUrl, await freePort());
  const api = stampApi(base, account.apiKey);

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage'],
  });
  cleanups.push(() => browser.close());
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: 'reduce', locale: 'en-US', acceptDownloads: true });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  let page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT);
  page.on('pageerror', (error) => pageErrors.push(error.message));
  lastPage = page;

  // 1. Sign in as the owner.
  await page.goto(`${base}/`);
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await screen(page, '01-sign-in');
  await signIn(page, base, OWNER);
  await page.getByRole('heading', { level: 1, name: 'Stamps' }).waitFor();
  await expectText(page, 'E2E Bakery');

  // 2. A card, with the live preview beside the form.
  await nav(page, 'Cards');
  await page.getByRole('link', { name: 'New card' }).click();
  await page.getByLabel('Card name').fill('Crumb Club');
  await page.getByLabel('Reward text').fill('A free loaf');
  await page.getByLabel('Stamps needed').fill('8');
  await screen(page, '02-card-new');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL(/#\/cards\/\d+$/);
  const cardIdx = Number(page.url().match(/#\/cards\/(\d+)$/)[1]);
  await nav(page, 'Cards');
  await page.getByRole('cell', { name: 'Crumb Club', exact: true }).waitFor();
  await screen(page, '03-cards');

  // 3. A stamp for cust-42 through "New stamp": its page opens.
  await nav(page, 'Stamps');
  await page.getByRole('link', { name: 'New stamp' }).click();
  await page.getByLabel('Card', { exact: true }).selectOption(String(cardIdx));
  await page.getByLabel('User id').fill('cust-42');
  await page.getByLabel('Name', { exact: true }).fill('Ada Lovelace');
  await screen(page, '04-stamp-new');
  await page.getByRole('button', { name: 'Issue stamp card' }).click();
  await page.waitForURL(/#\/stamp\/\d+$/);

  // Test stamps (through the API, as a shop's own system would) for the bulk delete.
  const today = ymd(new Date());
  const nextYear = ymd(new Date(Date.now() + 365 * 86_400_000));
  for (const userId of ['test-1', 'test-2']) {
    await api('POST', '/api/stamp/v1/create', { cardIdx, userId, strtYmd: today, endYmd: nextYear });
  }

  // 4. Found by searching cust-42; its page: add two stamps, the QR code, reset the PIN.
  await search(page, 'cust-42', 1);
  await screen(page, '05-stamps-search');
  await page.locator('table tbody tr').first().getByRole('link').click();
  await page.getByRole('heading', { level: 1, name: /^Stamp #\d+$/ }).waitFor();
  const counts = () => page.locator('.fields').getByText(/^\d+ \/ 8$/).textContent();
  if ((await counts()) !== '0 / 8') fail(`a new stamp shows ${await counts()}`);
  for (const expected of ['1 / 8', '2 / 8']) {
    await page.getByRole('button', { name: 'Add stamp' }).click();
    await page.locator('.fields').getByText(expected, { exact: true }).waitFor();
  }
  const qr = page.getByRole('img', { name: /QR code/ });
  await qr.waitFor();
  if (!(await qr.evaluate((el) => el.tagName.toLowerCase() === 'svg' || !!el.querySelector('svg')))) fail('the QR code is not an SVG');
  // The customer chooses a PIN on their page (through its API, as the widget would), so the
  // reset has something to reset.
  const stampUrl = await page.locator('p.url a').getAttribute('href');
  const token = stampUrl.split('/stamp/')[1];
  const pinSet = await fetch(`${base}/api/page/v1/${token}/pin`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ pin: '2580' }),
  }).then((r) => r.json());
  if (pinSet.code !== 0) fail(`setting the customer's PIN: ${JSON.stringify(pinSet)}`);
  await page.reload();
  await page.getByText('PIN set by the customer', { exact: true }).waitFor();
  await page.getByRole('button', { name: 'Reset PIN' }).click();
  await expectText(page, 'Done.');
  await page.getByText('PIN reset', { exact: true }).first().waitFor();
  // Done in the back office: said so, not taken for an API key.
  await page.locator('.timeline .who').getByText('Back office', { exact: false }).first().waitFor();
  await screen(page, '06-stamp');
  await page.getByRole('link', { name: 'Print' }).click();
  await page.getByRole('heading', { level: 1, name: 'Crumb Club' }).waitFor();
  await page.getByRole('img', { name: /QR code/ }).waitFor();
  await screen(page, '07-stamp-print');
  await page.goBack();

  // 5. Bulk delete of the two test stamps, confirmed in a dialog that says how many.
  await search(page, 'test-', 2);
  for (const userId of ['test-1', 'test-2']) await page.getByRole('checkbox', { name: new RegExp(`\\(${userId}\\)`) }).check();
  await page.getByRole('group', { name: 'Selected stamps' }).getByRole('button', { name: 'Delete' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText('Delete 2 stamps?').waitFor();
  await screen(page, '08-bulk-delete-confirm');
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await expectText(page, '2 stamps changed.');
  await page.getByText('No stamps match.', { exact: true }).waitFor();

  // 6. Import a three-line CSV: a dry run first, then the import.
  await nav(page, 'Import');
  await page.getByLabel('Card', { exact: true }).selectOption(String(cardIdx));
  const csv = (third) => `userId,userNm,stamps,strtYmd,endYmd\nimp-1,Grace,2,${today},${nextYear}\nimp-2,Alan,0,${today},${nextYear}\n${third}\n`;
  const choose = (text) => page.getByLabel('CSV file').setInputFiles({ name: 'paper-cards.csv', mimeType: 'text/csv', buffer: Buffer.from(text) });
  // A line the card refuses (more stamps than it has): listed, and Import stays off.
  await choose(csv(`imp-3,Edsger,99,${today},${nextYear}`));
  await page.getByRole('button', { name: 'Check file' }).click();
  await expectText(page, '1 of 3 rows are refused');
  const refused = await page.getByRole('table', { name: 'Refused lines' }).locator('tbody tr').allTextContents();
  if (refused.length !== 1 || !refused[0].startsWith('4')) fail(`refused lines: ${JSON.stringify(refused)}`);
  if (!(await page.getByRole('button', { name: 'Import', exact: true }).isDisabled())) fail('Import offered for a refused file');
  await screen(page, '09-import-refused');
  await choose(csv(`imp-3,Edsger,5,${today},${nextYear}`));
  await page.getByRole('button', { name: 'Check file' }).click();
  await expectText(page, 'All 3 rows are valid');
  // The report appearing must not rebuild the form: the file input keeps the chosen file.
  if ((await page.getByLabel('CSV file').evaluate((input) => input.files.length)) !== 1) fail('the file input lost its file');
  await screen(page, '10-import-checked');
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expectText(page, '3 stamps created.');
  await search(page, 'imp-', 3);

  // 7. Export: the CSV download carries the session cookie and every stamp.
  await nav(page, 'Export');
  await page.getByLabel('Card').selectOption(String(cardIdx));
  await screen(page, '11-export');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
  const exported = fs.readFileSync(await download.path(), 'utf8');
  const lines = exported.trim().split(/\r?\n/);
  if (!lines[0].startsWith('stampIdx,') || lines.length !== 5 || !exported.includes('cust-42') || exported.includes('test-1')) {
    fail(`unexpected export (${download.suggestedFilename()}):\n${exported}`);
  }

  // 8. A staff member for the counter.
  await nav(page, 'Staff');
  await page.getByLabel('Name', { exact: true }).fill('Mina');
  await page.getByLabel(/^Password/).fill('blue-heron');
  await page.getByRole('checkbox', { name: /Crumb Club/ }).check();
  await page.getByRole('button', { name: 'Add staff member' }).click();
  await expectText(page, 'Staff member added.');
  await page.getByRole('cell', { name: 'Mina', exact: true }).waitFor();
  await screen(page, '12-staff');

  // 9. The other owner pages: an API key shown once, the figures.
  await nav(page, 'API keys');
  await page.getByLabel('Label').fill('till 2');
  await page.getByRole('button', { name: 'Create key' }).click();
  await expectText(page, 'it is shown only once');
  await screen(page, '13-api-keys');
  await nav(page, 'Figures');
  await page.getByRole('heading', { level: 2, name: 'Stamps added · 2' }).waitFor();
  // cust-42 and the three imported (a deleted stamp's history goes with it).
  await page.getByRole('heading', { level: 2, name: 'Stamps issued · 4' }).waitFor();
  await screen(page, '14-figures');

  // 10. Webhooks: an endpoint at a receiver on this machine, its secret shown once, a signed
  // test event delivered and re-sent from the delivery log, then rotate, disable, delete.
  const receiver = await startReceiver();
  await nav(page, 'Webhooks');
  await page.getByText('No endpoints yet.', { exact: true }).waitFor();
  // The core's checks, live: a URL that is not http(s), and no event type ticked.
  await page.getByLabel('URL', { exact: true }).fill('ftp://shop.example/hooks');
  await page.locator('#hook-url-error').getByText('url must be an absolute https URL').waitFor();
  await page.getByLabel('URL', { exact: true }).fill(`${receiver.url}/hooks`);
  if (await page.locator('#hook-url-error').count()) fail('a valid URL is still refused');
  await page.getByLabel(/^All events/).uncheck();
  await expectText(page, 'events must list at least one event type');
  await page.getByLabel(/^All events/).check();
  await page.getByLabel('Card', { exact: true }).selectOption(String(cardIdx));
  await screen(page, '26-webhook-new');
  await page.getByRole('button', { name: 'Add endpoint' }).click();
  await expectText(page, 'it is shown only once');
  const secret = (await page.locator('.new-key code').textContent()).trim();
  if (!secret.startsWith('whsec_')) fail(`secret: ${secret}`);
  await page.getByRole('cell', { name: `${receiver.url}/hooks`, exact: true }).waitFor();
  await page.getByRole('cell', { name: 'Crumb Club', exact: true }).waitFor();
  await page.getByRole('button', { name: 'Copy secret' }).click();
  await expectText(page, 'Secret copied.');
  if ((await page.evaluate(() => navigator.clipboard.readText())) !== secret) fail('the copied secret differs');
  await screen(page, '27-webhook-secret');
  // Shown only once: the page opened again does not have it.
  await page.reload();
  await page.getByRole('cell', { name: `${receiver.url}/hooks`, exact: true }).waitFor();
  if ((await page.content()).includes(secret)) fail('the secret is shown again');

  await page.getByRole('button', { name: /^Send test event/ }).click();
  await expectText(page, 'Test event queued');
  await until('the test event', () => receiver.requests.length >= 1);
  const first = receiver.requests[0];
  if (JSON.parse(first.body).eventType !== 'webhook.test' || !vivoldiSigned(first, secret)) {
    fail(`test event: ${JSON.stringify(first)}`);
  }
  await page.getByRole('link', { name: /^Delivery log/ }).click();
  await page.getByRole('heading', { level: 1, name: 'Delivery log' }).waitFor();
  const row = page.locator('table tbody tr').first();
  const refreshUntil = async (what, check) =>
    until(what, async () => {
      await page.getByRole('button', { name: 'Refresh' }).click();
      await page.getByRole('button', { name: 'Refresh' }).waitFor({ state: 'visible' });
      await page.waitForFunction(() => !document.querySelector('table[aria-busy=true]'));
      return check();
    });
  await refreshUntil('the delivery in the log', async () => (await row.count()) === 1 && (await row.textContent()).includes('Delivered'));
  const cells = await row.locator('td').allTextContents();
  if (!cells[0].includes(first.headers['x-vivoldi-event-id']) || cells[2] !== '1' || !cells[3].includes('HTTP 200') || cells[4] !== 'ok') {
    fail(`delivery row: ${JSON.stringify(cells)}`);
  }
  await screen(page, '28-webhook-log');
  await row.getByRole('button', { name: /^Re-send/ }).click();
  await expectText(page, 'Queued again');
  await until('the re-sent event', () => receiver.requests.length >= 2);
  const again = receiver.requests[1];
  if (again.headers['x-vivoldi-event-id'] !== first.headers['x-vivoldi-event-id'] || again.headers['x-vivoldi-request-id'] === first.headers['x-vivoldi-request-id']) {
    fail(`re-send: ${JSON.stringify([first.headers, again.headers])}`);
  }
  await refreshUntil('the second attempt in the log', async () => (await row.locator('td').nth(2).textContent()) === '2' && (await row.textContent()).includes('Delivered'));

  await page.getByRole('link', { name: 'All endpoints' }).click();
  await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
  await page.getByRole('button', { name: /^Rotate secret/ }).click();
  await expectText(page, 'keeps signing too for 24 hours');
  const rotated = (await page.locator('.new-key code').textContent()).trim();
  if (!rotated.startsWith('whsec_') || rotated === secret) fail(`rotated secret: ${rotated}`);
  await expectText(page, 'Old secret signs until');
  await page.getByRole('button', { name: /^Disable/ }).click();
  await page.locator('table .badge').getByText('Disabled', { exact: true }).waitFor();
  await page.getByRole('button', { name: /^Send test event/ }).click();
  await expectText(page, 'the webhook is disabled; enable it first');
  await page.getByRole('button', { name: /^Enable/ }).click();
  await page.locator('table .badge').getByText('Enabled', { exact: true }).waitFor();
  await page.getByRole('button', { name: /^Delete/ }).click();
  const hookDialog = page.getByRole('dialog');
  await hookDialog.getByText('Delete this endpoint?').waitFor();
  await screen(page, '29-webhook-delete-confirm');
  await hookDialog.getByRole('button', { name: 'Delete' }).click();
  await expectText(page, 'Endpoint deleted.');
  await page.getByText('No endpoints yet.', { exact: true }).waitFor();

  // 11. The staff login: the owner's pages and actions are not offered, and a delete is refused.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
  await signIn(page, base, STAFF_LOGIN);
  const links = await page.getByRole('navigation').getByRole('link').allTextContents();
  if (JSON.stringify(links) !== JSON.stringify(['Cards', 'Stamps'])) fail(`staff navigation: ${JSON.stringify(links)}`);
  // An owner's page opened by its address shows the stamps instead (and the API refuses it).
  await page.goto(`${base}/#/webhooks`);
  await page.getByRole('heading', { level: 1, name: 'Stamps' }).waitFor();
  const hooksRefused = await page.evaluate(() => fetch('/api/stamp/v1/webhook/list').then((r) => r.status));
  if (hooksRefused !== 403) fail(`staff webhook list: HTTP ${hooksRefused}`);
  await search(page, 'cust-42', 1);
  if (await page.getByRole('checkbox').count()) fail('staff are offered bulk changes');
  await page.locator('table tbody tr').first().getByRole('link').click();
  await page.getByRole('heading', { level: 1, name: /^Stamp #\d+$/ }).waitFor();
  const stampIdx = Number(page.url().match(/#\/stamp\/(\d+)$/)[1]);
  // The counter's work is offered; the owner's is not.
  await page.getByRole('button', { name: 'Add stamp' }).waitFor();
  for (const owners of ['Delete', 'Deactivate', 'Set count']) {
    if (await page.getByRole('button', { name: owners }).count()) fail(`staff are offered ${owners}`);
  }
  await screen(page, '15-staff-stamp');
  // And the API refuses the delete to this session, with the CSRF token it holds.
  const refusal = await page.evaluate(async (idx) => {
    const me = await fetch('/api/admin/v1/me').then((r) => r.json());
    const response = await fetch(`/api/stamp/v1/delete?stampIdx=${idx}`, { method: 'DELETE', headers: { 'X-CSRF-Token': me.result.csrfToken } });
    return { role: me.result.role, status: response.status, body: await response.json() };
  }, stampIdx);
  if (refusal.role !== 'staff' || refusal.status !== 403 || refusal.body.code !== 2053) fail(`staff delete: ${JSON.stringify(refusal)}`);
  // The stamp is still there.
  await search(page, 'cust-42', 1);

  // A narrow phone-sized screen of the table.
  await page.setViewportSize({ width: 390, height: 844 });
  await screen(page, '16-stamps-390px');

  // 12. Every owner screen in Korean on a 390 px phone: translated, axe-clean, and nothing
  // wider than the screen (wide tables scroll inside their own box, not the page).
  const ko = await browser.newContext({ viewport: { width: 390, height: 844 }, reducedMotion: 'reduce', locale: 'ko-KR' });
  const koPage = await ko.newPage();
  koPage.setDefaultTimeout(STEP_TIMEOUT);
  koPage.on('pageerror', (error) => pageErrors.push(error.message));
  lastPage = koPage;
  await koPage.goto(`${base}/`);
  await koPage.getByRole('heading', { level: 1, name: '로그인' }).waitFor();
  await screen(koPage, '17-ko-sign-in');
  await koPage.getByLabel('이메일', { exact: true }).fill(OWNER.email);
  await koPage.getByLabel('비밀번호', { exact: true }).fill(OWNER.password);
  await koPage.getByRole('button', { name: '로그인' }).click();
  await koPage.getByRole('navigation').waitFor();
  const koLinks = await koPage.getByRole('navigation').getByRole('link').allTextContents();
  const expected = ['카드', '스탬프', '직원', 'API 키', '가져오기', '내보내기', '통계', '웹훅'];
  if (JSON.stringify(koLinks) !== JSON.stringify(expected)) fail(`Korean navigation: ${JSON.stringify(koLinks)}`);
  for (const [i, name] of expected.entries()) {
    await nav(koPage, name);
    await koPage.waitForLoadState('networkidle');
    const overflow = await koPage.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    if (overflow > 1) fail(`${name} at 390 px is ${overflow} px wider than the screen`);
    await screen(koPage, `${18 + i}-ko-390px-${i}`);
  }
  await ko.close();

  if (pageErrors.length) fail(`page errors: ${pageErrors.join('; ')}`);
  log(`all good; screenshots in ${path.relative(ROOT, SHOTS)}/`);
}

const watchdog = setTimeout(() => {
  console.error('[e2e dashboard] FAILED: took longer than', TOTAL_TIMEOUT / 1000, 's');
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
  console.error('[e2e dashboard] FAILED:', error.stack || error);
  if (lastPage) await lastPage.screenshot({ path: path.join(SHOTS, 'failure.png'), fullPage: true }).catch(() => {});
  console.error('[e2e dashboard] server log (tail):\n' + serverLog.slice(-4000));
} finally {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      console.error('[e2e dashboard] cleanup:', error.message);
    }
  }
  clearTimeout(watchdog);
}
process.exit(failed ? 1 : 0);
