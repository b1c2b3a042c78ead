'use strict';
// Rerun latency of a chain of 10 SQL cells after its first cell is edited, with a cold result
// cache (the first cell's SQL is new, so every cell runs) and a warm one (the first cell goes back
// to SQL it had before, so every cell's result is in Easel's result cache). Issue 5, benchmark 3.
//
//   node cell-chain.js --url http://127.0.0.1:8080 [--rows 200000] [--rounds 5]
//
// Through the public REST API only: a fresh user, project and canvas (auto-run off, so that only
// the measured call runs cells); cell c1 makes --rows rows, c2..c9 each read the one before and
// rewrite every row, c10 aggregates c9 into 97 groups. A round edits c1 (SubmitOp), then times
// POST /v1/canvases/{id}/cells/c10:run, which runs whatever is stale upstream first and answers
// once c10 is done; cold and warm rounds alternate. Each answer is checked: c10 done, 97 rows,
// and the value of k that c1 was edited to. Prints a table and one JSON line.

const auth = require('./auth');

function parseArgs(argv) {
  const args = { url: 'http://127.0.0.1:8080', rows: 200000, rounds: 5 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '');
    if (!(key in args)) throw new Error(`unknown option ${argv[i]}`);
    args[key] = key === 'url' ? argv[i + 1] : Number(argv[i + 1]);
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const first = (k) => `SELECT range AS n, range % 97 AS g, ${k} AS k, range::DOUBLE AS v FROM range(${args.rows})`;
const middle = (i) => `SELECT n, g, k, v * 1.0001::DOUBLE + (n % ${i}) AS v FROM c${i - 1}`;
const last = 'SELECT g, count(*) AS c, sum(v) AS s, min(k) AS k FROM c9 GROUP BY g ORDER BY g';

async function main() {
  const session = await auth.signUpWithProject(args.url.replace(/^http/, 'ws') + '/ws', 'cell-chain');
  const base = session.base;
  const token = session.accessToken;
  const canvasId = await auth.createCanvas(session, 'Ten cells');
  let version = 1;
  let seq = 0;
  const submit = async (op) => {
    const answer = await auth.call(base, 'POST', `/v1/canvases/${canvasId}/ops`, { version, op, src: 'cell-chain', seq: ++seq }, token, 'submit op');
    version = Number(answer.version) + 1;
  };
  const cells = [{ p: ['settings'], oi: { autoRun: false } }];
  for (let i = 1; i <= 10; i++) {
    const source = i === 1 ? first(0) : i === 10 ? last : middle(i);
    cells.push({ p: ['cells', `c${i}`], oi: { kind: 'sql', name: `c${i}`, source, layout: { x: 0, y: i * 10, w: 12, h: 8 } } });
  }
  await submit(cells);
  let current = first(0);
  const run = async (k) => {
    const source = first(k);
    if (source !== current) {
      await submit([{ p: ['cells', 'c1', 'source'], od: current, oi: source }]);
      current = source;
    }
    const t0 = process.hrtime.bigint();
    const answer = await auth.call(base, 'POST', `/v1/canvases/${canvasId}/cells/c10:run`, {}, token, 'run c10');
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (answer.state !== 'done') {
      const upstream = [];
      for (let i = 1; i <= 9; i++) {
        const cell = await auth.call(base, 'POST', `/v1/canvases/${canvasId}/cells/c${i}:run`, {}, token, `run c${i}`);
        upstream.push(`c${i}: ${cell.state}${cell.error ? ` (${cell.error.message})` : ''}`);
      }
      throw new Error(`c10 did not run: ${JSON.stringify(answer).slice(0, 500)}; upstream: ${upstream.join('; ')}`);
    }
    if (Number(answer.rowCount) !== 97) throw new Error(`c10 has ${answer.rowCount} rows, expected 97`);
    if (String(answer.preview[0][3]) !== String(k)) throw new Error(`c10 shows k=${answer.preview[0][3]}, expected ${k}`);
    return ms;
  };
  // First run of all (cold, unmeasured: JIT and the project's database opening).
  await run(0);
  const cold = [];
  const warm = [];
  for (let r = 1; r <= args.rounds; r++) {
    cold.push(await run(r)); // SQL never seen: all ten cells run
    warm.push(await run(r - 1)); // back to the previous round's SQL: all ten results cached
  }
  const stats = (xs) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1] };
  };
  const c = stats(cold);
  const w = stats(warm);
  const f = (x) => x.toFixed(0);
  console.error(`| cache | rounds | median ms | min ms | max ms |`);
  console.error(`| --- | --- | --- | --- | --- |`);
  console.error(`| cold (10 cells run) | ${cold.length} | ${f(c.median)} | ${f(c.min)} | ${f(c.max)} |`);
  console.error(`| warm (10 results cached) | ${warm.length} | ${f(w.median)} | ${f(w.min)} | ${f(w.max)} |`);
  console.error(`warm / cold (medians): ${(w.median / c.median).toFixed(3)}`);
  console.log(JSON.stringify({ rows: args.rows, rounds: args.rounds, coldMs: cold, warmMs: warm, cold: c, warm: w }));
}

main().catch((e) => {
  console.error(`FAIL: ${e.stack || e}`);
  process.exit(1);
});
