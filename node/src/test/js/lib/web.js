'use strict';
// Shared steps of the browser scripts (web-e2e.js, web-collab-e2e.js, web-data-e2e.js, and loadtests/web-bench.js,
// which is why this file requires nothing): Chromium contexts at 1280x720, signing up through the
// app, adding a member from the members panel, reading a cell's editor and the server's document.
// Every wait is on a condition.

const WAIT = { timeout: 60_000 };

/**
 * The helpers bound to the app at `base` (http://host:port); `watchdog` (lib/common.js) names the
 * step a script waits for; `waitMs` is how long a step may wait for the page (60 s by default).
 */
function webSteps(base, watchdog, waitMs = WAIT.timeout) {
  const WAIT = { timeout: waitMs };
  async function newPage(browser, options = {}) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 }, ...options });
    const page = await context.newPage();
    page.on('pageerror', (error) => process.env.E2E_VERBOSE && process.stderr.write(`page error: ${error.message}\n`));
    return { context, page };
  }

  /** Signs up through the app's sign-up screen; lands on the projects page. */
  async function signUp(page, person) {
    await page.goto(`${base}/signup`);
    await page.getByRole('textbox', { name: 'Your name' }).fill(person.name);
    await page.getByRole('textbox', { name: 'Email' }).fill(person.email);
    await page.getByRole('textbox', { name: 'Password' }).fill(person.password);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByTestId('signed-in-as').filter({ hasText: person.name }).waitFor(WAIT);
  }

  /** The project's owner adds `person` to the project with `role` from the members panel. */
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

  async function until(what, check) {
    watchdog.step(what);
    for (;;) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The canvas document as the server has it (REST GetCanvas with the browser's cookies). */
  async function serverDocument(page, canvasId) {
    return page.evaluate(async (id) => {
      const response = await fetch(`/v1/canvases/${id}`, { credentials: 'same-origin' });
      if (!response.ok) throw new Error(`GET /v1/canvases/${id}: HTTP ${response.status} ${await response.text()}`);
      return (await response.json()).document;
    }, canvasId);
  }

  /** The names on the canvas's avatars (this browser's person and the others here). */
  async function presenceOf(page) {
    return page.locator('[data-testid="presence"] [data-here]').evaluateAll((els) => els.map((el) => el.getAttribute('data-here')));
  }

  /**
   * The owner (signed in on `page`) creates a project named `name`, adds `members` ([person, role])
   * and a canvas titled `title`; returns the project's id and the canvas's id and URL.
   */
  async function projectWithCanvas(page, name, members, title) {
    await page.getByLabel('New project').fill(name);
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.waitForURL(/\/projects\/[^/]+$/, WAIT);
    const projectId = page.url().split('/').pop();
    for (const [person, role] of members) await addMember(page, person, role);
    await page.getByLabel('New canvas').fill(title);
    await page.getByRole('button', { name: 'Create canvas' }).click();
    await page.waitForURL(/\/canvases\/[^/]+$/, WAIT);
    const canvasUrl = page.url();
    return { projectId, canvasUrl, canvasId: canvasUrl.split('/').pop() };
  }

  /** Adds a cell with the board's button (e.g. '+ SQL'); returns its id once it is on the board. */
  async function addCell(page, button) {
    const existing = await page.locator('.react-flow__node').evaluateAll((els) => els.map((el) => el.getAttribute('data-id')));
    await page.getByRole('button', { name: button }).click();
    let cellId = null;
    await until(`the cell of ${button} is on the board`, async () => {
      const ids = await page.locator('.react-flow__node').evaluateAll((els) => els.map((el) => el.getAttribute('data-id')));
      cellId = ids.find((id) => !existing.includes(id)) || null;
      return cellId !== null;
    });
    await editorOf(page, cellId).waitFor(WAIT);
    return cellId;
  }

  return { WAIT, newPage, signUp, addMember, editorOf, nodeOf, editorText, until, serverDocument, presenceOf, projectWithCanvas, addCell };
}

module.exports = { webSteps, WAIT };
