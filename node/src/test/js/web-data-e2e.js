'use strict';
// The web app's datasets, full results, help panel, themes and permission errors, end to end:
// Chromium (Debian's, driven by playwright-core) against a running Easel node.
//
//   node web-data-e2e.js --url http://127.0.0.1:8080 [--chromium /usr/bin/chromium] [--shots DIR]
//
// Scenario (a), datasets: Alice signs up, creates a project and drops `sales.csv` on its datasets
//   panel (a real drop event carrying the file): the catalog lists `sales` with its 3 rows, and its
//   preview shows the schema (region VARCHAR, amount BIGINT) and the first rows. She drops
//   `broken.csv`, whose line 3 has one column too few: the server's error, naming line 3, shows on
//   the upload and nothing is added. She picks `events.csv` (about 10 MB, two chunks of the
//   resumable upload) with the file picker while the network drops its second chunk once: the
//   upload asks the server how far it got (`Content-Range: bytes */size`), goes on from the
//   8 MiB it has (not from 0), and the catalog lists all 600,000 rows.
// Scenario (b), a million-row result: she adds a SQL cell `SELECT range AS n FROM range(1000000)`
//   on a canvas; once it is done she opens its full result, presses End in the grid and sees row
//   1,000,000 with the value 999999, having read the first and the last page only (by offset),
//   not the 1,998 pages in between.
// Scenario (c), a permission error: Bob, an editor, has the project open when Alice makes him a
//   viewer; he drops a file: the refusal says which roles may upload and what he is now ("Only
//   editors and owners may upload or rename datasets; you are a viewer of this project").
// Scenario (d), help and themes: `?` on the board opens the keyboard shortcuts (Shift + Enter is
//   there); choosing Dark makes the page dark, and it stays dark after a reload.
// Every wait is on a condition, never on time. --shots saves screenshots (light and dark) there.
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
  seconds: 420,
});
const watchdog = c.startWatchdog(args.seconds);
const base = args.url.replace(/\/+$/, '');
const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const WAIT = { timeout: 120_000 };
const CHUNK = 8 * 1024 * 1024;

const alice = { name: 'Alice Analyst', email: `alice-data-${suffix}@example.com`, password: 'correct horse battery 1' };
const bob = { name: 'Bob Builder', email: `bob-data-${suffix}@example.com`, password: 'correct horse battery 2' };

const { newPage, signUp, until } = webSteps(base, watchdog, WAIT.timeout);

/** Drops a file on an element the way a browser does: dragenter, dragover, drop with a DataTransfer. */
async function dropFile(page, selector, name, type, text) {
  const transfer = await page.evaluateHandle(({ name, type, text }) => {
    const data = new DataTransfer();
    data.items.add(new File([text], name, { type }));
    return data;
  }, { name, type, text });
  for (const event of ['dragenter', 'dragover', 'drop']) {
    await page.dispatchEvent(selector, event, { dataTransfer: transfer });
  }
}

const catalogRow = (page, name) => page.locator(`[data-dataset="${name}"]`);

async function shot(page, shots, name) {
  if (!args.shots) return;
  const file = path.join(args.shots, name);
  await page.screenshot({ path: file });
  shots.push(file);
}

