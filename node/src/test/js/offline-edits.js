#!/usr/bin/env node
'use strict';
// Offline editing and op resubmission with two sharedb clients, A and B.
//
// Part 1 (offline queue): A closes its socket (connection 'disconnected'), keeps
// editing (ops queue in the client), while B keeps editing online; A reconnects
// with connection.bindToSocket(new WebSocket) and its queued ops are sent. Both
// must converge and every marker string A typed offline (e.g. «A3·1a2b») must
// occur exactly once in the final canvas; B's markers too.
//
// Part 2 (resubmission, same src/seq):
//   committedUnacked: A submits an op; every message to A is dropped from then on
//     (so the ack is lost); once B sees the op committed, and B has committed
//     another op on top, A's socket is closed and A reconnects. The client must
//     resend the op with the same src and seq, and the server must recognise it
//     as already committed (ack it, not apply it twice).
//   staleCommittedUnacked: as committedUnacked, but A stops receiving before it
//     submits and B commits first, so the server transforms A's op and commits it
//     at a later version than the v A sent; the resend carries the old v.
//   closedAfterSend: A submits an op and its socket is terminated on the next tick
//     after the frame was written; A reconnects and resends.
//   In both cases the marker must occur exactly once.
//
//   node offline-edits.js --url ws://127.0.0.1:8080/ws --canvas c2 --seed 42
//   node offline-edits.js --url ws://127.0.0.1:8080/ws --canvas c2 --seed 42 --auth
//
// --auth: signs in first (lib/auth.js: a fresh user, a project) and creates the canvas
// with REST POST /v1/projects/{id}/canvases (titled "Canvas <--canvas>"); A, B, the
// verifier and every reconnect of A use that user's token on the WebSocket upgrade.

const crypto = require('crypto');
const c = require('./lib/common');
const auth = require('./lib/auth');

const args = c.parseArgs(process.argv.slice(2), {
  url: 'ws://127.0.0.1:8080/ws',
  canvas: 'e2e-offline',
  seed: '',
  'offline-ops': 12,
  'online-ops': 12,
  timeout: 60,
  auth: false,
});
const seed = c.resolveSeed(args.seed);
process.stderr.write(`offline-edits: seed ${seed}\n`);
const json0 = c.ShareDB.types.defaultType;

// Unique per run (not derived from the seed) so that reruns on the same canvas
// never see markers of earlier runs.
const runTag = crypto.randomBytes(3).toString('hex');
const marker = (who, n) => `«${who}${n}·${runTag}»`;
const MARKER_RE = /«[^»]*»/g;

let A;
let B;
// --canvas, or (--auth) the id the server gave the canvas created by REST
let canvasId = args.canvas;
let docA;
let docB;
const wd = c.startWatchdog(args.timeout, () => [A, B]
  .filter(Boolean)
  .map((conn) => {
    const d = conn === A ? docA : docB;
    return `${conn.label}: state=${conn.state} id=${conn.id} v=${d && d.version} inflight=${d && d.inflightOp ? `seq ${d.inflightOp.seq}` : 'none'} pending=${d ? d.pendingOps.length : '?'}`;
  })
  .join('; '));

