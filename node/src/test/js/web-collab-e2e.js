'use strict';
// Live collaboration in the web app, end to end: Debian's Chromium (playwright-core) against a
// running Easel node, Alice (dark theme) and Bob (light theme) each in their own browser context.
//
//   node web-collab-e2e.js --url http://127.0.0.1:8080 [--chromium /usr/bin/chromium] [--shots DIR]
//
// Carets: Alice types in a SQL cell and puts her caret after its first word; Bob's editor shows a
// caret named "Alice Analyst" right there. Bob types at the start of the line: on his screen her
// caret moves with the text (presence is broadcast as sent and transformed by each browser
// through the ops it applies), and Alice sees Bob's caret with his name. Alice selects a word:
// Bob sees it shaded in her colour.
// Drags: while Bob drags the cell (mouse still down), Alice's board shows it moving, marked
// "Bob Builder is moving this cell", and the server's document still has the old layout (the
// drag travels as presence); on the drop the new layout is one op in the document and Alice's
// board keeps the cell where Bob dropped it.
// Offline: Bob's context goes offline (Playwright's setOffline): his page shows the offline
// banner; he keeps editing (text in two cells, a new cell) while Alice edits the same cell; the
// server does not have Bob's edits. Back online, his page sends them: both pages show the same
// cells with the same text as the server's document, holding both people's edits.
// --shots saves the canvas with both collaborators' carets from each side (Bob light, Alice dark);
// a caret stays where its owner left it when their editor loses the focus.
// Prints one JSON line; on failure a FAIL line (with the step it was at) and exit 1, 3 on the
// watchdog.

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');
const c = require('./lib/common');
const { webSteps } = require('./lib/web');

const args = c.parseArgs(process.argv.slice(2), {
  url: 'http://127.0.0.1:8080',
  chromium: '/usr/bin/chromium',
  shots: '',
  seconds: 280,
});
/** The last comparison of the two pages and the server after the offline edits (told on a timeout). */
let lastCompared = null;
const watchdog = c.startWatchdog(args.seconds, () => JSON.stringify(lastCompared));
const base = args.url.replace(/\/+$/, '');
// a node's first sign-ups may take over a minute on a busy machine (seen at load average 30)
const w = webSteps(base, watchdog, 120_000);
const { WAIT, editorOf, nodeOf, editorText, until, serverDocument } = w;
const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

const alice = { name: 'Alice Analyst', email: `alice-live-${suffix}@example.com`, password: 'correct horse battery 1' };
const bob = { name: 'Bob Builder', email: `bob-live-${suffix}@example.com`, password: 'correct horse battery 2' };

/** The caret of `name` in a cell's editor on `page`, and the text before it (null: none shown). */
async function caretOf(page, cellId, name) {
  return page.locator(`[data-cell-editor="${cellId}"]`).evaluate((host, who) => {
    const caret = host.querySelector(`[data-remote-caret="${who}"]`);
    if (!caret) return null;
    const range = document.createRange();
    range.setStart(host.querySelector('.cm-content'), 0);
    range.setEndBefore(caret);
    return { label: caret.getAttribute('data-name'), drawn: getComputedStyle(caret, '::after').content, before: range.toString() };
  }, name);
}

/** Every cell on the board of `page` with the text in its editor, by cell id. */
async function boardOf(page) {
  const ids = await page.locator('.react-flow__node').evaluateAll((els) => els.map((el) => el.getAttribute('data-id')));
  const board = {};
  for (const id of ids.sort()) board[id] = await editorText(page, id);
  return board;
}

function sourcesOf(document) {
  const sources = {};
  for (const id of Object.keys(document.cells).sort()) sources[id] = document.cells[id].source;
  return sources;
}

