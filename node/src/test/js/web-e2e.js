'use strict';
// The web app end to end: Chromium (Debian's, driven by playwright-core; no browser download)
// against a running Easel node that serves the app at /.
//
//   node web-e2e.js --url http://127.0.0.1:8080 [--chromium /usr/bin/chromium] [--shots DIR]
//
// Scenario (a), two people on one canvas, each in their own browser context:
//   Alice signs up in the app, creates a project and a canvas, adds a SQL cell; Bob signs up, Alice
//   adds him to the project as editor from the members panel; both open the canvas. Both must see
//   each other's avatar (presence); what Alice types in the cell appears in Bob's editor; the cell
//   Bob drags moves on Alice's board (its layout changed in the document, as the server has it).
// Scenario (b), a viewer: Carol signs up, Alice adds her as viewer; Carol's editor is read-only:
//   what she types changes nothing, and once Alice's next edit reaches Carol (so anything Carol's
//   page had sent would have been sequenced before it), neither the server's document nor Alice's
//   editor holds Carol's text.
// Scenario (e), a SQL cell runs by itself: Alice adds a SQL cell and types `SELECT 42 AS answer`; the
//   server runs it once the cell rests (auto-run) and writes the run state into the canvas's
//   canvas-runs document, which the page follows: the cell's badge says done and 1 row, and its
//   preview table has the column `answer` (INTEGER) and the value 42. Then she presses Shift+Enter
//   in the editor (RunCell): no refusal shows and the cell is still done.
// Scenario (c), two-step sign-in and sign-out: Dave (registered over REST, authenticator enrolled
//   and confirmed with a code computed here, RFC 6238) signs in with his password, is asked for
//   the second factor, passes with a recovery code, signs out, and is sent to sign-in again.
// Scenario (d), an invitation link: Alice invites Erin by email from the members panel; Erin, new
//   to Easel, opens the link (its #token), signs up on the way and lands in the project as a member.
// Every wait is on a condition, never on time. --shots saves screenshots of (a) there. Prints one
// JSON line; on failure a FAIL line (with the step it was at) and exit 1, 3 on the watchdog.

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');
const c = require('./lib/common');
const web = require('./lib/browser');
const auth = require('./lib/auth');

const args = c.parseArgs(process.argv.slice(2), {
  url: 'http://127.0.0.1:8080',
  chromium: '/usr/bin/chromium',
  shots: '',
  seconds: 240,
});
const watchdog = c.startWatchdog(args.seconds);
const base = args.url.replace(/\/+$/, '');
const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const WAIT = { timeout: 60_000 };

const people = {
  alice: { name: 'Alice Analyst', email: `alice-${suffix}@example.com`, password: 'correct horse battery 1' },
  bob: { name: 'Bob Builder', email: `bob-${suffix}@example.com`, password: 'correct horse battery 2' },
  carol: { name: 'Carol Viewer', email: `carol-${suffix}@example.com`, password: 'correct horse battery 3' },
};

const { newPage } = web;
const signUp = (page, person) => web.signUp(page, base, person, WAIT);

/** Alice adds `person` to the project with `role` from the members panel. */
async function addMember(page, person, role) {
  await page.getByRole('textbox', { name: 'Email', exact: true }).fill(person.email);
  await page.getByRole('combobox', { name: 'Role', exact: true }).click();
  await page.getByRole('option', { name: role, exact: true }).click();
  await page.getByRole('button', { name: 'Add existing account' }).click();
  await page.getByText(person.email, { exact: true }).waitFor(WAIT);
}

const editorOf = (page, cellId) => page.locator(`[data-cell-editor="${cellId}"] .cm-content`);
const nodeOf = (page, cellId) => page.locator(`.react-flow__node[data-id="${cellId}"]`);

async function editorText(page, cellId) {
  return editorOf(page, cellId).evaluate((el) => el.cmView ? el.cmView.view.state.doc.toString() : Array.from(el.querySelectorAll('.cm-line')).map((l) => l.textContent).join('\n'));
}

const until = (what, check) => web.until(watchdog, what, check);

/** The canvas document as the server has it (REST GetCanvas with the browser's cookies). */
async function serverDocument(page, canvasId) {
  return page.evaluate(async (id) => {
    const response = await fetch(`/v1/canvases/${id}`, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`GET /v1/canvases/${id}: HTTP ${response.status} ${await response.text()}`);
    return (await response.json()).document;
  }, canvasId);
}

