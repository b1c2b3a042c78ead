#!/usr/bin/env node
'use strict';
// Load over Easel's ShareDB socket with the real `sharedb` 7 client.
//
//   node ws-load.js --url ws://127.0.0.1:PORT/ws [--canvases 50] [--clients 10] [--rate 5]
//                   [--seconds 60] [--procs 1] [--target shared|own] [--server-pid PID]
//
// Signs up a fresh user (loadtests/auth.js: register, log in, create a project) and creates
// --canvases canvases in the project through REST (POST /v1/projects/{id}/canvases: each starts
// empty, {title, cells: {}}, at version 1). For each canvas, --clients connections (one sharedb
// Connection and WebSocket each, every upgrade with `Authorization: Bearer <accessToken>`)
// subscribe to it: the first client adds the cells with one op, then the others subscribe.
// Then every client "types" --rate ops per second for
// --seconds seconds, each op one json0 `si` of a short unique token "<client>.<n>;"
// (client index within the canvas, counter) at a token boundary of the text:
//   --target shared  all clients of a canvas type into the same cell (c1.source), so the
//                    server transforms concurrent inserts into the same string (default)
//   --target own     each client types into its own cell (k<client>.source)
// Send times are kept in a table shared by all clients of the canvas (they live in the
// same process), so
//   ack latency     = submitOp() call -> its callback (the server's ack)
//   fan-out latency = submitOp() call -> the op event ('op batch') at each other client
// are measured without putting timestamps in the document. Ops are sent on a schedule
// (random phase per client); "send lag" is how late the client process was against that
// schedule, and event-loop delay shows whether the load generator itself was saturated.
//
// Afterwards every canvas is checked: all clients acked and idle, all at the same
// version, all documents equal to each other and to a fresh connection's fetch, every
// acked token present exactly once and nothing else in the text, and every acked op
// seen by all other clients. Exit 1 when anything was lost or differs.
//
// --procs N forks N worker processes and gives each a share of the canvases (all clients
// of one canvas stay in one process); the parent signs in, creates the canvases, sends each
// worker the access token and its canvas ids over the IPC channel (not on the command line)
// and merges their measurements.
//
// Access tokens last 15 minutes and the server closes a socket when its token expires
// (1008). The parent refreshes the token a minute before that (auth.keepFresh) and passes the
// new one on; a socket closed for an expired token is re-opened with the current token
// (sharedb resends what was in flight; counted as "token reconnects", not as dropped
// connections). Runs shorter than ~14 minutes never see this.
// Prints a human-readable summary on stderr and one JSON line on stdout.

const { fork } = require('child_process');
const fs = require('fs');
const crypto = require('crypto');
const { performance, monitorEventLoopDelay } = require('perf_hooks');
const WebSocket = require('ws');
const ShareDB = require('sharedb/lib/client');
const auth = require('./auth');

const COLLECTION = 'canvases';

const SPEC = {
  url: 'ws://127.0.0.1:8080/ws',
  canvases: 50,
  clients: 10,
  rate: 5,
  seconds: 60,
  procs: 1,
  target: 'shared',
  prefix: '',
  'server-pid': 0,
  'connect-batch': 50,
  'settle-seconds': 120,
  worker: -1,
};

function parseArgs(argv) {
  const out = { ...SPEC };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    if (!arg.startsWith('--')) usage(`unexpected argument ${arg}`);
    arg = arg.slice(2);
    let value;
    const eq = arg.indexOf('=');
    if (eq >= 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (arg === 'help') usage();
    if (!(arg in SPEC)) usage(`unknown option --${arg}`);
    if (value === undefined) value = argv[++i];
    if (value === undefined) usage(`--${arg} needs a value`);
    if (typeof SPEC[arg] === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) usage(`--${arg} must be a number`);
      out[arg] = n;
    } else {
      out[arg] = value;
    }
  }
  if (out.target !== 'shared' && out.target !== 'own') usage('--target must be shared or own');
  if (!/^ws:\/\/127\.0\.0\.1[:/]/.test(out.url)) usage('--url must point at 127.0.0.1 (loopback only)');
  if (!out.prefix) out.prefix = `load-${crypto.randomBytes(3).toString('hex')}`;
  return out;
}

