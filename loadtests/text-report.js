#!/usr/bin/env node
'use strict';
// Reads the JSON lines written by TextTraceBench (Java) and text-yjs.js and prints,
// per trace, a side-by-side table: first (cold) run, best warm run (wall and CPU),
// memory the final document retains, and the ratio Yjs / Easel (> 1: Easel is faster
// or smaller).
//
//   node text-report.js results.jsonl [--markdown]

const fs = require('fs');

const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const markdown = process.argv.includes('--markdown');
const rows = [];
for (const f of files) {
  for (const line of fs.readFileSync(f, 'utf8').split('\n')) {
    if (line.startsWith('{')) rows.push(JSON.parse(line));
  }
}
if (!rows.length) {
  process.stderr.write('no results\n');
  process.exit(1);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function summarize(list) {
  const first = list.find((r) => r.run === 1);
  const warm = list.filter((r) => r.run > 1);
  const pool = warm.length ? warm : list;
  const best = pool.reduce((a, b) => (b.ms < a.ms ? b : a));
  return {
    engine: list[0].engine === 'yjs' ? `Yjs ${list[0].yjs} (${list[0].node})` : `Easel Json0 ${list[0].mode} (Java ${list[0].java})`,
    key: `${list[0].engine}/${list[0].mode}`,
    ops: list[0].ops,
    runs: list.length,
    firstMs: first ? first.ms : NaN,
    bestMs: best.ms,
    bestCpuMs: Math.min(...pool.map((r) => r.cpuMs)),
    medianMs: median(pool.map((r) => r.ms)),
    retained: median(pool.map((r) => r.retainedBytes)),
    encoded: list[0].encodedBytes,
    allocPerOp: list[0].allocatedBytes !== undefined ? median(pool.map((r) => r.allocatedBytes)) / list[0].ops : undefined,
    ok: list.every((r) => r.ok),
  };
}

const fmtMs = (x) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
const fmtBytes = (b) => (b >= 1 << 20 ? `${(b / (1 << 20)).toFixed(2)} MiB` : `${(b / 1024).toFixed(0)} KiB`);
const ratio = (a, b) => (b > 0 ? `${(a / b).toFixed(1)}x` : '-');

const traces = [...new Set(rows.map((r) => r.trace))];
const out = [];
const header = ['engine', 'runs', 'first run ms', 'best warm ms', 'best warm CPU ms', 'µs/op (best)', 'retained by doc', 'final text ok'];
for (const trace of traces) {
  const byEngine = {};
  for (const r of rows.filter((x) => x.trace === trace)) (byEngine[`${r.engine}/${r.mode}`] ||= []).push(r);
  const sums = Object.values(byEngine).map(summarize);
  const yjs = sums.find((s) => s.key.startsWith('yjs'));
  out.push(`\n### ${trace} (${sums[0].ops} ops)\n`);
  const table = [header];
  for (const s of sums) {
    table.push([
      s.engine,
      String(s.runs),
      fmtMs(s.firstMs),
      fmtMs(s.bestMs),
      fmtMs(s.bestCpuMs),
      ((s.bestMs * 1000) / s.ops).toFixed(3),
      fmtBytes(s.retained) + (s.encoded ? ` (encoded ${fmtBytes(s.encoded)})` : ''),
      s.ok ? 'yes' : 'NO',
    ]);
  }
  out.push(renderTable(table));
  if (markdown) out.push('');
  if (yjs) {
    for (const s of sums.filter((x) => x !== yjs)) {
      out.push(
        `Yjs / ${s.engine}: first run ${ratio(yjs.firstMs, s.firstMs)}, best warm ${ratio(yjs.bestMs, s.bestMs)} (wall), ` +
          `${ratio(yjs.bestCpuMs, s.bestCpuMs)} (CPU), retained memory ${ratio(yjs.retained, s.retained)}` +
          (s.allocPerOp !== undefined ? `; Easel allocates ${s.allocPerOp.toFixed(0)} B/op` : '') +
          (markdown ? '  ' : ''),
      );
    }
  }
}
process.stdout.write(`${out.join('\n')}\n`);

function renderTable(table) {
  if (markdown) {
    const lines = [`| ${table[0].join(' | ')} |`, `|${table[0].map(() => ' --- ').join('|')}|`];
    for (const row of table.slice(1)) lines.push(`| ${row.join(' | ')} |`);
    return lines.join('\n');
  }
  const widths = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
  return table.map((r) => r.map((c, i) => c.padEnd(widths[i])).join('  ')).join('\n');
}