async function main() {
  const rng = c.makeRng(seed);
  const rngA = rng.fork(1);
  const rngB = rng.fork(2);

  let session = null;
  if (args.auth) {
    wd.step(`sign-in (register, log in, create project) at ${auth.httpBase(args.url)}`);
    session = await auth.signIn({ url: args.url, script: 'offline-edits', seed });
    wd.step(`REST create of canvas "Canvas ${args.canvas}" in project ${session.projectId}`);
    canvasId = (await session.createCanvas(`Canvas ${args.canvas}`)).canvasId;
  }

  wd.step(`connections A and B to ${args.url} (socket open + {"a":"hs"} reply)`);
  A = c.openConnection(args.url, 'A');
  B = c.openConnection(args.url, 'B');
  await Promise.all([c.waitConnected(A), c.waitConnected(B)]);
  docA = c.watchDoc(A.get(c.COLLECTION, canvasId), 'A');
  docB = c.watchDoc(B.get(c.COLLECTION, canvasId), 'B');
  docA.preventCompose = true; // keep every offline edit a separate queued op

  wd.step('A subscribe + create');
  await c.subscribe(docA);
  if (session) {
    if (!docA.type) throw new Error(`canvas ${canvasId}, just created by REST, does not exist for a subscribe over the socket`);
  } else {
    await c.ensureCreated(docA, `Canvas ${args.canvas}`);
  }
  const startProblem = c.validateCanvas(docA.data);
  if (startProblem) throw new Error(`existing canvas ${canvasId} is not a valid canvas: ${startProblem}`);
  wd.step('B subscribe');
  await c.subscribe(docB);
  await c.until(() => docB.type && docB.version >= docA.version);

  wd.step('A adding cells so there are at least 3');
  let cellSeq = 0;
  const newCellId = (who) => `${who}${runTag}_${cellSeq++}`;
  while (Object.keys(docA.data.cells).length < 3) {
    const id = newCellId('a');
    await c.submitOp(docA, [{ p: ['cells', id], oi: c.makeCell(rngA, `Cell ${id}`) }]);
  }
  await c.until(() => docB.version === docA.version);

  // ------------------------------------------------------------ part 1: offline queue
  wd.step('A to go offline (socket closed -> state disconnected)');
  const idBefore = A.id;
  A.socket.close();
  await c.waitState(A, 'disconnected');

  const offlineMarkers = [];
  const onlineMarkers = [];
  const offlineAcks = [];

  const runA = async () => {
    for (let n = 1; n <= args['offline-ops']; n++) {
      await c.sleep(rngA.int(0, 10));
      const m = marker('A', n);
      const op = markerOrOtherEdit(rngA, docA.data, m, () => newCellId('a'));
      if (op.marker) offlineMarkers.push(m);
      submitChecked(docA, op.op, 'A', (err) => offlineAcks.push(err || null));
    }
  };
  const runB = async () => {
    for (let n = 1; n <= args['online-ops']; n++) {
      await c.sleep(rngB.int(0, 10));
      const m = marker('B', n);
      const op = markerOrOtherEdit(rngB, docB.data, m, () => newCellId('b'));
      if (op.marker) onlineMarkers.push(m);
      await new Promise((res, rej) => submitChecked(docB, op.op, 'B', (err) => (err ? rej(new Error(`B op rejected: ${err.code} ${err.message}`)) : res())));
    }
  };
  wd.step('A editing offline while B edits online');
  await Promise.all([runA(), runB()]);

  if (A.state !== 'disconnected') throw new Error(`A should still be offline, but its state is ${A.state}`);
  const queued = docA.pendingOps.length + (docA.inflightOp ? 1 : 0);
  if (queued !== args['offline-ops']) throw new Error(`A should have ${args['offline-ops']} queued ops, has ${queued}`);
  const bView = c.canonicalJSON(docB.data);
  for (const m of offlineMarkers) {
    if (bView.includes(m)) throw new Error(`B already sees offline marker ${m} while A is offline`);
  }

  wd.step('A to reconnect (bindToSocket with a new WebSocket)');
  let sentAfterReconnect = 0;
  const countSends = (msg) => {
    if (msg.a === 'op') sentAfterReconnect++;
  };
  A.on('send', countSends);
  A.bindToSocket(c.newSocket(args.url));
  await c.waitConnected(A);
  const idAfter = A.id;
  wd.step('A to have all queued offline ops acked');
  await c.whenNothingPending(docA);
  A.removeListener('send', countSends);
  if (offlineAcks.length !== args['offline-ops'] || offlineAcks.some(Boolean)) {
    throw new Error(`A's offline ops: ${offlineAcks.length} callbacks, errors: ${JSON.stringify(offlineAcks.filter(Boolean).map((e) => e.message))}`);
  }
  await converge('after offline edits');

  // ------------------------------------------------------------ part 2: resubmission
  const resubmit = {};
  for (const name of Object.keys(RESUBMIT_CASES)) resubmit[name] = await resubmitCase(name, rngA);

  // ------------------------------------------------------------ final check
  const ref = await converge('final');
  const text = c.canonicalJSON(ref.data);
  const count = (list) => Object.fromEntries(list.map((m) => [m, c.countOccurrences(text, m)]));
  const offlineCounts = count(offlineMarkers);
  const onlineCounts = count(onlineMarkers);
  const resubmitMarkers = Object.values(resubmit).flatMap((r) => [r.marker, r.bMarker, r.bMarkerBefore]).filter(Boolean);
  const resubmitCounts = count(resubmitMarkers);
  for (const r of Object.values(resubmit)) r.count = resubmitCounts[r.marker];
  const bad = Object.entries({ ...offlineCounts, ...onlineCounts, ...resubmitCounts }).filter(([, n]) => n !== 1);
  if (bad.length) throw new Error(`markers must occur exactly once, but: ${bad.map(([m, n]) => `${m} x${n}`).join(', ')}`);

  c.closeQuietly(A);
  c.closeQuietly(B);
  wd.stop();
  c.succeed({
    ok: true,
    seed,
    canvas: canvasId,
    version: ref.v,
    digest: c.digest(ref.data),
    offline: { ops: args['offline-ops'], opsSentAfterReconnect: sentAfterReconnect, markers: offlineCounts },
    online: { ops: args['online-ops'], markers: onlineCounts },
    resubmit,
    clientIdKeptAcrossReconnect: idBefore === idAfter,
    clientLog: c.clientLogSummary(),
    ...(session ? { auth: session.info() } : {}),
  });
}