function usage(problem) {
  if (problem) process.stderr.write(`error: ${problem}\n`);
  process.stderr.write(`usage: node ws-load.js ${Object.keys(SPEC).filter((k) => k !== 'worker').map((k) => `[--${k} ${SPEC[k] === '' ? 'X' : SPEC[k]}]`).join(' ')}\n`);
  process.exit(problem ? 64 : 0);
}

const args = parseArgs(process.argv.slice(2));
const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const log = (msg) => process.stderr.write(`[ws-load${args.worker >= 0 ? ` w${args.worker}` : ''} ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

// The access token every new (or re-opened) socket carries; kept fresh by the parent.
let accessToken = null;

const clientLog = { warn: 0, error: 0, samples: [] };
const record = (level) => (...a) => {
  clientLog[level]++;
  if (clientLog.samples.length < 5) clientLog.samples.push(`${level}: ${a.map(String).join(' ').slice(0, 300)}`);
};
ShareDB.logger.setMethods({ warn: record('warn'), error: record('error'), info: () => {} });

// ---------------------------------------------------------------------------- worker

/** One canvas and its clients; `sent` maps token -> {t, ackT, seen} for every submitted op. */
class Canvas {
  constructor(id, label) {
    this.id = id; // the server's canvas id
    this.label = label; // <prefix>-<i>, for messages
    this.clients = [];
    this.sent = new Map();
  }
}

/** A WebSocket to /ws with the current access token; keeps why the upgrade failed. */
function newSocket() {
  const ws = new WebSocket(args.url, auth.wsOptions(accessToken));
  ws.lastError = null;
  ws.on('error', (e) => {
    ws.lastError = e.message;
  });
  ws.on('close', (code, why) => {
    if (!ws.closing && !isTokenExpiry(code, String(why))) stats.closeReasons.push(`${code} ${why}`);
  });
  return ws;
}

/** The server closes a socket with 1008 when the access token it was opened with expires. */
function isTokenExpiry(code, why) {
  return code === 1008 && /token/i.test(why || '');
}

function openConnection(label) {
  const conn = new ShareDB.Connection(newSocket());
  conn.label = label;
  conn.errors = [];
  conn.on('error', (err) => conn.errors.push(`${err && err.code} ${err && err.message}`));
  conn.on('state', (state, reason) => {
    if (conn.closing) return;
    if (state === 'disconnected' && reason && isTokenExpiry(reason.code, reason.reason)) {
      // re-open with the current token, spread over a second (all sockets opened with one
      // token expire together), after sharedb has finished handling the state change
      stats.tokenReconnects++;
      setTimeout(() => conn.closing || conn.bindToSocket(newSocket()), 50 + Math.random() * 950);
      return;
    }
    if (state === 'disconnected' || state === 'closed') {
      stats.disconnects.push(`${label}: ${state} (${(reason && (reason.reason || reason.code)) || conn.socket.lastError || 'no reason'})`);
    }
  });
  return conn;
}

/** Closes a connection on purpose (not counted as dropped). */
function closeConnection(conn) {
  conn.closing = true;
  conn.socket.closing = true;
  conn.close();
}

function waitConnected(conn) {
  return new Promise((resolve, reject) => {
    if (conn.state === 'connected') return resolve();
    const onState = (state, reason) => {
      if (state === 'connected') {
        conn.removeListener('state', onState);
        resolve();
      } else if (state === 'disconnected' || state === 'closed' || state === 'stopped') {
        conn.removeListener('state', onState);
        reject(new Error(`${conn.label}: could not connect (${(reason && reason.reason) || conn.socket.lastError || state})`));
      }
    };
    conn.on('state', onState);
  });
}

const cb = (fn) => new Promise((res, rej) => fn((e) => (e ? rej(e) : res())));

const TOKEN = /(\d+)\.(\d+);/g;

function cellPath(ci) {
  return args.target === 'shared' ? ['cells', 'c1', 'source'] : ['cells', `k${ci}`, 'source'];
}

function textOf(data, ci) {
  const cell = data && data.cells && data.cells[args.target === 'shared' ? 'c1' : `k${ci}`];
  return cell ? cell.source : '';
}

/** A random token boundary of `text`: 0, the end, or just after a ';'. */
function boundary(text) {
  if (!text.length) return 0;
  const r = Math.floor(Math.random() * (text.length + 1));
  const i = text.indexOf(';', r);
  return i < 0 ? text.length : i + 1;
}

async function setUpCanvas(canvas) {
  // The canvas exists (created through REST, empty). Client 0 adds the cells with one op,
  // the others subscribe after that.
  for (let ci = 0; ci < args.clients; ci++) {
    const conn = openConnection(`${canvas.label}#${ci}`);
    const doc = conn.get(COLLECTION, canvas.id);
    canvas.clients.push({ ci, conn, doc, n: 0, errors: [], sentMessages: 0 });
  }
  const first = canvas.clients[0];
  await waitConnected(first.conn);
  await cb((k) => first.doc.subscribe(k));
  if (!first.doc.type) throw new Error(`${canvas.label}: canvas ${canvas.id} does not exist on the server`);
  const cells = { c1: { kind: 'markdown', source: '', name: 'shared' } };
  if (args.target === 'own') {
    for (let ci = 0; ci < args.clients; ci++) cells[`k${ci}`] = { kind: 'markdown', source: '', name: `client ${ci}` };
  }
  const missing = Object.keys(cells).filter((id) => !(first.doc.data.cells && first.doc.data.cells[id]));
  if (missing.length) {
    await cb((k) => first.doc.submitOp(missing.map((id) => ({ p: ['cells', id], oi: cells[id] })), k));
  }
  await Promise.all(
    canvas.clients.slice(1).map(async (c) => {
      await waitConnected(c.conn);
      await cb((k) => c.doc.subscribe(k));
    }),
  );
  for (const c of canvas.clients) {
    c.conn.on('send', (msg) => {
      if (msg.a === 'op') c.sentMessages++;
    });
    c.doc.on('op batch', (op, source) => {
      if (source) return;
      const t = now();
      for (const component of op) {
        if (typeof component.si !== 'string') continue;
        for (const m of component.si.matchAll(TOKEN)) {
          const rec = canvas.sent.get(m[0]);
          if (!rec) {
            stats.unknownTokens++;
            continue;
          }
          if (Number(m[1]) === c.ci) continue;
          rec.seen++;
          stats.fanout.push(t - rec.t);
        }
      }
    });
    c.doc.on('error', (err) => c.errors.push(`doc error ${err && err.code} ${err && err.message}`));
  }
}

