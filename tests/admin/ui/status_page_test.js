// Browser test of the status page (GET /ui; src/admin/ui): starts three fake models and
// modelgate with config/status-demo.yaml (every strategy), drives traffic on every route, and
// drives Debian's Chromium through npm playwright-core (tests/node) to check what a person would
// see: every route of the running config with its strategy, plots with data points, values that
// change after more traffic, and no console errors, failed requests or foreign requests.
// With --screenshot FILE it instead runs demo traffic for --seconds and saves a screenshot.
//
// Usage: node status_page_test.js --modelgate BIN --fake-model BIN --load BIN --users BIN
//          --repo DIR [--screenshot FILE --seconds N]
// Runs on Node 18 and 20. Exit status 0 = every check passed.
'use strict';

const { spawn } = require('child_process');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const REPO = args.repo && path.resolve(args.repo);
const CHROMIUM = '/usr/bin/chromium';
const children = [];
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mg-ui-'));

function fail(message) {
  console.error(`FAIL: ${message}`);
  cleanup();
  process.exit(1);
}

function cleanup() {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
  fs.rmSync(work, { recursive: true, force: true });
}
process.on('SIGTERM', () => fail('terminated'));
process.on('SIGINT', () => fail('interrupted'));

// Starts a server and resolves with its first stdout line matching `pattern`.
function startServer(name, file, argv, pattern) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let out = '', err = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start in 15 s: ${err}`)), 15000);
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(pattern);
      if (m) { clearTimeout(timer); resolve(m); }
    });
    child.stderr.on('data', (d) => { err = (err + d).slice(-4000); });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${name} exited (${code}): ${err}`)); });
  });
}