(async () => {
  watchdog.step(`launch ${args.chromium}`);
  if (!fs.existsSync(args.chromium)) c.fatal(`no Chromium at ${args.chromium}`);
  const browser = await chromium.launch({ executablePath: args.chromium, args: ['--no-sandbox'] });
  try {
    const a = await w.newPage(browser, { colorScheme: 'dark' });
    const b = await w.newPage(browser, { colorScheme: 'light' });

    watchdog.step('Alice and Bob sign up');
    await w.signUp(a.page, alice);
    await w.signUp(b.page, bob);
    watchdog.step('Alice creates a project with Bob as editor, a canvas and a SQL cell');
    const { projectId, canvasUrl, canvasId } = await w.projectWithCanvas(a.page, `Live ${suffix}`, [[bob, 'editor']], 'Live canvas');
    const cellId = await w.addCell(a.page, '+ SQL');
    await b.page.goto(canvasUrl);
    await editorOf(b.page, cellId).waitFor(WAIT);
    await until('Alice and Bob see each other (avatars)', async () =>
      (await w.presenceOf(a.page)).includes(bob.name) && (await w.presenceOf(b.page)).includes(alice.name));

    // ---- carets
    watchdog.step('Alice types and puts her caret after the first word');
    await editorOf(a.page, cellId).click();
    await a.page.keyboard.type('SELECT region FROM orders');
    await a.page.keyboard.press('Home');
    for (let i = 0; i < 'SELECT'.length; i++) await a.page.keyboard.press('ArrowRight');
    await until('Bob sees Alice\'s caret with her name after SELECT', async () => {
      const caret = await caretOf(b.page, cellId, alice.name);
      return caret !== null && caret.label === alice.name && caret.drawn === `"${alice.name}"` && caret.before === 'SELECT';
    });

    watchdog.step('Bob types at the start of the line');
    await editorOf(b.page, cellId).click();
    await b.page.keyboard.press('Control+Home');
    await b.page.keyboard.type('-- by region\n');
    await until('on Bob\'s screen, Alice\'s caret moved with his text', async () =>
      (await caretOf(b.page, cellId, alice.name))?.before === '-- by regionSELECT');
    await until('Alice sees Bob\'s caret with his name after his text', async () =>
      (await caretOf(a.page, cellId, bob.name))?.before === '-- by region');
    const caretsSeen = {
      byBob: await caretOf(b.page, cellId, alice.name),
      byAlice: await caretOf(a.page, cellId, bob.name),
    };

    watchdog.step('Alice selects the word region');
    await a.page.keyboard.press('ArrowRight');
    await a.page.keyboard.press('Shift+Control+ArrowRight');
    const selectionOnBob = b.page.locator(`[data-cell-editor="${cellId}"] [data-remote-selection="${alice.name}"]`);
    await until('Bob sees Alice\'s selection shaded', async () =>
      (await selectionOnBob.count()) > 0 && (await selectionOnBob.first().textContent()) === 'region');

    // ---- a drag, seen as it happens
    watchdog.step('Bob starts dragging the cell (mouse still down)');
    const layoutBefore = (await serverDocument(a.page, canvasId)).cells[cellId].layout;
    const startBox = await nodeOf(a.page, cellId).boundingBox();
    const handle = await b.page.locator(`.react-flow__node[data-id="${cellId}"] .cell-header`).boundingBox();
    await b.page.mouse.move(handle.x + 30, handle.y + handle.height / 2);
    await b.page.mouse.down();
    for (let i = 1; i <= 10; i++) await b.page.mouse.move(handle.x + 30 + i * 24, handle.y + handle.height / 2 + i * 12);
    await until('Alice sees the cell move while Bob still holds it', async () => {
      const box = await nodeOf(a.page, cellId).boundingBox();
      return box && box.x - startBox.x > 40 && box.y - startBox.y > 40;
    });
    await a.page.locator(`.react-flow__node[data-id="${cellId}"] [data-dragged-by="${bob.name}"]`).waitFor(WAIT);
    const layoutDuring = (await serverDocument(a.page, canvasId)).cells[cellId].layout;
    if (JSON.stringify(layoutDuring) !== JSON.stringify(layoutBefore)) {
      c.fatal(`the layout changed in the document before the drop: ${JSON.stringify(layoutBefore)} -> ${JSON.stringify(layoutDuring)}`);
    }
    watchdog.step('Bob drops the cell');
    await b.page.mouse.up();
    let layoutAfter = null;
    await until('the drop is in the server\'s document', async () => {
      layoutAfter = (await serverDocument(a.page, canvasId)).cells[cellId].layout;
      return layoutAfter.x > layoutBefore.x && layoutAfter.y > layoutBefore.y;
    });
    await until('Alice\'s board shows the cell where Bob dropped it, no longer marked as moving', async () => {
      const box = await nodeOf(a.page, cellId).boundingBox();
      const marked = await a.page.locator(`[data-dragged-by="${bob.name}"]`).count();
      return marked === 0 && box.x - startBox.x > 40 && box.y - startBox.y > 40;
    });

    // ---- screenshots: both carets on both screens
    let shots = [];
    if (args.shots) {
      watchdog.step(`screenshots into ${args.shots}`);
      fs.mkdirSync(args.shots, { recursive: true });
      const noteId = await w.addCell(b.page, '+ Markdown');
      await editorOf(b.page, noteId).click();
      await b.page.keyboard.type('## Orders by region\nBob checks the counts per region.');
      await until('Alice sees Bob\'s caret in the note', async () =>
        (await editorOf(a.page, noteId).count()) > 0 && (await caretOf(a.page, noteId, bob.name))?.before?.endsWith('region.') === true);
      await editorOf(a.page, cellId).click();
      await a.page.keyboard.press('Control+End');
      await a.page.keyboard.press('Shift+Control+ArrowLeft');
      await until('Bob sees Alice\'s selection of orders', async () => (await selectionOnBob.count()) > 0 && (await selectionOnBob.first().textContent()) === 'orders');
      for (const p of [a.page, b.page]) await p.locator('.react-flow__controls-fitview').click();
      // the editors lost the focus to the button: the carets stay where their owners left them
      await until('the carets are still shown once their editors lost the focus', async () =>
        (await caretOf(a.page, noteId, bob.name)) !== null && (await caretOf(b.page, cellId, alice.name)) !== null);
      const light = path.join(args.shots, 'canvas-live-carets.png');
      const dark = path.join(args.shots, 'canvas-live-carets-dark.png');
      await b.page.screenshot({ path: light });
      await a.page.screenshot({ path: dark });
      shots = [light, dark];
    }

    // ---- offline
    watchdog.step('Bob goes offline');
    await b.context.setOffline(true);
    await b.page.getByTestId('offline').waitFor(WAIT);
    watchdog.step('Bob edits offline: the SQL cell, and a new cell');
    await editorOf(b.page, cellId).click();
    await b.page.keyboard.press('Control+End');
    await b.page.keyboard.type(' -- offline by Bob');
    const offlineCell = await w.addCell(b.page, '+ Markdown');
    await editorOf(b.page, offlineCell).click();
    await b.page.keyboard.type('written offline');
    watchdog.step('Alice edits the same cell meanwhile');
    await editorOf(a.page, cellId).click();
    await a.page.keyboard.press('Control+Home');
    await a.page.keyboard.type('/* Alice */ ');
    await until('the server has Alice\'s edit', async () =>
      (await serverDocument(a.page, canvasId)).cells[cellId].source.startsWith('/* Alice */ '));
    const whileOffline = await serverDocument(a.page, canvasId);
    if (whileOffline.cells[cellId].source.includes('offline by Bob') || whileOffline.cells[offlineCell]) {
      c.fatal(`Bob's offline edits reached the server while he was offline: ${JSON.stringify(whileOffline.cells[cellId].source)}`);
    }
    if (!(await b.page.getByTestId('offline').isVisible())) c.fatal('the offline banner went away while Bob was offline');

    watchdog.step('Bob comes back online');
    await b.context.setOffline(false);
    await b.page.getByTestId('offline').waitFor({ state: 'detached', ...WAIT });
    let final = null;
    await until('both pages and the server hold the same cells and texts, with both people\'s edits', async () => {
      const server = sourcesOf(await serverDocument(a.page, canvasId));
      const onAlice = await boardOf(a.page);
      const onBob = await boardOf(b.page);
      final = { server, onAlice, onBob };
      lastCompared = final;
      const same = JSON.stringify(server) === JSON.stringify(onAlice) && JSON.stringify(server) === JSON.stringify(onBob);
      const sql = server[cellId] || '';
      return same && sql.startsWith('/* Alice */ ') && sql.endsWith(' -- offline by Bob') && server[offlineCell] === 'written offline';
    });

    watchdog.stop();
    c.succeed({
      ok: true,
      project: projectId,
      canvas: canvasId,
      caretsSeen,
      layoutBefore,
      layoutDuring,
      layoutAfter,
      afterOffline: final.server,
      identical: true,
      screenshots: shots,
    });
  } finally {
    await browser.close().catch(() => {});
  }
})().catch((err) => c.fatal(`${watchdog.waitingFor}: ${err && err.stack || err}`));
