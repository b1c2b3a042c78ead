'use strict';
// Shared steps of the web app's end-to-end scripts (web-e2e.js, web-data-e2e.js): a page of its
// own at 1280×720, sign-up through the app, and waiting on a condition (never on time).

const c = require('./common');

/** A new browser context and page at 1280×720 whose page errors are logged. */
async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  const page = await context.newPage();
  page.on('pageerror', (error) => c.log(`page error: ${error.message}`));
  return { context, page };
}

/** Signs up through the app's sign-up screen; lands on the projects page. */
async function signUp(page, base, person, wait) {
  await page.goto(`${base}/signup`);
  await page.getByRole('textbox', { name: 'Your name' }).fill(person.name);
  await page.getByRole('textbox', { name: 'Email' }).fill(person.email);
  await page.getByRole('textbox', { name: 'Password' }).fill(person.password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByTestId('signed-in-as').filter({ hasText: person.name }).waitFor(wait);
}

/** Waits until `check()` holds, polling every 50 ms; the watchdog names `what` meanwhile. */
async function until(watchdog, what, check) {
  watchdog.step(what);
  for (;;) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

module.exports = { newPage, signUp, until };