// Runs a tool to completion; rejects on a non-zero exit.
function run(name, file, argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let err = '';
    child.stderr.on('data', (d) => { err = (err + d).slice(-4000); });
    child.stdout.resume();
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${name} exited ${code}: ${err}`))));
  });
}

function getJson(url) {
  return new Promise((resolve, reject) => {
    http.get(url, { timeout: 5000 }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => {
        try { resolve(JSON.parse(body)); } catch (e) { reject(new Error(`${url}: ${e.message}`)); }
      });
    }).on('error', reject);
  });
}

// Traffic on every route for `seconds`: three ModelInfer routes told apart by x-route, the
// forward route (ServerLive), and simulated users of the interleave route who report clicks.
function traffic(grpc, seconds, users) {
  const load = (extra) => run('modelgate-load', args.load,
    ['--target', grpc, '--duration', String(seconds), '--concurrency', '2',
     '--sticky_header', 'x-user-id', '--keys', '5000', ...extra]);
  return Promise.all([
    load([]),
    load(['--header', 'x-route:canary']),
    load(['--header', 'x-route:shadow']),
    load(['--method', '/inference.GRPCInferenceService/ServerLive', '--concurrency', '1']),
    run('modelgate-interleave-users', args.users,
        ['--target', grpc, '--users', String(users)]),
  ]);
}

async function main() {
  for (const a of ['modelgate', 'fake-model', 'load', 'users', 'repo']) {
    if (!args[a]) fail(`missing --${a} (usage: see the header of this file)`);
  }
  // The browser is a dependency like any other: missing means the setup is broken, not "skip".
  if (!fs.existsSync(CHROMIUM)) fail(`${CHROMIUM} is missing: run bash scripts/deps.sh`);
  let chromium;
  try {
    ({ chromium } = require(path.join(REPO, 'tests/node/node_modules/playwright-core')));
  } catch (e) {
    fail(`playwright-core is not installed in tests/node: run bash scripts/deps.sh (${e.message})`);
  }

  const model = (name, extra) => startServer(name, args['fake-model'],
    ['--name', name, '--latency_ms', '1', ...extra], /127\.0\.0\.1:\d+/);
  const [legacy, candidate, twin] = await Promise.all([
    model('legacy', ['--recommend_noise', '0.3', '--recommend_seed', '1']),
    model('candidate', ['--latency_ms', '2', '--output_shift', '0.05', '--recommend_noise', '0.15',
                        '--recommend_seed', '2']),
    model('twin', []),
  ]);
  const config = fs.readFileSync(path.join(REPO, 'config/status-demo.yaml'), 'utf8')
    .replace('127.0.0.1:9001', legacy[0]).replace('127.0.0.1:9002', candidate[0])
    .replace('127.0.0.1:9003', twin[0]).replace('127.0.0.1:8500', '127.0.0.1:0')
    .replace('127.0.0.1:9901', '127.0.0.1:0');
  fs.writeFileSync(path.join(work, 'config.yaml'), config);
  const listening = await startServer('modelgate', args.modelgate,
    ['serve', '--config', path.join(work, 'config.yaml')], /grpc=(\S+) admin=(\S+)/);
  const [grpc, admin] = [listening[1], listening[2]];
  const origin = `http://${admin}`;

  const screenshot = args.screenshot;
  const seconds = screenshot ? Number(args.seconds || 60) : 12;
  // In the background: the history samples every 5 s, so plots fill while the browser loads.
  const background = traffic(grpc, seconds, screenshot ? 3000 : 60);

  // A fresh profile in the work directory (removed at the end).
  const browser = await chromium.launchPersistentContext(path.join(work, 'chromium'), {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
    timeout: 30000,
  });
  try {
    const page = await browser.newPage();
    const problems = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`failed request: ${r.url()} ${r.failure().errorText}`));
    page.on('request', (r) => {
      if (!r.url().startsWith(origin + '/')) problems.push(`request outside the admin port: ${r.url()}`);
    });
    page.on('response', (r) => { if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
    page.setDefaultTimeout(20000);
    await page.goto(`${origin}/ui`);

    if (screenshot) {
      // While the traffic still runs: once the A/B route's rate plot has a minute of points.
      const want = Math.max(2, Math.floor((seconds - 8) / 5));
      await page.waitForFunction((n) => {
        const lines = document.querySelectorAll('section[data-route="infer-ab"] svg[data-metric="rate"] polyline');
        return [...lines].some((l) => l.getAttribute('points').trim().split(/\s+/).length >= n);
      }, want, { timeout: (seconds + 10) * 1000 });
      await page.screenshot({ path: screenshot, fullPage: false });
      await background;
      if (problems.length) fail(problems.join('\n'));
      console.log(`screenshot: ${screenshot}`);
      return;
    }

    // 1. Every route of the running config, with its strategy.
    const running = await getJson(`${origin}/api/v1/config`);
    const expected = running.routes.map((r) => ({ name: r.name, strategy: r.strategy }));
    if (expected.length < 5) fail(`the config should have 5 routes, /api/v1/config lists ${expected.length}`);
    await page.waitForFunction((routes) => routes.every((r) => {
      const card = document.querySelector(`section[data-route="${r.name}"]`);
      const badge = card && card.querySelector('h2 .strategy');
      return badge && badge.textContent === r.strategy;
    }), expected).catch(async () => {
      const shown = await page.$$eval('section[data-route]', (s) => s.map((e) => e.getAttribute('data-route') +
        ':' + (e.querySelector('h2 .strategy') || {}).textContent));
      fail(`routes shown ${JSON.stringify(shown)}, expected ${JSON.stringify(expected)}`);
    });
    console.log(`ok: all ${expected.length} routes shown with their strategies`);

    // 2. Plots with data points: count the polylines' points, in every route's request-rate
    //    plot and in the A/B route's p99 plot.
    const countPoints = (selector) => page.evaluate((sel) => {
      let n = 0;
      for (const line of document.querySelectorAll(`${sel} polyline`)) {
        n += line.getAttribute('points').trim().split(/\s+/).filter(Boolean).length;
      }
      return n;
    }, selector);
    await page.waitForFunction((names) => names.every((name) => {
      let n = 0;
      for (const line of document.querySelectorAll(`section[data-route="${name}"] svg[data-metric="rate"] polyline`)) {
        n += line.getAttribute('points').trim().split(/\s+/).length;
      }
      return n > 1;
    }), expected.map((r) => r.name), { timeout: 25000 }).catch(async () => {
      const counts = {};
      for (const r of expected) counts[r.name] = await countPoints(`section[data-route="${r.name}"] svg[data-metric="rate"]`);
      fail(`request-rate plots should have more than one point each: ${JSON.stringify(counts)}`);
    });
    const p99Points = await countPoints('section[data-route="infer-ab"] svg[data-metric="p99"]');
    if (!(p99Points > 1)) fail(`the A/B route's p99 plot has ${p99Points} points`);
    console.log(`ok: every route's request-rate plot has points; A/B p99 plot ${p99Points} points`);

    // 3. Strategy panels: verdicts, canary, shadow agreement, interleaving preference.
    for (const [route, panel] of [['infer-ab', 'stats'], ['predict-canary', 'canary'],
                                  ['infer-shadow', 'shadow'], ['rank', 'interleave']]) {
      await page.waitForSelector(`section[data-route="${route}"] [data-panel="${panel}"]`)
        .catch(() => fail(`route ${route} shows no ${panel} panel`));
    }
    console.log('ok: verdict, canary, shadow and interleaving panels shown');

    // 4. The page updates: the A/B route's call totals grow by the calls sent after this read.
    await background;
    const totals = () => page.$$eval('section[data-route="infer-ab"] td[data-total]',
      (cells) => cells.reduce((s, c) => s + Number(c.textContent), 0));
    const before = await totals();
    const more = 300;
    await run('modelgate-load', args.load,
      ['--target', grpc, '--requests', String(more), '--concurrency', '2', '--sticky_header', 'x-user-id']);
    await page.waitForFunction(({ sel, want }) => {
      let t = 0;
      for (const c of document.querySelectorAll(sel)) t += Number(c.textContent);
      return t >= want;
    }, { sel: 'section[data-route="infer-ab"] td[data-total]', want: before + more }, { timeout: 10000 })
      .catch(async () => fail(`A/B calls shown went from ${before} to ${await totals()}, expected +${more}`));
    console.log(`ok: A/B calls shown went from ${before} to ${await totals()} after ${more} more calls`);

    // 5. Nothing went wrong in the browser.
    if (problems.length) fail(`browser problems:\n${problems.join('\n')}`);
    console.log('ok: no console errors, failed or foreign requests');
  } finally {
    await browser.close();
  }
}

const limit = 90 + (args.screenshot ? Number(args.seconds || 60) : 0);
const watchdog = setTimeout(() => fail(`the test took more than ${limit} s`), limit * 1000);
main().then(() => { clearTimeout(watchdog); cleanup(); }, (e) => fail(e.stack || e.message));