const stats = {
  ack: [],
  fanout: [],
  sendLag: [],
  submitted: 0,
  acked: 0,
  errors: [],
  unknownTokens: 0,
  tokenReconnects: 0,
  disconnects: [],
  closeReasons: [],
  lastAckAt: 0,
};

function submitOne(canvas, c, scheduledAt) {
  const t = now();
  stats.sendLag.push(t - scheduledAt);
  const token = `${c.ci}.${c.n++};`;
  const rec = { t, ackT: -1, seen: 0 };
  canvas.sent.set(token, rec);
  const pos = boundary(textOf(c.doc.data, c.ci));
  stats.submitted++;
  c.doc.submitOp([{ p: [...cellPath(c.ci), pos], si: token }], (err) => {
    if (err) {
      rec.error = `${err.code}: ${err.message}`;
      stats.errors.push(`${canvas.label}#${c.ci} ${token} ${rec.error}`);
      return;
    }
    rec.ackT = now();
    stats.lastAckAt = rec.ackT;
    stats.acked++;
    stats.ack.push(rec.ackT - t);
  });
}

function runLoad(canvases, startAt) {
  const period = 1000 / args.rate;
  const endAt = startAt + args.seconds * 1000;
  return new Promise((resolve) => {
    let live = 0;
    for (const canvas of canvases) {
      for (const c of canvas.clients) {
        live++;
        let due = startAt + Math.random() * period;
        const tick = () => {
          if (due >= endAt) {
            if (--live === 0) resolve();
            return;
          }
          submitOne(canvas, c, due);
          due += period;
          setTimeout(tick, Math.max(0, due - now()));
        };
        setTimeout(tick, Math.max(0, due - now()));
      }
    }
  });
}

