'use strict';
// The first run (the 60-second path) in Chromium (Debian's, driven by playwright-core) against a
// node that gives new accounts their "Getting started" project:
//
//   node first-run-e2e.js --url http://127.0.0.1:8080 [--chromium /usr/bin/chromium] [--shots DIR]
//
// A new person signs up in the app and lands on their getting-started canvas, where the query over
// the sample dataset penguins has its result and the chart of it is drawn (auto-run: nobody pressed
// Run); the guided tour shows its first step, goes to the next, is skipped, and does not show again
// after a reload; the board draws the arrow from the query to its chart (the DAG). Then the person
// presses Chart on the query, a chart cell of it appears and is drawn, and they make it a donut in
// its form: it is drawn again and the server's document holds the new config. Prints the time
// from the sign-up form to their own chart (measured, not asserted) and one JSON line; on failure a
// FAIL line and exit 1, 3 on the watchdog. --shots saves the canvas with the tour, then in light
// and dark.

const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');
const c = require('./lib/common');
const { webSteps } = require('./lib/web');

const args = c.parseArgs(process.argv.slice(2), {
  url: 'http://127.0.0.1:8080',
  chromium: '/usr/bin/chromium',
  shots: '',
  seconds: 240,
});
const watchdog = c.startWatchdog(args.seconds);
const base = args.url.replace(/\/+$/, '');
const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const WAIT = { timeout: 90_000 };
const person = { name: 'Fran First', email: `fran-${suffix}@example.com`, password: 'correct horse battery 9' };

const chartOf = (page, cellId) => page.locator(`[data-chart="${cellId}"]`);
/** How many marks (bars, arcs, points) the chart cell's drawn SVG holds. */
async function marksOf(page, cellId) {
  return chartOf(page, cellId)
    .locator('.chart-canvas svg')
    .evaluate((svg) => svg.querySelectorAll('g.mark-rect path, g.mark-arc path, g.mark-symbol path, g.mark-area path, g.mark-line path').length);
}

(async () => {
  watchdog.step(`launch ${args.chromium}`);
  if (!fs.existsSync(args.chromium)) c.fatal(`no Chromium at ${args.chromium}`);
  const browser = await chromium.launch({ executablePath: args.chromium, args: ['--no-sandbox'] });
  try {
    const { page } = await webSteps(base, watchdog, WAIT.timeout).newPage(browser);

    watchdog.step('Fran signs up');
    await page.goto(`${base}/signup`);
    await page.getByRole('textbox', { name: 'Your name' }).fill(person.name);
    await page.getByRole('textbox', { name: 'Email' }).fill(person.email);
    await page.getByRole('textbox', { name: 'Password' }).fill(person.password);
    const started = Date.now();
    await page.getByRole('button', { name: 'Sign up' }).click();

    watchdog.step('Fran lands on the getting-started canvas');
    await page.waitForURL(/\/projects\/[^/]+\/canvases\/getting-started-/, WAIT);
    const landedOn = new URL(page.url()).pathname;
    const canvasId = landedOn.split('/').pop();

    watchdog.step('the query has its result and the chart is drawn, without pressing Run');
    const preview = page.locator('[data-cell="query"] [data-preview]');
    await preview.getByText('Adelie').first().waitFor(WAIT);
    await chartOf(page, 'chart').locator('[data-chart-drawn="yes"] svg').waitFor(WAIT);
    const firstChartMarks = await marksOf(page, 'chart');
    if (!(firstChartMarks >= 3)) c.fatal(`the getting-started chart draws ${firstChartMarks} marks`);
    const queryPreview = await preview.textContent();

    watchdog.step('the guided tour: step 1, then 2, then skipped');
    await page.locator('[data-tour-step="1"]').waitFor(WAIT);
    if (args.shots) {
      fs.mkdirSync(args.shots, { recursive: true });
      await page.screenshot({ path: path.join(args.shots, 'first-run-tour.png') });
    }
    await page.getByRole('button', { name: 'Next' }).click();
    await page.locator('[data-tour-step="2"]').waitFor(WAIT);
    await page.getByRole('button', { name: 'Skip tour' }).click();
    await page.locator('[data-tour-step]').waitFor({ state: 'detached', ...WAIT });

    watchdog.step('the arrow from the query to its chart');
    await page.locator('.react-flow__edge[data-id="query->chart"], .react-flow__edge').first().waitFor(WAIT);
    const arrows = await page.locator('.react-flow__edge').count();

    if (args.shots) {
      watchdog.step(`screenshots into ${args.shots}`);
      await page.screenshot({ path: path.join(args.shots, 'first-run-light.png') });
    }

    watchdog.step('Fran charts the query');
    const before = await page.locator('[data-chart]').evaluateAll((els) => els.map((el) => el.getAttribute('data-chart')));
    await page.getByRole('button', { name: 'Chart penguins_measured' }).click();
    let ownId = null;
    for (;;) {
      const now = await page.locator('[data-chart]').evaluateAll((els) => els.map((el) => el.getAttribute('data-chart')));
      ownId = now.find((id) => !before.includes(id));
      if (ownId) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await chartOf(page, ownId).locator('[data-chart-drawn="yes"] svg').waitFor(WAIT);

    watchdog.step('Fran makes it a donut');
    await chartOf(page, ownId).getByLabel('Chart type').selectOption('donut');
    await chartOf(page, ownId).locator('.chart-canvas svg g.mark-arc path').first().waitFor(WAIT);
    const secondsToOwnChart = ((Date.now() - started) / 1000).toFixed(1);
    const ownChartMarks = await marksOf(page, ownId);
    c.log(`first run: sign-up to Fran's own chart in ${secondsToOwnChart} s`);
    const document = await page.evaluate(async (id) => {
      const response = await fetch(`/v1/canvases/${id}`, { credentials: 'same-origin' });
      return (await response.json()).document;
    }, canvasId);
    const ownChart = document.cells[ownId].config;

    if (args.shots) {
      await page.locator('.react-flow__controls-fitview').click();
      await page.getByText('☾ Dark').click();
      await page.screenshot({ path: path.join(args.shots, 'first-run-dark.png') });
    }

    watchdog.step('after a reload, the tour stays skipped');
    await page.reload();
    await chartOf(page, 'chart').locator('[data-chart-drawn="yes"] svg').waitFor(WAIT);
    const tourAfterReload = (await page.locator('[data-tour-step]').count()) > 0;

    watchdog.stop();
    c.succeed({ ok: true, landedOn, queryPreview, firstChartMarks, arrows, ownChart, ownChartMarks, tourAfterReload, secondsToOwnChart });
  } finally {
    await browser.close().catch(() => {});
  }
})().catch((err) => c.fatal(`${watchdog.waitingFor}: ${err && err.stack || err}`));
