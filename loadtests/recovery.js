#!/usr/bin/env node
'use strict';
// Helpers for the recovery benchmark (run-recovery.sh drives them).
//
//   node recovery.js signup --url ws://127.0.0.1:PORT/ws --creds FILE
//        Signs up a fresh user, logs in, creates a project (loadtests/auth.js) and writes the
//        e-mail, password, project and tokens to FILE (mode 600) for generate and fetch.
//
//   node recovery.js generate --url ws://127.0.0.1:PORT/ws --canvas NAME --events N --creds FILE
//                             [--window 64]
//        Creates a canvas titled "Recovery NAME" in the project of FILE through REST (the
//        server's create event, version 1; FILE is written by signup, or here when missing) and
//        gives it exactly N events: the create, one op that adds cell c1, and N-2 json0 ops, as
//        fast as the server takes them: raw ShareDB protocol on one WebSocket (upgraded with
//        `Authorization: Bearer <token>`), up to --window ops in flight, each made against the
//        exact version it will land at (so nothing needs transforming). The ops replay the start
//        of the automerge-paper editing trace into the cell's source (one keystroke each), so
//        the document looks like a real one.
//        Prints {"canvas" (the server's id),"label","v","digest","seconds","eventsPerSecond","textLength"}.
//
//   node recovery.js fetch --url ... --canvas ID --expect-v N --expect-digest HEX --creds FILE
//        With the real sharedb client on a brand-new connection, upgraded with the access token
//        stored in FILE (no REST call before the measurement; only when that token is about to
//        expire it first logs in again with the stored credentials, and says so): open +
//        handshake, then one fetch; prints {"connectMs","fetchMs","firstReplyMs","v","ok",
//        "signedInAgain"}. Afterwards, when the stored token has less than 5 minutes left, it
//        gets a new one (refresh, else log in) and stores it for the next fetch. Fails (exit 1)
//        when the version or document is not what generate left.
//
//   node recovery.js report results.jsonl [--markdown]
//        The table run-recovery.sh prints: per snapshot setting and canvas size, the first reply
//        after a restart (best and median of the repeats), split into connect and fetch.

const crypto = require('crypto');
const fs = require('fs');
const zlib = require('zlib');
const { performance } = require('perf_hooks');
const WebSocket = require('ws');
const ShareDB = require('sharedb/lib/client');
const auth = require('./auth');

const COLLECTION = 'canvases';
const TRACE = process.env.RECOVERY_TRACE || '/work/shared/data/editing-traces/automerge-paper.json.gz';

function parseArgs(argv) {
  const out = { cmd: argv[0], url: '', canvas: '', events: 0, window: 64, 'expect-v': -1, 'expect-digest': '', creds: '' };
  for (let i = 1; i < argv.length; i += 2) {
    const k = argv[i].replace(/^--/, '');
    if (!(k in out) || argv[i + 1] === undefined) fail(`bad option ${argv[i]}`, 64);
    out[k] = typeof out[k] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
  }
  if (!/^ws:\/\/127\.0\.0\.1[:/]/.test(out.url)) fail('--url must be ws://127.0.0.1:PORT/ws (loopback only)', 64);
  if (!out.canvas && out.cmd !== 'signup') fail('--canvas is needed', 64);
  if (!out.creds && out.cmd !== 'generate') fail('--creds FILE is needed', 64);
  return out;
}

function fail(msg, code = 1) {
  process.stderr.write(`FAIL: ${msg}\n`);
  process.exit(code);
}

