'use strict';
// Reactive SQL cells as a collaborator sees them, with the real sharedb client: the canvas
// (collection `canvases`) is edited over the socket, and its run state (collection
// `canvas-runs`, same id, written by Easel) is followed live on the same connection.
//
//   node cell-runs.js --url ws://127.0.0.1:8080/ws --token EDITOR --viewer-token VIEWER --canvas ID
//     [--project ID]
//
// The canvas must exist, in a project whose dataset `orders` holds ids 1..5 with amounts
// 10, 20, 30, 40, 50. The script adds an input cell and two SQL cells reading each other, then
// changes the input, types into a cell, adds a cycle and a broken cell, charts a cell (a chart cell,
// aggregated by Easel; every run state lists the cells it reads), uploads a new version of
// the dataset (with --project, the canvas's project), and checks each time that
// the run-state document reaches what the change implies (auto-run, in dependency order); then it
// adds a cell whose query runs for seconds and follows its progress while it runs. The viewer reads
// the run state and may not write it; nor may the editor. Prints one JSON line: {ok, states:
// {cellId: [every state seen]}, progress: [the running cell's progress values, in order], runs:
// the final run-state document}; exit 1 with a FAIL line otherwise.

const c = require('./lib/common');

const args = c.parseArgs(process.argv.slice(2), {
  url: 'ws://127.0.0.1:8080/ws',
  token: '',
  'viewer-token': '',
  canvas: '',
  project: '',
  seconds: 120,
});
c.startWatchdog(args.seconds);
const RUNS = 'canvas-runs';

/** Resolves once `predicate(runs.data)` holds, checked at each op on the run-state doc. */
function whenRuns(runs, what, predicate) {
  return new Promise((resolve) => {
    const check = () => {
      let holds = false;
      try {
        holds = !!(runs.type && predicate(runs.data));
      } catch (e) {
        holds = false;
      }
      if (holds) {
        runs.removeListener('op', check);
        runs.removeListener('load', check);
        c.log(`reached: ${what}`);
        resolve(runs.data);
      }
      return holds;
    };
    if (!check()) {
      runs.on('op', check);
      runs.on('load', check);
      runs.on('create', check);
    }
  });
}

const cell = (data, id) => (data && data.cells && data.cells[id]) || {};
const done = (data, id, firstValue) => {
  const state = cell(data, id);
  return state.state === 'done' && state.preview && String(state.preview[0][0]) === String(firstValue);
};

function refused(doc, op) {
  return new Promise((resolve) => {
    doc.submitOp(op, (e) => resolve(e ? e.code : 'accepted'));
  });
}