(async () => {
  watchdog.step(`launch ${args.chromium}`);
  if (!fs.existsSync(args.chromium)) c.fatal(`no Chromium at ${args.chromium}`);
  if (args.shots) fs.mkdirSync(args.shots, { recursive: true });
  const browser = await chromium.launch({ executablePath: args.chromium, args: ['--no-sandbox'] });
  const shots = [];
  try {
    const a = await newPage(browser);
    const b = await newPage(browser);
    watchdog.step('Alice and Bob sign up');
    await signUp(a.page, alice);
    await signUp(b.page, bob);
    watchdog.step('Alice creates a project and adds Bob as editor');
    await a.page.getByLabel('New project').fill(`Data ${suffix}`);
    await a.page.getByRole('button', { name: 'Create project' }).click();
    await a.page.waitForURL(/\/projects\/[^/]+$/, WAIT);
    const projectId = a.page.url().split('/').pop();
    await a.page.getByRole('textbox', { name: 'Email', exact: true }).fill(bob.email);
    await a.page.getByRole('combobox', { name: 'Role', exact: true }).click();
    await a.page.getByRole('option', { name: 'editor', exact: true }).click();
    await a.page.getByRole('button', { name: 'Add existing account' }).click();
    await a.page.getByText(bob.email, { exact: true }).waitFor(WAIT);

    // (a) datasets
    watchdog.step('Alice drops sales.csv on the datasets panel');
    const panel = '[data-testid="datasets-panel"]';
    await a.page.locator(panel).waitFor(WAIT);
    await dropFile(a.page, panel, 'sales.csv', 'text/csv', 'region,amount\nnorth,10\nsouth,20\neast,30\n');
    await catalogRow(a.page, 'sales').waitFor(WAIT);
    const salesRows = (await catalogRow(a.page, 'sales').locator('td').nth(1).textContent()).trim();
    if (salesRows !== '3') c.fatal(`the catalog says sales has ${salesRows} rows, not 3`);
    watchdog.step('Alice previews sales');
    await a.page.getByRole('button', { name: 'Preview sales' }).click();
    const preview = a.page.getByTestId('dataset-preview');
    await preview.locator('tbody tr').nth(2).waitFor(WAIT);
    const schema = (await preview.getByTestId('dataset-schema').textContent()).replace(/\s+/g, ' ');
    if (!schema.includes('region VARCHAR') || !schema.includes('amount BIGINT')) c.fatal(`the preview's schema is ${JSON.stringify(schema)}`);
    const firstRow = await preview.locator('tbody tr').first().locator('td').allTextContents();
    if (firstRow.join(',') !== 'north,10') c.fatal(`the preview's first row is ${JSON.stringify(firstRow)}`);
    await shot(a.page, shots, 'datasets-preview.png');
    await a.page.keyboard.press('Escape');
    await preview.waitFor({ state: 'detached', ...WAIT });

    watchdog.step('Alice drops broken.csv: the server says what is wrong and where');
    await dropFile(a.page, panel, 'broken.csv', 'text/csv', 'a,b,c\n1,2,3\n4,5\n');
    const failed = a.page.locator('[data-upload="broken"][data-upload-state="failed"]');
    await failed.waitFor(WAIT);
    const brokenMessage = await failed.textContent();
    if (!/line 3/.test(brokenMessage)) c.fatal(`the failed upload does not name line 3: ${JSON.stringify(brokenMessage)}`);
    if ((await catalogRow(a.page, 'broken').count()) !== 0) c.fatal('a refused file reached the catalog');

    watchdog.step('Alice picks events.csv (two chunks); its second chunk is dropped once');
    const lines = ['id,kind,amount'];
    for (let i = 0; i < 600_000; i++) lines.push(`${i},${i % 3 === 0 ? 'click' : 'view'},${(i * 7) % 1000}`);
    const events = Buffer.from(`${lines.join('\n')}\n`);
    if (events.length <= CHUNK) c.fatal(`events.csv is ${events.length} bytes, not more than one chunk`);
    const ranges = [];
    let dropped = false;
    await a.page.route('**/v1/uploads/**', async (route) => {
      const range = route.request().headers()['content-range'] || '';
      ranges.push(range);
      if (!dropped && range.startsWith(`bytes ${CHUNK}-`)) {
        dropped = true;
        await route.abort('connectionreset');
        return;
      }
      await route.continue();
    });
    const chooser = a.page.waitForEvent('filechooser', WAIT);
    await a.page.getByRole('button', { name: 'Upload files' }).click();
    await (await chooser).setFiles({ name: 'events.csv', mimeType: 'text/csv', buffer: events }, WAIT);
    await catalogRow(a.page, 'events').waitFor(WAIT);
    const eventRows = (await catalogRow(a.page, 'events').locator('td').nth(1).textContent()).trim();
    if (eventRows !== '600,000') c.fatal(`the catalog says events has ${eventRows} rows`);
    const total = events.length;
    const expected = [`bytes 0-${CHUNK - 1}/${total}`, `bytes ${CHUNK}-${total - 1}/${total}`, `bytes */${total}`, `bytes ${CHUNK}-${total - 1}/${total}`];
    if (JSON.stringify(ranges) !== JSON.stringify(expected)) {
      c.fatal(`the upload did not resume from what the server had: ${JSON.stringify(ranges)}, expected ${JSON.stringify(expected)}`);
    }
    await a.page.unroute('**/v1/uploads/**');
    await shot(a.page, shots, 'datasets-panel.png');

    // (b) a million rows
    watchdog.step('Alice creates a canvas with a million-row SQL cell');
    await a.page.getByLabel('New canvas').fill('A million rows');
    await a.page.getByRole('button', { name: 'Create canvas' }).click();
    await a.page.waitForURL(/\/canvases\/[^/]+$/, WAIT);
    const canvasUrl = a.page.url();
    await a.page.getByRole('button', { name: '+ SQL' }).click();
    const node = a.page.locator('.react-flow__node').first();
    await node.waitFor(WAIT);
    const cellId = await node.getAttribute('data-id');
    await a.page.locator(`[data-cell-editor="${cellId}"] .cm-content`).click();
    await a.page.keyboard.type('SELECT range AS n FROM range(1000000)');
    await until('the cell is done with 1,000,000 rows', async () => {
      const badge = node.locator('[data-run-state="done"]');
      return (await badge.count()) > 0 && (await badge.textContent()).includes('1,000,000 rows');
    });
    const pages = [];
    a.page.on('request', (request) => {
      if (/\/results\/[0-9a-f]{32}\?/.test(request.url())) pages.push(new URL(request.url()).searchParams.get('offset'));
    });
    watchdog.step('Alice opens the full result and presses End');
    await node.getByRole('button', { name: /Open full result/ }).click();
    const grid = a.page.getByTestId('result-body');
    await grid.waitFor(WAIT);
    await a.page.locator('[data-row="0"] [role="gridcell"]').filter({ hasText: /^0$/ }).waitFor(WAIT);
    await grid.focus();
    await a.page.keyboard.press('End');
    const last = a.page.locator('[data-row="999999"]');
    await last.locator('[role="gridcell"]').filter({ hasText: /^999999$/ }).waitFor(WAIT);
    const lastNumber = (await last.locator('[role="rowheader"]').textContent()).trim();
    if (lastNumber !== '1,000,000') c.fatal(`the last row is numbered ${lastNumber}`);
    const shown = await a.page.getByTestId('result-rows-shown').textContent();
    if (!shown.includes('of 1,000,000')) c.fatal(`the grid says ${JSON.stringify(shown)}`);
    if (pages.length > 4 || !pages.includes('0') || !pages.includes('999500')) {
      c.fatal(`jumping to the end read pages at offsets ${JSON.stringify(pages)}, not the first and last only`);
    }
    await shot(a.page, shots, 'result-grid-last-row.png');
    await a.page.keyboard.press('Escape');
    await grid.waitFor({ state: 'detached', ...WAIT });

    // (c) a permission error
    watchdog.step('Bob opens the project as editor; Alice makes him a viewer');
    await b.page.goto(`${base}/projects/${projectId}`);
    await b.page.getByRole('button', { name: 'Upload files' }).waitFor(WAIT);
    const bobId = await a.page.evaluate(async ({ projectId, email }) => {
      const project = await (await fetch(`/v1/projects/${projectId}`, { credentials: 'same-origin' })).json();
      const member = project.members.find((m) => m.email === email);
      const csrf = decodeURIComponent((document.cookie.match(/(?:^|; )easel_csrf=([^;]*)/) || [])[1] || '');
      const answer = await fetch(`/v1/projects/${projectId}/members/${member.userId}`, {
        method: 'PATCH',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf },
        body: JSON.stringify({ role: 'viewer' }),
      });
      if (!answer.ok) throw new Error(`PATCH member: HTTP ${answer.status} ${await answer.text()}`);
      return member.userId;
    }, { projectId, email: bob.email });
    watchdog.step('Bob drops a file: the refusal says who may');
    await dropFile(b.page, panel, 'late.csv', 'text/csv', 'x\n1\n');
    const refused = b.page.locator('[data-upload="late"][data-upload-state="failed"]');
    await refused.waitFor(WAIT);
    const refusal = await refused.textContent();
    if (!refusal.includes('Only editors and owners may upload or rename datasets') || !refusal.includes('you are a viewer')) {
      c.fatal(`the refusal does not say who may: ${JSON.stringify(refusal)} (Bob is ${bobId})`);
    }
    await b.page.getByRole('button', { name: 'Upload files' }).waitFor({ state: 'detached', ...WAIT });

    // (d) help and themes
    watchdog.step('Alice presses ? on the board');
    await a.page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await a.page.keyboard.press('Shift+Slash');
    const help = a.page.getByTestId('shortcuts');
    await help.waitFor(WAIT);
    const helpText = await help.textContent();
    if (!helpText.includes('Run the SQL cell now') || !helpText.includes('Last row')) c.fatal(`the help panel lacks shortcuts: ${helpText}`);
    await until('the shortcuts panel has faded in', async () =>
      (await help.evaluate((el) => getComputedStyle(el.closest('.mantine-Modal-content')).opacity)) === '1');
    await shot(a.page, shots, 'help-shortcuts.png');
    await a.page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached', ...WAIT });
    watchdog.step('Alice chooses the dark theme, and it stays after a reload');
    await a.page.getByText('☾ Dark').click();
    const scheme = () => a.page.evaluate(() => document.documentElement.getAttribute('data-mantine-color-scheme'));
    await until('the page is dark', async () => (await scheme()) === 'dark');
    await a.page.reload();
    await a.page.locator('.react-flow__node').first().waitFor(WAIT);
    if ((await scheme()) !== 'dark') c.fatal('the dark theme was not remembered across a reload');
    await shot(a.page, shots, 'canvas-dark.png');
    await a.page.goto(`${base}/projects/${projectId}`);
    await catalogRow(a.page, 'events').waitFor(WAIT);
    await shot(a.page, shots, 'project-datasets-dark.png');

    watchdog.stop();
    c.succeed({
      ok: true,
      salesRows,
      schema,
      brokenMessage,
      eventRows,
      uploadRanges: ranges,
      lastRowNumber: lastNumber,
      pageOffsets: pages,
      refusal,
      dark: true,
      screenshots: shots,
    });
  } finally {
    await browser.close().catch(() => {});
  }
})().catch((err) => c.fatal(`${watchdog.waitingFor}: ${err && err.stack || err}`));