/**
 * Submits an op after checking locally that it applies and keeps the canvas valid.
 */
function submitChecked(doc, op, label, cb) {
  let after;
  try {
    after = json0.apply(c.clone(doc.data), c.clone(op));
  } catch (e) {
    throw new Error(`${label}: generated op does not apply locally (${e.message}): ${JSON.stringify(op)}`);
  }
  const problem = c.validateCanvas(after);
  if (problem) throw new Error(`${label}: generated op would make the canvas invalid (${problem}): ${JSON.stringify(op)}`);
  doc.submitOp(op, cb);
}

/**
 * Mostly marker inserts (into a cell source, a new cell, or the title); sometimes a
 * layout change or a delete of text that holds no marker. Never removes cells, so
 * no marker can legitimately disappear.
 */
function markerOrOtherEdit(rng, data, m, newCellId) {
  const ids = Object.keys(data.cells);
  const id = rng.pick(ids);
  const cell = data.cells[id];
  const kind = rng.weighted([[55, 'source'], [10, 'cell'], [10, 'title'], [10, 'layout'], [15, 'delete']]);
  if (kind === 'source') {
    return { marker: true, op: [{ p: ['cells', id, 'source', safeOffset(rng, cell.source)], si: m }] };
  }
  if (kind === 'cell') {
    const nid = newCellId();
    const newCell = c.makeCell(rng, `Cell ${nid}`);
    newCell.source = `${m} ${newCell.source}`;
    return { marker: true, op: [{ p: ['cells', nid], oi: newCell }] };
  }
  if (kind === 'title') {
    return { marker: true, op: [{ p: ['title', safeOffset(rng, data.title)], si: m }] };
  }
  if (kind === 'layout') {
    return { marker: false, op: [{ p: ['cells', id, 'layout', 'x'], na: rng.int(1, 3) }, { p: ['cells', id, 'layout', 'y'], od: cell.layout.y, oi: cell.layout.y + 1 }] };
  }
  const range = markerFreeRange(rng, cell.source);
  if (!range) return { marker: true, op: [{ p: ['cells', id, 'source', safeOffset(rng, cell.source)], si: m }] };
  return { marker: false, op: [{ p: ['cells', id, 'source', range[0]], sd: cell.source.slice(range[0], range[1]) }] };
}

/** An insert offset that does not split an existing marker. */
function safeOffset(rng, text) {
  const spans = markerSpans(text);
  for (let tries = 0; tries < 20; tries++) {
    const off = rng.int(0, text.length);
    if (!spans.some(([s, e]) => off > s && off < e)) return off;
  }
  return text.length;
}

/** A non-empty [start, end) range that does not overlap any marker, or null. */
function markerFreeRange(rng, text) {
  const spans = markerSpans(text);
  for (let tries = 0; tries < 20; tries++) {
    if (text.length === 0) return null;
    const s = rng.int(0, text.length - 1);
    const e = Math.min(text.length, s + rng.int(1, 4));
    if (!spans.some(([ms, me]) => s < me && e > ms)) return [s, e];
  }
  return null;
}

function markerSpans(text) {
  const spans = [];
  for (const m of text.matchAll(MARKER_RE)) spans.push([m.index, m.index + m[0].length]);
  return spans;
}

/** Waits until A and B are at the server's version and all three agree. */
async function converge(what) {
  wd.step(`A and B to have nothing pending (${what})`);
  await Promise.all([c.whenNothingPending(docA), c.whenNothingPending(docB)]);
  wd.step(`fresh fetch (${what})`);
  const ref = await c.freshFetch(args.url, canvasId, 'verifier');
  wd.step(`A and B to reach version ${ref.v} (${what})`);
  await c.until(() => docA.version >= ref.v && docB.version >= ref.v);
  for (const [label, d] of [['A', docA], ['B', docB]]) {
    if (d.version !== ref.v) throw new Error(`${what}: ${label} at version ${d.version}, server at ${ref.v}`);
    const diff = c.describeDiff(d.data, ref.data);
    if (diff) throw new Error(`${what}: ${label} diverged from the server snapshot: ${diff}`);
  }
  const problem = c.validateCanvas(ref.data);
  if (problem) throw new Error(`${what}: canvas is invalid: ${problem}`);
  return ref;
}