(async () => {
  if (!args.token || !args.canvas) c.fatal('--token and --canvas are required');
  c.setAuthToken(args.token);
  const conn = await c.connect(args.url, 'editor');
  const canvas = c.watchDoc(conn.get(c.COLLECTION, args.canvas), 'editor');
  await c.subscribe(canvas);
  const runs = conn.get(RUNS, args.canvas);
  runs.on('error', (e) => c.fatal(`run-state doc emitted error: ${e.code} ${e.message}`));
  await c.subscribe(runs);
  // A run that never reaches what a step waits for ends with the watchdog: show where it stood.
  process.on('exit', (code) => {
    if (code !== 0) process.stderr.write(`run-state document at exit: ${JSON.stringify(runs.data)}\n`);
  });

  // Every state each cell goes through, as the ops arrive.
  const states = {};
  const record = () => {
    for (const [id, state] of Object.entries((runs.data && runs.data.cells) || {})) {
      const seen = (states[id] = states[id] || []);
      if (seen[seen.length - 1] !== state.state) seen.push(state.state);
    }
  };
  runs.on('op', record);
  runs.on('create', record);

  // 1. An input cell and two SQL cells, one reading the other, in one op.
  await c.submitOp(canvas, [
    { p: ['cells', 'limit'], oi: { kind: 'input', name: 'min_amount', source: '', config: { type: 'number', value: 20 } } },
    { p: ['cells', 'total'], oi: { kind: 'sql', name: 'total', source: 'SELECT count(*) AS n, sum(amount) AS s FROM big' } },
    { p: ['cells', 'big'], oi: { kind: 'sql', name: 'big', source: 'SELECT id, amount FROM orders WHERE amount >= $min_amount ORDER BY id' } },
    { p: ['cells', 'note'], oi: { kind: 'markdown', source: '# Orders' } },
  ]);
  let data = await whenRuns(runs, 'total counts 4 orders', (d) => done(d, 'total', 4) && done(d, 'big', 2));
  if (String(cell(data, 'total').preview[0][1]) !== '140') c.fatal(`total's sum: ${JSON.stringify(cell(data, 'total'))}`);
  if (cell(data, 'big').rowCount !== 4 && cell(data, 'big').rowCount !== '4') c.fatal(`big's rows: ${JSON.stringify(cell(data, 'big'))}`);
  if (cell(data, 'note').state) c.fatal('a markdown cell has no run state');
  const firstBigResult = cell(data, 'big').resultId;

  // 2. The input changes: both cells go stale and run again, big before total.
  await c.submitOp(canvas, [{ p: ['cells', 'limit', 'config', 'value'], od: 20, oi: 40 }]);
  data = await whenRuns(runs, 'total counts 2 orders', (d) => done(d, 'total', 2) && done(d, 'big', 4));
  if (cell(data, 'big').resultId === firstBigResult) c.fatal('big kept its old result after its input changed');

  // 3. Typing into big, a keystroke at a time: once it rests, it and total run on the final text.
  const source = canvas.data.cells.big.source;
  const tail = ' LIMIT 1';
  for (let i = 0; i < tail.length; i++) {
    await c.submitOp(canvas, [{ p: ['cells', 'big', 'source', source.length + i], si: tail[i] }]);
  }
  data = await whenRuns(runs, 'total counts 1 order', (d) => done(d, 'total', 1) && done(d, 'big', 4));

  // 4. A cycle and a broken cell fail, with DuckDB's or the graph's reason.
  await c.submitOp(canvas, [
    { p: ['cells', 'a'], oi: { kind: 'sql', name: 'a', source: 'SELECT * FROM b' } },
    { p: ['cells', 'b'], oi: { kind: 'sql', name: 'b', source: 'SELECT * FROM a' } },
    { p: ['cells', 'broken'], oi: { kind: 'sql', name: 'broken', source: 'SELECT 1,\nFROM WHERE' } },
    { p: ['cells', 'unbound'], oi: { kind: 'sql', name: 'unbound', source: 'SELECT $nowhere AS x' } },
  ]);
  data = await whenRuns(
    runs,
    'the cycle, the broken cell and the unbound parameter fail',
    (d) =>
      ['a', 'b', 'broken', 'unbound'].every((id) => cell(d, id).state === 'failed'),
  );
  const cycle = cell(data, 'a').error.message;
  if (!/cycle/.test(cycle)) c.fatal(`a's error: ${cycle}`);
  const broken = cell(data, 'broken').error;
  if (!(broken.line >= 1 && broken.column >= 1)) c.fatal(`broken's error has no place: ${JSON.stringify(broken)}`);
  if (!/nowhere/.test(cell(data, 'unbound').error.message)) c.fatal(`unbound's error: ${JSON.stringify(cell(data, 'unbound'))}`);

  // 5. Removing a cell removes its run state.
  await c.submitOp(canvas, [{ p: ['cells', 'unbound'], od: canvas.data.cells.unbound }]);
  data = await whenRuns(runs, 'unbound has no run state', (d) => !d.cells.unbound);

  // 5b. A chart cell draws a SQL cell's result: Easel runs the aggregation (the browser gets the
  // chart's rows, not the source's), and every run state names the cells it reads (the arrows).
  await c.submitOp(canvas, [
    { p: ['cells', 'sized'], oi: { kind: 'sql', name: 'sized', source: "SELECT id, amount, CASE WHEN amount > 25 THEN 'big' ELSE 'small' END AS \"size class\" FROM orders" } },
    { p: ['cells', 'bars'], oi: { kind: 'chart', name: 'by_size', source: '', config: { source: 'sized', mark: 'bar', x: { field: 'size class', type: 'nominal' }, y: { field: 'amount', type: 'quantitative', aggregate: 'sum' } } } },
  ]);
  data = await whenRuns(runs, 'the chart sums amounts per size class', (d) => done(d, 'bars', 'big'));
  const bars = cell(data, 'bars');
  if (JSON.stringify(bars.preview) !== '[["big","120"],["small","30"]]' || bars.kind !== 'chart') c.fatal(`the chart's rows: ${JSON.stringify(bars)}`);
  if (JSON.stringify(bars.columns.map((col) => col.name)) !== '["x","y"]') c.fatal(`the chart's columns: ${JSON.stringify(bars.columns)}`);
  const reads = (id) => JSON.stringify(cell(data, id).reads);
  if (reads('bars') !== '["sized"]' || reads('total') !== '["big"]' || reads('big') !== '["limit"]' || reads('sized') !== '[]') {
    c.fatal(`reads: bars ${reads('bars')}, total ${reads('total')}, big ${reads('big')}, sized ${reads('sized')}`);
  }
  // A collaborator changes the mapping (count instead of sum): the chart runs again.
  await c.submitOp(canvas, [{ p: ['cells', 'bars', 'config', 'y', 'aggregate'], od: 'sum', oi: 'count' }]);
  data = await whenRuns(runs, 'the chart counts per size class', (d) => done(d, 'bars', 'big') && String(cell(d, 'bars').preview[0][1]) === '3');
  // Its source removed, the chart fails and says why; its arrow goes.
  await c.submitOp(canvas, [{ p: ['cells', 'sized'], od: canvas.data.cells.sized }]);
  data = await whenRuns(runs, 'the chart of a removed cell fails', (d) => cell(d, 'bars').state === 'failed' && !d.cells.sized);
  if (!/removed/.test(cell(data, 'bars').error.message)) c.fatal(`bars' error: ${JSON.stringify(cell(data, 'bars'))}`);
  if (reads('bars') !== '[]') c.fatal(`bars still reads ${reads('bars')}`);

  // 6. A new version of the dataset: the cells reading it, and theirs, run again on their own.
  if (args.project) {
    const base = args.url.replace(/^ws/, 'http').replace(/\/ws$/, '');
    const put = await fetch(`${base}/v1/projects/${args.project}/datasets/orders`, {
      method: 'PUT',
      headers: { 'content-type': 'text/csv', ...c.authHeaders(args.token) },
      body: 'id,amount\n1,10\n2,20\n3,30\n4,45\n5,50\n',
    });
    if (put.status !== 201) c.fatal(`upload: HTTP ${put.status} ${await put.text()}`);
    data = await whenRuns(runs, 'total sees the new version', (d) => done(d, 'total', 1) && String(cell(d, 'total').preview[0][1]) === '45');
  }

  // 7. A query that runs for seconds: while it runs, the cell says since when, and how far it has
  // come as DuckDB estimates it (a fraction that never goes back), until it is done.
  const progress = [];
  let runningWithoutStart = false;
  const follow = () => {
    const state = cell(runs.data, 'heavy');
    if (state.state !== 'running') return;
    if (!state.startedAt || Number.isNaN(Date.parse(state.startedAt))) runningWithoutStart = true;
    if (state.progress !== undefined && progress[progress.length - 1] !== state.progress) progress.push(state.progress);
  };
  runs.on('op', follow);
  await c.submitOp(canvas, [
    { p: ['cells', 'heavy'], oi: { kind: 'sql', name: 'heavy', source: 'SELECT a % 1000 AS g, count(*) AS n FROM range(60000000) t(a) GROUP BY ALL' } },
  ]);
  data = await whenRuns(runs, 'heavy is done', (d) => cell(d, 'heavy').state === 'done');
  runs.removeListener('op', follow);
  if (runningWithoutStart) c.fatal('a running cell had no startedAt');
  if (!progress.some((p) => p > 0 && p < 1)) c.fatal(`no progress between 0 and 1 was seen: ${JSON.stringify(progress)}`);
  if (progress.some((p, i) => i > 0 && p < progress[i - 1])) c.fatal(`progress went back: ${JSON.stringify(progress)}`);
  if (cell(data, 'heavy').progress !== undefined) c.fatal(`a done cell still has progress: ${JSON.stringify(cell(data, 'heavy'))}`);
  if (cell(data, 'heavy').rowCount !== 1000 && cell(data, 'heavy').rowCount !== '1000') c.fatal(`heavy's rows: ${cell(data, 'heavy').rowCount}`);

  // 8. Nobody writes the run state but Easel: not the editor, not a viewer, who may read it.
  const editorWrite = await refused(runs, [{ p: ['cells', 'total', 'state'], od: 'done', oi: 'failed' }]);
  let viewer = null;
  if (args['viewer-token']) {
    const viewerConn = await c.connect(args.url, 'viewer', { token: args['viewer-token'] });
    const seen = viewerConn.get(RUNS, args.canvas);
    await c.fetchDoc(seen);
    const write = await refused(seen, [{ p: ['cells', 'total', 'state'], od: 'done', oi: 'failed' }]);
    viewer = { reads: cell(seen.data, 'total').state, write };
    c.closeQuietly(viewerConn);
  }
  // The refused op was rolled back by the client: read the document afresh.
  const fresh = await c.connect(args.url, 'fresh');
  const check = fresh.get(RUNS, args.canvas);
  await c.fetchDoc(check);
  c.closeQuietly(fresh);
  c.closeQuietly(conn);
  console.log(JSON.stringify({ ok: true, states, progress, editorWrite, viewer, runs: check.data }));
  process.exit(0);
})().catch((e) => c.fatal(e.stack || String(e)));