function canonical(value) {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    const out = {};
    for (const k of Object.keys(value).sort()) out[k] = canonical(value[k]);
    return out;
  }
  return value;
}

async function verify(canvases) {
  const problems = [];
  const deadline = now() + args['settle-seconds'] * 1000;
  // 1. every client has its ops acked
  for (const canvas of canvases) {
    for (const c of canvas.clients) {
      while (c.doc.hasWritePending() && c.conn.state === 'connected' && now() < deadline) await sleep(20);
      if (c.doc.hasWritePending()) problems.push(`${canvas.label}#${c.ci}: ops still unacknowledged after ${args['settle-seconds']} s`);
    }
  }
  // 2. a fresh connection's view, and every client at that version
  const checker = openConnection('checker');
  await waitConnected(checker);
  let lostOps = 0;
  let missedDeliveries = 0;
  let duplicateTokens = 0;
  let strayTokens = 0;
  let textChars = 0;
  for (const canvas of canvases) {
    const ref = checker.get(COLLECTION, canvas.id);
    await cb((k) => ref.fetch(k));
    for (const c of canvas.clients) {
      while (c.doc.version < ref.version && c.conn.state === 'connected' && now() < deadline) await sleep(20);
      if (c.doc.version !== ref.version) problems.push(`${canvas.label}#${c.ci}: at version ${c.doc.version}, server at ${ref.version}`);
    }
    const refJson = JSON.stringify(canonical(ref.data));
    for (const c of canvas.clients) {
      if (JSON.stringify(canonical(c.doc.data)) !== refJson) problems.push(`${canvas.label}#${c.ci}: document differs from a fresh fetch`);
      for (const e of c.errors.concat(c.conn.errors)) problems.push(`${canvas.label}#${c.ci}: ${e}`);
    }
    // 3. tokens: every acked one exactly once, nothing else
    const counts = new Map();
    const texts = args.target === 'shared' ? [textOf(ref.data, 0)] : canvas.clients.map((c) => textOf(ref.data, c.ci));
    for (const text of texts) {
      textChars += text.length;
      if (text.replace(TOKEN, '') !== '') problems.push(`${canvas.label}: text holds something that is not a whole token`);
      for (const m of text.matchAll(TOKEN)) counts.set(m[0], (counts.get(m[0]) || 0) + 1);
    }
    for (const [token, rec] of canvas.sent) {
      const n = counts.get(token) || 0;
      if (rec.ackT >= 0 && n === 0) lostOps++;
      if (n > 1) duplicateTokens++;
      if (rec.ackT < 0 && n > 0) strayTokens++;
      if (rec.ackT >= 0 && rec.seen < args.clients - 1) missedDeliveries += args.clients - 1 - rec.seen;
    }
    for (const token of counts.keys()) if (!canvas.sent.has(token)) strayTokens++;
  }
  closeConnection(checker);
  if (lostOps) problems.push(`${lostOps} acknowledged ops are missing from the final text`);
  if (duplicateTokens) problems.push(`${duplicateTokens} tokens occur more than once`);
  if (strayTokens) problems.push(`${strayTokens} tokens in the text were never acknowledged (or never sent)`);
  if (missedDeliveries) problems.push(`${missedDeliveries} deliveries of acknowledged ops to other clients never arrived`);
  if (stats.disconnects.length) problems.push(`${stats.disconnects.length} connections were dropped during the run, e.g. ${stats.disconnects[0]}; socket close: ${stats.closeReasons[0] || '?'}`);
  if (stats.unknownTokens) problems.push(`${stats.unknownTokens} received tokens were never sent`);
  for (const e of stats.errors.slice(0, 20)) problems.push(`submit error: ${e}`);
  return { problems, lostOps, missedDeliveries, duplicateTokens, strayTokens, textChars };
}

function cpuSecondsOf(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (USER_HZ 100)
  } catch (e) {
    return NaN;
  }
}

/**
 * Runs this process's share of the canvases (`share.ids`: the server's ids of all canvases, in
 * order); `coordinator` is the IPC (or in-process) link.
 */