const log = (msg) => process.stderr.write(`[recovery ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

function canonical(value) {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    const out = {};
    for (const k of Object.keys(value).sort()) out[k] = canonical(value[k]);
    return out;
  }
  return value;
}
const digest = (value) => crypto.createHash('sha256').update(JSON.stringify(canonical(value))).digest('hex');

function loadPatches() {
  const trace = JSON.parse(zlib.gunzipSync(fs.readFileSync(TRACE)));
  const patches = [];
  for (const txn of trace.txns) for (const p of txn.patches) patches.push(p);
  return patches;
}

// What POST /v1/projects/{id}/canvases creates, and the cell that the first op adds.
const emptyDoc = (label) => ({ title: `Recovery ${label}`, cells: {} });
const CELL = { kind: 'markdown', name: 'paper', source: '', layout: { x: 0, y: 0, w: 12, h: 20 }, config: {} };

/** The stored session of --creds (with the current node's address), or a fresh sign-up. */
async function session(args, { signUpIfMissing }) {
  if (args.creds && fs.existsSync(args.creds)) {
    const s = auth.loadSession(args.creds);
    s.base = auth.httpBase(args.url); // the node may listen on another port than at sign-up
    return s;
  }
  if (!signUpIfMissing) fail(`${args.creds}: no such file (run recovery.js signup first)`);
  const s = await auth.signUpWithProject(args.url, 'recovery');
  if (args.creds) auth.saveSession(args.creds, s);
  return s;
}

async function signup(args) {
  const s = await auth.signUpWithProject(args.url, 'recovery');
  auth.saveSession(args.creds, s);
  process.stdout.write(`${JSON.stringify({ userId: s.userId, projectId: s.projectId, creds: args.creds })}\n`);
}

/**
 * Works around an Armeria bug (see ws-frame-split-repro.js): a frame of 126..65535 bytes whose
 * length has a low byte >= 0x80 is refused when TCP splits its two length bytes, which happens
 * often with many frames in flight. Trailing spaces (valid JSON) move the low byte to 0.
 */
function padded(json) {
  const n = Buffer.byteLength(json);
  return n >= 126 && (n & 0xff) >= 0x80 ? json + ' '.repeat(256 - (n & 0xff)) : json;
}

async function generate(args) {
  const patches = loadPatches();
  const total = args.events;
  if (total < 1) fail('--events must be at least 1');
  const s = await session(args, { signUpIfMissing: true });
  // The server closes the socket when its token expires: start with one that lasts. Log in
  // (a new sign-in) rather than refresh: generate runs in parallel on one stored session.
  if (!s.accessToken || s.expiresAt - Date.now() < 10 * 60 * 1000) await auth.logIn(s);
  const label = args.canvas;
  const canvasId = await auth.createCanvas(s, `Recovery ${label}`);
  const ws = new WebSocket(args.url, auth.wsOptions(s.accessToken));
  const pending = new Map(); // seq -> {v, resolve, reject}
  let src = null;
  let onHello;
  const hello = new Promise((r) => (onHello = r));
  ws.on('message', (raw) => {
    const m = JSON.parse(raw);
    if (m.a === 'init' || m.a === 'hs') {
      if (m.a === 'hs') {
        src = m.id;
        onHello();
      }
      return;
    }
    if (m.a !== 'op' || m.src !== src || !pending.has(m.seq)) return; // others' ops, if any
    const p = pending.get(m.seq);
    pending.delete(m.seq);
    if (m.error) p.reject(new Error(`op seq ${m.seq} (v ${p.v}) refused: ${m.error.code} ${m.error.message}`));
    else if (m.v !== p.v) p.reject(new Error(`op seq ${m.seq} acked at v ${m.v}, expected ${p.v} (someone else writes to ${args.canvas}?)`));
    else p.resolve();
  });
  ws.on('error', (e) => fail(`${args.canvas}: socket error: ${e.message}`));
  ws.on('close', (code, reason) => {
    if (pending.size) fail(`${args.canvas}: socket closed (${code} ${reason}) with ${pending.size} ops in flight after ${seq} sent`);
  });
  await new Promise((r, j) => {
    ws.once('open', r);
    ws.once('error', j);
  });
  ws.send(JSON.stringify({ a: 'hs', protocol: 1, protocolMinor: 2, id: null }));
  await hello;

  let seq = 0;
  const send = (v, body) =>
    new Promise((resolve, reject) => {
      seq++;
      pending.set(seq, { v, resolve, reject });
      ws.send(padded(JSON.stringify({ a: 'op', c: COLLECTION, d: canvasId, v, src, seq, ...body })));
    });

  // Event 1 (version 1) is the create, done through REST above; the ops start at version 1.
  const t0 = performance.now();
  const doc = emptyDoc(label);
  let text = '';
  let inFlight = 0;
  let failed = null;
  let lastLog = t0;
  let done = 1;
  await new Promise((resolve) => {
    let next = 1; // the version the next op is made against
    const pump = () => {
      if (failed) return resolve();
      while (inFlight < args.window && next < total) {
        const k = next - 2; // the index of the keystroke (next >= 2)
        let op;
        if (next === 1) {
          op = [{ p: ['cells', 'c1'], oi: CELL }];
          doc.cells.c1 = { ...CELL };
        } else if (k % patches.length === 0 && k > 0) {
          // the trace starts again: clear the text in one op
          op = [{ p: ['cells', 'c1', 'source', 0], sd: text }];
          text = '';
        } else {
          const [pos, del, ins] = patches[k % patches.length];
          op = [];
          if (del > 0) op.push({ p: ['cells', 'c1', 'source', pos], sd: text.slice(pos, pos + del) });
          if (ins) op.push({ p: ['cells', 'c1', 'source', pos], si: ins });
          text = text.slice(0, pos) + ins + text.slice(pos + del);
        }
        inFlight++;
        send(next++, { op }).then(
          () => {
            inFlight--;
            done++;
            const t = performance.now();
            if (t - lastLog > 5000) {
              lastLog = t;
              log(`${args.canvas}: ${done}/${total} events, ${Math.round(done / ((t - t0) / 1000))} events/s`);
            }
            if (done === total) resolve();
            else pump();
          },
          (err) => {
            failed = err;
            resolve();
          },
        );
      }
    };
    if (total === 1) resolve();
    else pump();
  });
  if (failed) fail(failed.message);
  const seconds = (performance.now() - t0) / 1000;
  ws.close();
  if (doc.cells.c1) doc.cells.c1.source = text;
  process.stdout.write(
    `${JSON.stringify({ canvas: canvasId, label, v: total, digest: digest(doc), seconds, eventsPerSecond: Math.round(total / seconds), textLength: text.length })}\n`,
  );
}

async function fetchFirst(args) {
  const s = await session(args, { signUpIfMissing: false });
  // The token generate stored (signing keys persist in the data directory, so it survives the
  // restart); only when it is about to expire, log in again first (outside the measurement).
  let signedInAgain = false;
  if (!s.accessToken || s.expiresAt - Date.now() < 60 * 1000) {
    await auth.logIn(s);
    auth.saveSession(args.creds, s);
    signedInAgain = true;
  }
  const t0 = performance.now();
  const socket = new WebSocket(args.url, auth.wsOptions(s.accessToken));
  let socketError = null;
  socket.on('error', (e) => (socketError = e.message));
  const conn = new ShareDB.Connection(socket);
  conn.on('error', (e) => fail(`connection error ${e.code} ${e.message}`));
  await new Promise((resolve, reject) => {
    conn.on('state', (state) => {
      if (state === 'connected') resolve();
      else if (state === 'disconnected' || state === 'closed') reject(new Error(`connection ${state}${socketError ? `: ${socketError}` : ''}`));
    });
  });
  const t1 = performance.now();
  const doc = conn.get(COLLECTION, args.canvas);
  await new Promise((resolve, reject) => doc.fetch((e) => (e ? reject(e) : resolve())));
  const t2 = performance.now();
  const got = digest(doc.data);
  const ok = doc.version === args['expect-v'] && (!args['expect-digest'] || got === args['expect-digest']);
  conn.close();
  const out = { canvas: args.canvas, connectMs: round(t1 - t0), fetchMs: round(t2 - t1), firstReplyMs: round(t2 - t0), v: doc.version, ok, signedInAgain };
  // Keep the stored token usable for the next restart (one fetch at a time refreshes it).
  if (s.expiresAt - Date.now() < 5 * 60 * 1000) {
    await auth.ensureFresh(s, 5 * 60 * 1000 + 1000);
    auth.saveSession(args.creds, s);
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
  if (!ok) fail(`${args.canvas}: got version ${doc.version} digest ${got}, expected ${args['expect-v']} ${args['expect-digest']}`);
}

const round = (x) => Math.round(x * 10) / 10;

function report(file, markdown) {
  const rows = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  const fetches = rows.filter((r) => r.kind === 'fetch');
  const gens = rows.filter((r) => r.kind === 'generate');
  const idle = rows.filter((r) => r.kind === 'idle');
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const table = [['snapshot every', 'events', 'restarts', 'first reply ms (best / median)', 'connect ms (median)', 'fetch ms (median)', 'node start to /health ms (median)', 'generated at events/s']];
  const keys = [...new Set(fetches.map((r) => `${r.snapshotEvery}|${r.events}`))];
  for (const key of keys) {
    const [snap, events] = key.split('|').map(Number);
    const rs = fetches.filter((r) => r.snapshotEvery === snap && r.events === events);
    const gen = gens.find((g) => g.snapshotEvery === snap && g.v === events);
    table.push([
      snap >= 1e8 ? `${snap} (never)` : String(snap),
      String(events),
      String(rs.length),
      `${Math.min(...rs.map((r) => r.firstReplyMs)).toFixed(0)} / ${median(rs.map((r) => r.firstReplyMs)).toFixed(0)}`,
      median(rs.map((r) => r.connectMs)).toFixed(0),
      median(rs.map((r) => r.fetchMs)).toFixed(0),
      median(rs.map((r) => r.healthyMs)).toFixed(0),
      gen ? String(gen.eventsPerSecond) : '-',
    ]);
  }
  const lines = [];
  if (markdown) {
    lines.push(`| ${table[0].join(' | ')} |`, `|${table[0].map(() => ' --- ').join('|')}|`);
    for (const r of table.slice(1)) lines.push(`| ${r.join(' | ')} |`);
    lines.push('');
  } else {
    const w = table[0].map((_, i) => Math.max(...table.map((r) => r[i].length)));
    for (const r of table) lines.push(r.map((c, i) => c.padEnd(w[i])).join('  '));
  }
  for (const d of rows.filter((r) => r.kind === 'disk')) lines.push(`data directory with snapshot-every ${d.snapshotEvery}: ${(d.bytes / 1048576).toFixed(0)} MiB for ${d.events} events (${Math.round(d.bytes / d.events)} bytes/event)`);
  for (const i of idle) lines.push(`idle node CPU with snapshot-every ${i.snapshotEvery}: ${i.cpuPercent}% of one core with ${i.events} events in the journal (${i.when})`);
  process.stdout.write(`${lines.join(markdown ? '  \n' : '\n')}\n`);
}

if (process.argv[2] === 'report') {
  report(process.argv[3], process.argv.includes('--markdown'));
  process.exit(0);
}

const args = parseArgs(process.argv.slice(2));
const watchdog = setTimeout(() => fail(`timeout in ${args.cmd} ${args.canvas}`, 3), 3600 * 1000);
watchdog.unref();
const commands = { signup, generate, fetch: fetchFirst };
(commands[args.cmd] ? commands[args.cmd](args) : fail(`unknown command ${args.cmd}`, 64))
  .then(() => process.exit(0))
  .catch((e) => fail(e && e.stack ? e.stack : String(e)));
