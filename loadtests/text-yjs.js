#!/usr/bin/env node
'use strict';
// The reference side of the text-engine benchmark: replays an editing trace
// (josephg/editing-traces format) into a Yjs Y.Text, one transaction per patch
// (delete, then insert), and prints one JSON line per run on stdout.
//
//   node --expose-gc text-yjs.js [--runs 6] trace.json.gz...
//
// Memory: before a run the empty Y.Doc is made and the heap collected; after
// the run the heap is collected again with the doc still reachable; the
// difference of process.memoryUsage().heapUsed is what the doc retains (Yjs
// keeps its item structs and delete set: it is a CRDT). The encoded update size
// (Y.encodeStateAsUpdate) is printed too.

const fs = require('fs');
const path = require('path');
const zlib = require('zlib');
const Y = require('yjs');

function parse(argv) {
  const out = { runs: 6, files: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--runs') out.runs = Number(argv[++i]);
    else out.files.push(argv[i]);
  }
  if (!out.files.length || !(out.runs >= 1)) {
    process.stderr.write('usage: node --expose-gc text-yjs.js [--runs N] trace.json.gz...\n');
    process.exit(64);
  }
  return out;
}

function settledHeapUsed() {
  let last = Infinity;
  for (let i = 0; i < 10; i++) {
    global.gc();
    const used = process.memoryUsage().heapUsed;
    if (Math.abs(used - last) < 64 * 1024) return used;
    last = used;
  }
  return last;
}

function load(file) {
  const raw = fs.readFileSync(file);
  const trace = JSON.parse(file.endsWith('.gz') ? zlib.gunzipSync(raw) : raw);
  const patches = [];
  for (const txn of trace.txns) for (const p of txn.patches) patches.push(p);
  return {
    name: path.basename(file).replace(/\.json(\.gz)?$/, ''),
    start: trace.startContent || '',
    end: trace.endContent,
    patches,
  };
}

function run(trace, n) {
  const doc = new Y.Doc();
  const text = doc.getText('source');
  if (trace.start) text.insert(0, trace.start);
  const before = settledHeapUsed();
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (const [pos, del, ins] of trace.patches) {
    doc.transact(() => {
      if (del > 0) text.delete(pos, del);
      if (ins) text.insert(pos, ins);
    });
  }
  const nanos = Number(process.hrtime.bigint() - t0);
  const cpu = process.cpuUsage(cpu0);
  const retained = settledHeapUsed() - before;
  const final = text.toString();
  const encoded = Y.encodeStateAsUpdate(doc).length;
  return {
    engine: 'yjs',
    mode: 'apply',
    trace: trace.name,
    run: n,
    ops: trace.patches.length,
    ms: Math.round(nanos / 1e4) / 100,
    // user + system time of the whole process (includes V8's GC helper threads)
    cpuMs: Math.round((cpu.user + cpu.system) / 10) / 100,
    retainedBytes: retained,
    encodedBytes: encoded,
    finalLength: final.length,
    ok: final === trace.end,
    node: process.version,
    yjs: require('yjs/package.json').version,
  };
}

function main() {
  if (typeof global.gc !== 'function') {
    process.stderr.write('run with node --expose-gc\n');
    process.exit(64);
  }
  const args = parse(process.argv.slice(2));
  for (const file of args.files) {
    const trace = load(file);
    process.stderr.write(`${trace.name}: ${trace.patches.length} patches, final length ${trace.end.length}, yjs\n`);
    for (let n = 1; n <= args.runs; n++) {
      const r = run(trace, n);
      process.stdout.write(`${JSON.stringify(r)}\n`);
      if (!r.ok) {
        process.stderr.write(`FAIL: final text differs from endContent in ${trace.name}\n`);
        process.exit(1);
      }
    }
  }
}

main();