async function worker(share, coordinator) {
  const canvases = [];
  for (let i = 0; i < args.canvases; i++) if (i % share.of === share.index) canvases.push(new Canvas(share.ids[i], `${args.prefix}-${i}`));
  const t0 = now();
  for (let i = 0; i < canvases.length; i += Math.max(1, Math.floor(args['connect-batch'] / args.clients))) {
    await Promise.all(canvases.slice(i, i + Math.max(1, Math.floor(args['connect-batch'] / args.clients))).map(setUpCanvas));
  }
  log(`${canvases.length} canvases x ${args.clients} clients connected and subscribed in ${((now() - t0) / 1000).toFixed(1)} s`);
  const goEpoch = await coordinator.ready();
  const startAt = now() + (goEpoch - (performance.timeOrigin + now()));
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu0 = process.cpuUsage();
  await runLoad(canvases, startAt);
  const cpu = process.cpuUsage(cpu0);
  const wall = now() - startAt;
  loop.disable();
  coordinator.loadDone();
  log(`load done: ${stats.submitted} submitted, ${stats.acked} acked so far; verifying`);
  const v = await verify(canvases);
  let wireOps = 0;
  for (const canvas of canvases) for (const c of canvas.clients) wireOps += c.sentMessages;
  const result = {
    canvases: canvases.length,
    clients: canvases.length * args.clients,
    submitted: stats.submitted,
    acked: stats.acked,
    wireOps,
    errors: stats.errors.length,
    ack: stats.ack.map((x) => Math.round(x * 100) / 100),
    fanout: stats.fanout.map((x) => Math.round(x * 100) / 100),
    sendLag: stats.sendLag.map((x) => Math.round(x * 100) / 100),
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    wallSeconds: wall / 1000,
    // from the scheduled start to the last ack: how long the offered ops really took
    activeSeconds: (stats.lastAckAt - startAt) / 1000,
    loopDelayP99: loop.percentile(99) / 1e6,
    loopDelayMax: loop.max / 1e6,
    clientLog,
    disconnects: stats.disconnects.length,
    tokenReconnects: stats.tokenReconnects,
    closeReasons: [...new Set(stats.closeReasons)].slice(0, 5),
    ...v,
  };
  for (const canvas of canvases) {
    for (const c of canvas.clients) {
      closeConnection(c.conn);
    }
  }
  return result;
}

// ---------------------------------------------------------------------------- coordinator

function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

function summarize(list) {
  const s = Float64Array.from(list).sort();
  return {
    n: s.length,
    p50: percentile(s, 50),
    p90: percentile(s, 90),
    p99: percentile(s, 99),
    p999: percentile(s, 99.9),
    max: s.length ? s[s.length - 1] : NaN,
  };
}

function merge(results, serverCpu, wallSeconds) {
  const all = (k) => results.flatMap((r) => r[k]);
  const sum = (k) => results.reduce((a, r) => a + r[k], 0);
  const ack = summarize(all('ack'));
  const fanout = summarize(all('fanout'));
  const sendLag = summarize(all('sendLag'));
  const problems = results.flatMap((r) => r.problems);
  const out = {
    ok: problems.length === 0,
    config: { canvases: args.canvases, clients: args.clients, rate: args.rate, seconds: args.seconds, procs: args.procs, target: args.target, url: args.url },
    submitted: sum('submitted'),
    acked: sum('acked'),
    wireOps: sum('wireOps'),
    errors: sum('errors'),
    // acked ops over the time from the start to the last ack (longer than --seconds when the
    // server or the load generator fell behind)
    opsPerSecond: sum('acked') / Math.max(args.seconds, ...results.map((r) => r.activeSeconds)),
    activeSeconds: Math.max(...results.map((r) => r.activeSeconds)),
    offeredOpsPerSecond: args.canvases * args.clients * args.rate,
    fanoutDeliveriesPerSecond: fanout.n / Math.max(args.seconds, ...results.map((r) => r.activeSeconds)),
    ackMs: ack,
    fanoutMs: fanout,
    sendLagMs: sendLag,
    lostOps: sum('lostOps'),
    disconnects: sum('disconnects'),
    tokenReconnects: sum('tokenReconnects'),
    closeReasons: [...new Set(results.flatMap((r) => r.closeReasons))].slice(0, 5),
    missedDeliveries: sum('missedDeliveries'),
    duplicateTokens: sum('duplicateTokens'),
    strayTokens: sum('strayTokens'),
    finalTextChars: sum('textChars'),
    loadGenerator: results.map((r) => ({
      clients: r.clients,
      cpuPercent: Math.round((100 * r.cpuSeconds) / r.wallSeconds),
      eventLoopDelayP99Ms: Math.round(r.loopDelayP99 * 10) / 10,
      eventLoopDelayMaxMs: Math.round(r.loopDelayMax * 10) / 10,
    })),
    serverCpuPercent: Number.isFinite(serverCpu) ? Math.round((100 * serverCpu) / wallSeconds) : null,
    clientLog: { warn: results.reduce((a, r) => a + r.clientLog.warn, 0), error: results.reduce((a, r) => a + r.clientLog.error, 0), samples: results.flatMap((r) => r.clientLog.samples).slice(0, 5) },
    problems: problems.slice(0, 30),
    goal: null,
  };
  out.goal = { ackP99Max50ms: ack.p99 <= 50, nothingLost: out.ok && out.lostOps === 0, met: ack.p99 <= 50 && out.ok };
  return out;
}