const RESUBMIT_CASES = {
  // ack lost: every message to A is dropped from the moment the op is sent
  committedUnacked: { n: 1, blind: 'afterSend' },
  // same, but A was already blind (stale) when it submitted, so the server had to
  // transform the op past B's op before committing it at a later version than
  // the one A sent; the resend must still be matched by src/seq
  staleCommittedUnacked: { n: 3, blind: 'beforeSubmit' },
  // socket terminated on the next tick after the op frame was written
  closedAfterSend: { n: 2, blind: null },
};

async function resubmitCase(name, rng) {
  const cfg = RESUBMIT_CASES[name];
  const m = marker('R', cfg.n);
  const result = { marker: m };
  let firstSend = null;
  let ackErr;
  let acked = false;
  const sock = A.socket;
  const bInsert = async (bm) => {
    const bid = rng.pick(Object.keys(docB.data.cells));
    await c.submitOp(docB, [{ p: ['cells', bid, 'source', safeOffset(rng, docB.data.cells[bid].source)], si: bm }]);
  };

  if (cfg.blind === 'beforeSubmit') {
    sock.onmessage = null;
    const bm = marker('BS', cfg.n);
    wd.step(`${name}: B committing ${bm} while A is blind`);
    await bInsert(bm);
    result.bMarkerBefore = bm;
  }

  wd.step(`${name}: A submitting ${m}`);
  const id = rng.pick(Object.keys(docA.data.cells));
  const op = [{ p: ['cells', id, 'source', safeOffset(rng, docA.data.cells[id].source)], si: m }];
  const onFirstSend = (msg) => {
    if (msg.a !== 'op' || !JSON.stringify(msg.op || []).includes(m)) return;
    A.removeListener('send', onFirstSend);
    // The wire message has no src on a first send: the server uses the
    // connection's id. It carries src on a resend after reconnect.
    firstSend = { src: msg.src || A.id, seq: msg.seq, v: msg.v };
    if (cfg.blind === 'afterSend') {
      sock.onmessage = null; // the ack (and everything else) will be lost
    } else if (!cfg.blind) {
      process.nextTick(() => sock.terminate()); // the frame is already written
    }
  };
  A.on('send', onFirstSend);
  docA.submitOp(op, (err) => {
    acked = true;
    ackErr = err;
  });

  if (cfg.blind) {
    wd.step(`${name}: B to see ${m} committed by the server`);
    await c.until(() => JSON.stringify(docB.data).includes(m));
    result.committedBeforeResend = true;
    result.committedAtV = docB.version - 1;
    // Move the server past A's op so the resend has to be matched in history.
    const bm = marker('BR', cfg.n);
    wd.step(`${name}: B committing ${bm} on top`);
    await bInsert(bm);
    result.bMarker = bm;
    if (acked) throw new Error(`${name}: A got an ack although its incoming messages were dropped`);
    wd.step(`${name}: A's socket to close`);
    sock.close();
  }
  await c.waitState(A, 'disconnected');
  if (!firstSend) throw new Error(`${name}: the op was never sent before the socket closed`);
  if (!cfg.blind) {
    // Did the server commit it before the resend? (informational)
    const deadline = Date.now() + 300;
    await c.until(() => JSON.stringify(docB.data).includes(m) || Date.now() > deadline);
    result.committedBeforeResend = JSON.stringify(docB.data).includes(m);
  }
  const queuedOp = docA.pendingOps[0];
  if (!queuedOp || queuedOp.seq !== firstSend.seq) throw new Error(`${name}: after disconnect the op should be first in A's queue with seq ${firstSend.seq}`);

  const resends = [];
  const onResend = (msg) => {
    if (msg.a === 'op' && msg.seq === firstSend.seq) resends.push({ src: msg.src, seq: msg.seq, v: msg.v });
  };
  A.on('send', onResend);
  wd.step(`${name}: A to reconnect`);
  A.bindToSocket(c.newSocket(args.url));
  await c.waitConnected(A);
  wd.step(`${name}: A's resent op to be acked`);
  await c.whenNothingPending(docA);
  await c.until(() => acked);
  A.removeListener('send', onResend);
  if (ackErr) throw new Error(`${name}: resent op was rejected: ${ackErr.code} ${ackErr.message}`);
  if (resends.length !== 1) throw new Error(`${name}: expected the op to be resent once, it was sent ${resends.length} times after reconnect`);
  const r = resends[0];
  if (r.src !== firstSend.src || r.seq !== firstSend.seq) {
    throw new Error(`${name}: resent with src/seq ${r.src}/${r.seq}, first sent as ${firstSend.src}/${firstSend.seq}`);
  }
  Object.assign(result, { src: firstSend.src, seq: firstSend.seq, firstV: firstSend.v, resentV: r.v, resentSameSrcSeq: true });
  await converge(name);
  return result;
}

main().catch((err) => c.fatal(`${err.message} (while: ${wd.waitingFor})`));