/** The RFC 6238 code (HMAC-SHA1, 6 digits, 30 s steps) of a base32 secret, now. */
function totp(secret) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000)));
  const mac = crypto.createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0xf;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1000000).padStart(6, '0');
}

async function presenceOf(page) {
  return page.locator('[data-testid="presence"] [data-here]').evaluateAll((els) => els.map((el) => el.getAttribute('data-here')));
}

(async () => {
  watchdog.step(`launch ${args.chromium}`);
  if (!fs.existsSync(args.chromium)) c.fatal(`no Chromium at ${args.chromium}`);
  const browser = await chromium.launch({ executablePath: args.chromium, args: ['--no-sandbox'] });
  try {
    const a = await newPage(browser);
    const b = await newPage(browser);
    const v = await newPage(browser);

    watchdog.step('Alice signs up in the app');
    await signUp(a.page, people.alice);
    watchdog.step('Bob and Carol sign up');
    await signUp(b.page, people.bob);
    await signUp(v.page, people.carol);

    watchdog.step('Alice creates a project');
    await a.page.getByLabel('New project').fill(`Revenue ${suffix}`);
    await a.page.getByRole('button', { name: 'Create project' }).click();
    await a.page.waitForURL(/\/projects\/[^/]+$/, WAIT);
    const projectId = a.page.url().split('/').pop();

    watchdog.step('Alice adds Bob as editor and Carol as viewer');
    await addMember(a.page, people.bob, 'editor');
    await addMember(a.page, people.carol, 'viewer');

    watchdog.step('Alice creates a canvas and adds a SQL cell');
    await a.page.getByLabel('New canvas').fill('Orders by region');
    await a.page.getByRole('button', { name: 'Create canvas' }).click();
    await a.page.waitForURL(/\/canvases\/[^/]+$/, WAIT);
    const canvasUrl = a.page.url();
    const canvasId = canvasUrl.split('/').pop();
    await a.page.getByRole('button', { name: '+ SQL' }).click();
    const node = a.page.locator('.react-flow__node').first();
    await node.waitFor(WAIT);
    const cellId = await node.getAttribute('data-id');

    watchdog.step('Bob and Carol open the canvas');
    await b.page.goto(canvasUrl);
    await v.page.goto(canvasUrl);
    await editorOf(b.page, cellId).waitFor(WAIT);
    await editorOf(v.page, cellId).waitFor(WAIT);

    await until('Alice and Bob see each other (presence)', async () => {
      const seenByA = await presenceOf(a.page);
      const seenByB = await presenceOf(b.page);
      return seenByA.includes(people.bob.name) && seenByB.includes(people.alice.name);
    });

    watchdog.step('Alice types in the cell');
    const typed = 'SELECT region, count(*) FROM orders GROUP BY region';
    await editorOf(a.page, cellId).click();
    await a.page.keyboard.type(typed);
    await until('Bob sees what Alice typed', async () => (await editorText(b.page, cellId)) === typed);

    watchdog.step('Bob types at the end of the same cell');
    await editorOf(b.page, cellId).click();
    await b.page.keyboard.press('Control+End');
    await b.page.keyboard.type(' -- checked by Bob');
    const both = `${typed} -- checked by Bob`;
    await until('Alice sees Bob\'s words, both editors the same', async () =>
      (await editorText(a.page, cellId)) === both && (await editorText(b.page, cellId)) === both);

    watchdog.step('Bob drags the cell');
    const before = (await serverDocument(a.page, canvasId)).cells[cellId].layout;
    const startBox = await nodeOf(a.page, cellId).boundingBox();
    const handle = await b.page.locator(`.react-flow__node[data-id="${cellId}"] .cell-header`).boundingBox();
    await b.page.mouse.move(handle.x + 30, handle.y + handle.height / 2);
    await b.page.mouse.down();
    for (let i = 1; i <= 10; i++) {
      await b.page.mouse.move(handle.x + 30 + i * 24, handle.y + handle.height / 2 + i * 12);
    }
    await b.page.mouse.up();
    await until('the cell moves on Alice\'s board', async () => {
      const box = await nodeOf(a.page, cellId).boundingBox();
      return box && (Math.abs(box.x - startBox.x) > 40 || Math.abs(box.y - startBox.y) > 40);
    });
    const after = (await serverDocument(a.page, canvasId)).cells[cellId].layout;
    if (!(after.x > before.x && after.y > before.y)) {
      c.fatal(`the server's layout did not move right and down: before ${JSON.stringify(before)}, after ${JSON.stringify(after)}`);
    }

    let shots = [];
    if (args.shots) {
      watchdog.step(`screenshots into ${args.shots}`);
      fs.mkdirSync(args.shots, { recursive: true });
      // a note beside the query, for a fuller picture; Alice's caret back in the query
      await a.page.getByRole('button', { name: '+ Markdown' }).click();
      const note = a.page.locator('.react-flow__node').filter({ hasNot: a.page.locator(`[data-cell="${cellId}"]`) });
      await note.first().waitFor(WAIT);
      const noteId = await note.first().getAttribute('data-id');
      await editorOf(a.page, noteId).click();
      await a.page.keyboard.type('## Orders by region\nOne row per region. Bob checks the counts.');
      await until('Bob sees the note', async () => (await editorOf(b.page, noteId).count()) > 0 && (await editorText(b.page, noteId)).endsWith('counts.'));
      await editorOf(a.page, cellId).click();
      await until('Bob sees Alice in the cell', async () => (await b.page.locator(`.react-flow__node[data-id="${cellId}"] .cell-presence`).count()) > 0);
      await b.page.locator('.react-flow__controls-fitview').click();
      const shot = path.join(args.shots, 'canvas-two-collaborators.png');
      await b.page.screenshot({ path: shot });
      shots = [shot];
    }

    watchdog.step('Carol (viewer) tries to type');
    const viewerEditor = editorOf(v.page, cellId);
    const editable = await viewerEditor.getAttribute('contenteditable');
    await viewerEditor.click();
    await v.page.keyboard.type('DROP TABLE carol');
    const carolSees = await editorText(v.page, cellId);
    if (carolSees.includes('carol')) c.fatal(`the viewer's editor took her typing: ${JSON.stringify(carolSees)}`);
    watchdog.step('Alice edits again');
    await editorOf(a.page, cellId).click();
    await a.page.keyboard.press('Control+End');
    await a.page.keyboard.type(';');
    await until('Carol sees Alice\'s edit', async () => (await editorText(v.page, cellId)) === `${both};`);
    const final = (await serverDocument(a.page, canvasId)).cells[cellId].source;
    if (final !== `${both};`) c.fatal(`the server's source is ${JSON.stringify(final)}, expected ${JSON.stringify(`${both};`)}`);
    if ((await editorText(a.page, cellId)).includes('carol')) c.fatal('Carol\'s typing reached Alice');

    watchdog.step('Alice adds a SQL cell and types SELECT 42 AS answer');
    const existing = await a.page.locator('.react-flow__node').evaluateAll((els) => els.map((el) => el.getAttribute('data-id')));
    await a.page.getByRole('button', { name: '+ SQL' }).click();
    let answerId = null;
    await until('the new SQL cell is on the board', async () => {
      const ids = await a.page.locator('.react-flow__node').evaluateAll((els) => els.map((el) => el.getAttribute('data-id')));
      answerId = ids.find((id) => !existing.includes(id)) || null;
      return answerId !== null;
    });
    await a.page.locator('.react-flow__controls-fitview').click();
    await editorOf(a.page, answerId).click();
    await a.page.keyboard.type('SELECT 42 AS answer');
    const answerNode = nodeOf(a.page, answerId);
    const ranAnswer = async () => {
      const badge = answerNode.locator('[data-run-state="done"]');
      if ((await badge.count()) === 0 || !(await badge.textContent()).includes('1 row')) return false;
      const header = await answerNode.locator('[data-preview] th').allTextContents();
      const values = await answerNode.locator('[data-preview] td').allTextContents();
      return header.length === 1 && header[0].startsWith('answer') && values.length === 1 && values[0] === '42';
    };
    await until('the cell runs by itself: done, 1 row, 42 in its preview', ranAnswer);
    const answerHeader = (await answerNode.locator('[data-preview] th').allTextContents())[0];
    if (args.shots) {
      const shot = path.join(args.shots, 'canvas-sql-cell-run.png');
      await a.page.screenshot({ path: shot });
      shots.push(shot);
    }
    watchdog.step('Alice runs the cell with Shift+Enter');
    await editorOf(a.page, answerId).click();
    const answered = a.page.waitForResponse((r) => r.url().endsWith(`/cells/${answerId}:run`), WAIT);
    await a.page.keyboard.press('Shift+Enter');
    const runResponse = await answered;
    if (!runResponse.ok()) c.fatal(`RunCell answered HTTP ${runResponse.status()}: ${await runResponse.text()}`);
    await until('the cell is done again', ranAnswer);
    if ((await answerNode.locator('[role="alert"]').count()) > 0) {
      c.fatal(`RunCell was refused: ${await answerNode.locator('[role="alert"]').textContent()}`);
    }
    if ((await editorText(a.page, answerId)) !== 'SELECT 42 AS answer') c.fatal('Shift+Enter changed the cell\'s text');

    watchdog.step('Dave: register, enroll and confirm an authenticator over REST');
    const dave = { name: 'Dave Secure', email: `dave-${suffix}@example.com`, password: 'correct horse battery 4' };
    await auth.register(base, dave.email, dave.password, dave.name);
    const token = (await auth.login(base, dave.email, dave.password)).accessToken;
    const { secret } = await auth.restOk(base, 'POST', '/v1/users/me/totp:enroll', {}, token, 'enroll');
    const { recoveryCodes } = await auth.restOk(base, 'POST', '/v1/users/me/totp:confirm', { code: totp(secret), password: dave.password }, token, 'confirm');
    watchdog.step('Dave signs in in the app: password, then the second factor');
    const d = await newPage(browser);
    await d.page.goto(`${base}/projects`);
    await d.page.waitForURL(/\/signin/, WAIT);
    await d.page.getByRole('textbox', { name: 'Email' }).fill(dave.email);
    await d.page.getByRole('textbox', { name: 'Password' }).fill(dave.password);
    await d.page.getByRole('button', { name: 'Sign in' }).click();
    await d.page.getByRole('textbox', { name: 'Authenticator code' }).fill(recoveryCodes[0]);
    await d.page.getByRole('button', { name: 'Verify' }).click();
    await d.page.getByTestId('signed-in-as').filter({ hasText: dave.name }).waitFor(WAIT);
    await d.page.waitForURL(/\/projects$/, WAIT);
    watchdog.step('Dave signs out');
    await d.page.getByRole('button', { name: 'Sign out' }).click();
    await d.page.waitForURL(/\/signin/, WAIT);
    await d.page.goto(`${base}/projects`);
    await d.page.waitForURL(/\/signin\?next=%2Fprojects/, WAIT);

    watchdog.step('Alice invites Erin by email');
    const erin = { name: 'Erin Invited', email: `erin-${suffix}@example.com`, password: 'correct horse battery 5' };
    await a.page.goto(`${base}/projects/${projectId}`);
    await a.page.getByRole('textbox', { name: 'Email', exact: true }).fill(erin.email);
    await a.page.getByRole('button', { name: 'Invite by email' }).click();
    const link = await a.page.locator('code').filter({ hasText: '#token=' }).textContent(WAIT);
    const invitation = link.slice(link.indexOf('#token=') + '#token='.length);
    watchdog.step('Erin opens the link, signs up on the way, and lands in the project');
    const e = await newPage(browser);
    await e.page.goto(`${base}/invitations/accept#token=${invitation}`);
    await e.page.waitForURL(/\/signin\?next=/, WAIT);
    await e.page.getByRole('link', { name: 'Create an account' }).click();
    await e.page.getByRole('textbox', { name: 'Your name' }).fill(erin.name);
    await e.page.getByRole('textbox', { name: 'Email' }).fill(erin.email);
    await e.page.getByRole('textbox', { name: 'Password' }).fill(erin.password);
    await e.page.getByRole('button', { name: 'Sign up' }).click();
    await e.page.waitForURL(new RegExp(`/projects/${projectId}$`), WAIT);
    await e.page.getByText(`Revenue ${suffix}`, { exact: true }).first().waitFor(WAIT);

    watchdog.stop();
    c.succeed({
      invitationAccepted: true,
      twoStepSignIn: true,
      ok: true,
      project: projectId,
      canvas: canvasId,
      cell: cellId,
      typed: final,
      layoutBefore: before,
      layoutAfter: after,
      viewerEditable: editable,
      answerHeader,
      screenshots: shots,
    });
  } finally {
    await browser.close().catch(() => {});
  }
})().catch((err) => c.fatal(`${watchdog.waitingFor}: ${err && err.stack || err}`));