function report(out) {
  const f = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');
  const line = (name, s) => `  ${name.padEnd(16)} n=${String(s.n).padStart(8)}  p50 ${f(s.p50).padStart(7)}  p90 ${f(s.p90).padStart(7)}  p99 ${f(s.p99).padStart(7)}  p99.9 ${f(s.p999).padStart(7)}  max ${f(s.max).padStart(8)} ms`;
  const c = out.config;
  process.stderr.write(
    [
      '',
      `ws-load: ${c.canvases} canvases x ${c.clients} clients x ${c.rate} ops/s for ${c.seconds} s (target ${c.target}, ${c.procs} process(es)) on ${c.url}`,
      `  ops acked ${out.acked}/${out.submitted} (sent as ${out.wireOps} op messages: the sharedb client composes ops typed while one is in flight)`,
      `  ${out.opsPerSecond.toFixed(0)} ops/s acked of ${out.offeredOpsPerSecond} offered (last ack ${out.activeSeconds.toFixed(1)} s after the start); fan-out ${out.fanoutDeliveriesPerSecond.toFixed(0)} deliveries/s`,
      line('ack latency', out.ackMs),
      line('fan-out latency', out.fanoutMs),
      line('send lag', out.sendLagMs),
      `  load generator: ${out.loadGenerator.map((g) => `${g.clients} clients ${g.cpuPercent}% CPU of one core, event-loop delay p99 ${g.eventLoopDelayP99Ms} ms max ${g.eventLoopDelayMaxMs} ms`).join('; ')}`,
      `  server CPU: ${out.serverCpuPercent === null ? 'n/a (no --server-pid)' : `${out.serverCpuPercent}% (of one core)`}`,
      `  connections dropped by the server ${out.disconnects}${out.closeReasons.length ? ` (${out.closeReasons.join('; ')})` : ''}${out.tokenReconnects ? `; re-opened after the access token expired ${out.tokenReconnects}` : ''}`,
      `  lost ops ${out.lostOps}, missed deliveries ${out.missedDeliveries}, duplicates ${out.duplicateTokens}, stray ${out.strayTokens}, submit errors ${out.errors}, client log warn/error ${out.clientLog.warn}/${out.clientLog.error}`,
      `  consistent: ${out.ok ? 'yes' : 'NO'}; goal (p99 ack <= 50 ms and nothing lost): ${out.goal.met ? 'met' : 'NOT met'}`,
      ...out.problems.map((p) => `  problem: ${p}`),
      '',
    ].join('\n'),
  );
}

