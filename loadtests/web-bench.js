'use strict';
// The web app in headless Chromium (Debian's, driven by playwright-core) against a running node:
//
// 1. Initial load of a canvas page, cold (a fresh browser context each time: empty HTTP cache,
//    the session's cookies only): JS bytes transferred and decoded (Resource Timing of the
//    page's scripts), and time to interactive = from the start of the navigation until the
//    canvas's cell editor is on the page and editable (a MutationObserver installed before the
//    page's own scripts). Then the same warm (a reload in the last context: scripts from cache).
// 2. Keystroke to remote paint: Alice types --keys characters into a cell, one every
//    --interval ms (open loop, as a fast typist); Bob's page, in another context, watches the
//    cell's editor with a MutationObserver. Shared clock: performance.timeOrigin + now() in both
//    pages (one machine, one system clock). For keystroke k: from Alice's keydown (capture
//    listener on her document) to the first animation frame after Bob's editor first holds k
//    characters (the frame in which the browser paints it). The same on Alice's own page
//    (local echo) is the reference: what the browser and the editor cost without the network
//    and the server.
//
//   node web-bench.js --url http://127.0.0.1:8080 [--chromium /usr/bin/chromium]
//        [--loads 5] [--keys 300] [--interval 50] [--goal-p95 100]
//
// Prints one JSON line. Nothing here asserts on timings; the goal is reported, not enforced.

const fs = require('fs');
const { chromium } = require('playwright-core');
const { webSteps } = require('../node/src/test/js/lib/web');

function parseArgs(argv, defaults) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in defaults)) throw new Error(`unknown option --${key}`);
    out[key] = typeof defaults[key] === 'number' ? Number(argv[++i]) : argv[++i];
  }
  return out;
}