async function main() {
  const watchdog = setTimeout(() => {
    log(`FAIL: watchdog after ${args.seconds + args['settle-seconds'] + 300} s`);
    process.exit(3);
  }, (args.seconds + args['settle-seconds'] + 300) * 1000);
  watchdog.unref();

  if (args.worker >= 0) {
    // a forked worker: get the token and the canvas ids, wait for "go", report to the parent
    let onSetup;
    const setup = new Promise((resolve) => (onSetup = resolve));
    let onGo;
    const go = new Promise((resolve) => (onGo = resolve));
    process.on('message', (m) => {
      if (!m) return;
      if (m.token) accessToken = m.token; // the first one, and every refreshed one
      if (m.setup) onSetup(m.setup);
      if (m.go) onGo(m.go);
    });
    const { ids } = await setup;
    const result = await worker({ index: args.worker, of: args.procs, ids }, {
      ready: () => {
        process.send({ ready: true });
        return go;
      },
      loadDone: () => process.send({ loadDone: true }),
    });
    process.send({ result }, () => process.exit(0));
    return;
  }

  log(`${args.canvases} canvases x ${args.clients} clients, ${args.rate} ops/s each, ${args.seconds} s, ${args.procs} process(es), canvas titles "Load ${args.prefix}-*"`);
  // A fresh user with a project; the canvases are created through REST (empty, version 1).
  const t0 = now();
  const session = await auth.signUpWithProject(args.url, args.prefix);
  accessToken = session.accessToken;
  const ids = await auth.createCanvases(session, Array.from({ length: args.canvases }, (_, i) => `Load ${args.prefix}-${i}`));
  log(`signed up ${session.userId}, project ${session.projectId}, ${ids.length} canvases created through REST in ${((now() - t0) / 1000).toFixed(1)} s`);
  const tokenListeners = [];
  const stopRefreshing = auth.keepFresh(
    session,
    (token) => {
      accessToken = token;
      for (const f of tokenListeners) f(token);
      log('access token refreshed');
    },
    { onError: (e) => log(`could not refresh the access token: ${e.message}`) },
  );
  let serverCpu0 = NaN;
  let goWall = 0;
  const startGo = () => {
    serverCpu0 = args['server-pid'] ? cpuSecondsOf(args['server-pid']) : NaN;
    goWall = performance.timeOrigin + now() + 500;
    return goWall;
  };
  let serverCpu = NaN;
  let loadWall = 0;
  const markEnd = () => {
    if (!loadWall) {
      loadWall = (performance.timeOrigin + now() - goWall) / 1000;
      serverCpu = args['server-pid'] ? cpuSecondsOf(args['server-pid']) - serverCpu0 : NaN;
    }
  };
  let results;
  if (args.procs <= 1) {
    const r = await worker({ index: 0, of: 1, ids }, { ready: async () => startGo(), loadDone: markEnd });
    results = [r];
  } else {
    const children = [];
    for (let i = 0; i < args.procs; i++) {
      const argv = process.argv.slice(2).filter((a, j, arr) => !(a === '--prefix' || arr[j - 1] === '--prefix' || a.startsWith('--prefix=')));
      const child = fork(__filename, [...argv, '--prefix', args.prefix, '--worker', String(i)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: process.execArgv });
      child.send({ token: accessToken, setup: { ids } });
      children.push(child);
    }
    tokenListeners.push((token) => {
      for (const ch of children) if (ch.connected) ch.send({ token });
    });
    let ready = 0;
    let done = 0;
    results = await new Promise((resolve, reject) => {
      const got = [];
      children.forEach((child, i) => {
        child.on('message', (m) => {
          if (m.ready && ++ready === children.length) {
            const go = startGo();
            for (const ch of children) ch.send({ go });
          }
          if (m.loadDone && ++done === children.length) markEnd();
          if (m.result) {
            got[i] = m.result;
            if (got.filter(Boolean).length === children.length) resolve(got);
          }
        });
        child.on('exit', (code) => {
          if (!got[i]) reject(new Error(`worker ${i} exited with ${code} before reporting`));
        });
      });
    });
  }
  stopRefreshing();
  // Server CPU is taken from "go" to the end of the load phase of the slowest worker;
  // the load generators measure their own CPU over their load phase.
  const out = merge(results, serverCpu, loadWall);
  report(out);
  process.stdout.write(`${JSON.stringify(out)}\n`, () => process.exit(out.ok ? 0 : 1));
}

main().catch((err) => {
  log(`FAIL: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