const args = parseArgs(process.argv.slice(2), {
  url: 'http://127.0.0.1:8080',
  chromium: '/usr/bin/chromium',
  loads: 5,
  keys: 300,
  interval: 50,
  'goal-p95': 100,
});
const base = args.url.replace(/\/+$/, '');
const step = { step: (what) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${what}\n`) };
// a fresh node on a busy machine may take minutes over its first sign-ups
const w = webSteps(base, step, 300_000);
const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const alice = { name: 'Alice Bench', email: `alice-bench-${suffix}@example.com`, password: 'correct horse battery 1' };
const bob = { name: 'Bob Bench', email: `bob-bench-${suffix}@example.com`, password: 'correct horse battery 2' };

/** Installed before the page's scripts: the time (ms since navigation start) the first cell editor is editable. */
const WATCH_INTERACTIVE = () => {
  const seen = () => document.querySelector('[data-cell-editor] .cm-content[contenteditable="true"]');
  new MutationObserver((_, observer) => {
    if (window.__interactiveAt === undefined && seen()) {
      window.__interactiveAt = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true, attributes: true });
};

async function measureLoad(page, canvasUrl, reload) {
  if (reload) await page.reload();
  else await page.goto(canvasUrl);
  await page.waitForFunction(() => window.__interactiveAt !== undefined, null, { timeout: 120_000 });
  return page.evaluate(() => {
    const scripts = performance.getEntriesByType('resource').filter((e) => e.initiatorType === 'script' || /\.js(\?|$)/.test(e.name));
    const sum = (key) => scripts.reduce((total, e) => total + e[key], 0);
    return {
      timeToInteractiveMs: Math.round(window.__interactiveAt),
      jsFiles: scripts.length,
      jsTransferredBytes: sum('transferSize'),
      jsEncodedBytes: sum('encodedBodySize'),
      jsDecodedBytes: sum('decodedBodySize'),
    };
  });
}

function percentiles(values) {
  const sorted = [...values].sort((x, y) => x - y);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  const round = (x) => Math.round(x * 10) / 10;
  return { n: sorted.length, p50: round(at(0.5)), p95: round(at(0.95)), p99: round(at(0.99)), max: round(sorted[sorted.length - 1]) };
}

/** In the page: when the editor of `cellId` first holds k characters, and the next frame after. */
function watchEditor(page, cellId) {
  return page.evaluate((id) => {
    const content = document.querySelector(`[data-cell-editor="${id}"] .cm-content`);
    const now = () => performance.timeOrigin + performance.now();
    const seen = [];
    const painted = [];
    let length = content.textContent.length;
    new MutationObserver(() => {
      const next = content.textContent.length;
      if (next <= length) return;
      const at = now();
      const fresh = [];
      for (let k = length + 1; k <= next; k++) {
        seen[k] = at;
        fresh.push(k);
      }
      length = next;
      requestAnimationFrame(() => {
        const frame = now();
        for (const k of fresh) painted[k] = frame;
      });
    }).observe(content, { childList: true, subtree: true, characterData: true });
    window.__editorTimes = { seen, painted };
  }, cellId);
}

(async () => {
  if (!fs.existsSync(args.chromium)) throw new Error(`no Chromium at ${args.chromium}`);
  const browser = await chromium.launch({ executablePath: args.chromium, args: ['--no-sandbox'] });
  try {
    const a = await w.newPage(browser);
    const b = await w.newPage(browser);
    step.step('sign up Alice and Bob, a project, a canvas with a SQL cell');
    await w.signUp(a.page, alice);
    await w.signUp(b.page, bob);
    const { canvasUrl } = await w.projectWithCanvas(a.page, `Bench ${suffix}`, [[bob, 'editor']], 'Bench canvas');
    const cellId = await w.addCell(a.page, '+ SQL');

    step.step(`initial load, cold x${args.loads} and warm x${args.loads}`);
    const session = await a.context.storageState();
    const cold = [];
    let last = null;
    for (let i = 0; i < args.loads; i++) {
      if (last) await last.context.close();
      last = await w.newPage(browser, { storageState: session });
      await last.context.addInitScript(WATCH_INTERACTIVE);
      cold.push(await measureLoad(last.page, canvasUrl, false));
    }
    const warm = [];
    for (let i = 0; i < args.loads; i++) warm.push(await measureLoad(last.page, canvasUrl, true));
    await last.context.close();

    step.step(`keystrokes: ${args.keys}, one every ${args.interval} ms`);
    await b.page.goto(canvasUrl);
    await w.editorOf(b.page, cellId).waitFor(w.WAIT);
    await w.until('Bob is on the canvas for Alice', async () => (await w.presenceOf(a.page)).includes(bob.name));
    await watchEditor(b.page, cellId);
    await watchEditor(a.page, cellId);
    await a.page.evaluate(() => {
      window.__keydowns = [];
      document.addEventListener('keydown', () => window.__keydowns.push(performance.timeOrigin + performance.now()), true);
    });
    await w.editorOf(a.page, cellId).click();
    const letters = 'abcdefghijklmnopqrstuvwxyz';
    for (let k = 0; k < args.keys; k++) {
      await a.page.keyboard.press(letters[k % letters.length]);
      await new Promise((resolve) => setTimeout(resolve, args.interval));
    }
    await w.until('Bob has every keystroke, painted', async () =>
      b.page.evaluate((n) => window.__editorTimes.painted[n] !== undefined, args.keys));
    const keydowns = await a.page.evaluate(() => window.__keydowns);
    const remote = await b.page.evaluate(() => window.__editorTimes);
    const local = await a.page.evaluate(() => window.__editorTimes);
    if (keydowns.length !== args.keys) throw new Error(`${keydowns.length} keydowns for ${args.keys} keys`);
    const latency = (times) => keydowns.map((t, i) => times.painted[i + 1] - t);
    const remotePaint = percentiles(latency(remote));
    const median = (runs, key) => percentiles(runs.map((r) => r[key])).p50;
    const summary = (runs) => ({
      timeToInteractiveMs: percentiles(runs.map((r) => r.timeToInteractiveMs)),
      jsFiles: runs[0].jsFiles,
      jsTransferredBytes: median(runs, 'jsTransferredBytes'),
      jsEncodedBytes: median(runs, 'jsEncodedBytes'),
      jsDecodedBytes: median(runs, 'jsDecodedBytes'),
    });
    process.stdout.write(
      `${JSON.stringify({
        chromium: browser.version(),
        load: { cold: summary(cold), warm: summary(warm) },
        keystrokes: {
          count: args.keys,
          intervalMs: args.interval,
          remotePaintMs: remotePaint,
          remoteDomMs: percentiles(keydowns.map((t, i) => remote.seen[i + 1] - t)),
          localPaintMs: percentiles(latency(local)),
        },
        goal: { remotePaintP95Ms: args['goal-p95'], met: remotePaint.p95 <= args['goal-p95'] },
      })}\n`,
    );
  } finally {
    await browser.close().catch(() => {});
  }
})().catch((err) => {
  process.stderr.write(`FAIL: ${err && err.stack || err}\n`);
  process.exit(1);
});
