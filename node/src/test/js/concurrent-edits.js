#!/usr/bin/env node
'use strict';
// N clients (default 8), each with its own sharedb Connection, subscribe to one
// canvas and fire random valid json0 edits concurrently (no waiting for acks,
// small random delays so the ops interleave on the server). Afterwards every
// client must have nothing pending, all must reach the same version with
// deep-equal data, and a fresh connection's fetch must agree.
//
//   node concurrent-edits.js --url ws://127.0.0.1:8080/ws --canvas c1 --seed 42
//   node concurrent-edits.js --url ws://127.0.0.1:8080/ws --canvas c1 --seed 42 --auth [--viewer-check]
//
// --auth: signs in first (lib/auth.js: a fresh user, a project) and creates the canvas
// with REST POST /v1/projects/{id}/canvases (titled "Canvas <--canvas>"); all clients use
// that user's token on the WebSocket upgrade and the canvas id the server chose.
// --viewer-check (implies --auth): a second user, added to the project as viewer,
// subscribes during the edits and must see them all; afterwards their submitOp must be
// refused (error reply + callback error, doc rolled back, server unchanged). Reported
// as "viewerCheck" in the result; exit 1 with a FAIL line if any of that does not hold.
//
// Result (one line on stdout):
//   {"ok":true,"version":N,"ops":M,"seed":S,"digest":"<sha256 of canonical JSON>", ...}
//
// Odd-numbered clients set doc.preventCompose, so every edit is its own op on the
// wire; even-numbered clients let the client compose edits queued behind an
// inflight op (multi-component ops, and occasionally an op that composes to []).

const c = require('./lib/common');
const auth = require('./lib/auth');
const { randomEdit } = require('./lib/edits');
const viewerCheck = require('./lib/viewer-check');

const args = c.parseArgs(process.argv.slice(2), {
  url: 'ws://127.0.0.1:8080/ws',
  canvas: 'e2e-concurrent',
  seed: '',
  clients: 8,
  ops: 40,
  'max-delay': 15,
  timeout: 60,
  auth: false,
  'viewer-check': false,
});
if (args['viewer-check']) args.auth = true;
const seed = c.resolveSeed(args.seed);
process.stderr.write(`concurrent-edits: seed ${seed}\n`);
const json0 = c.ShareDB.types.defaultType;

const clients = [];
const wd = c.startWatchdog(args.timeout, () =>
  clients
    .map((cl) => `${cl.label}: state=${cl.conn.state} v=${cl.doc.version} inflight=${cl.doc.inflightOp ? `seq ${cl.doc.inflightOp.seq}` : 'none'} pending=${cl.doc.pendingOps.length} submitted=${cl.submitted} acked=${cl.acked}`)
    .join('; '));

async function main() {
  const root = c.makeRng(seed);

  // Without --auth the canvas id is --canvas (created over the socket if missing);
  // with --auth the server picks the id of a canvas created by REST in the project.
  let canvasId = args.canvas;
  let session = null;
  let created;
  if (args.auth) {
    wd.step(`sign-in (register, log in, create project) at ${auth.httpBase(args.url)}`);
    session = await auth.signIn({ url: args.url, script: 'concurrent-edits', seed });
    wd.step(`REST create of canvas "Canvas ${args.canvas}" in project ${session.projectId}`);
    canvasId = (await session.createCanvas(`Canvas ${args.canvas}`)).canvasId;
  }

  wd.step(`setup connection to ${args.url} (socket open + {"a":"hs"} reply)`);
  const setup = await c.connect(args.url, 'setup');
  const setupDoc = c.watchDoc(setup.get(c.COLLECTION, canvasId), 'setup');
  wd.step(`fetch of ${canvasId}`);
  await c.fetchDoc(setupDoc);
  if (session) {
    if (!setupDoc.type) throw new Error(`canvas ${canvasId}, just created by REST, does not exist for a fetch over the socket`);
    created = true;
  } else {
    wd.step(`create of ${canvasId}`);
    created = await c.ensureCreated(setupDoc, `Canvas ${args.canvas}`);
  }
  const startProblem = c.validateCanvas(setupDoc.data);
  if (startProblem) throw new Error(`existing canvas ${canvasId} is not a valid canvas: ${startProblem}`);
  c.closeQuietly(setup);

  let viewer = null;
  if (args['viewer-check']) {
    wd.step('viewer: register, add to the project as viewer, connect, subscribe');
    viewer = await new viewerCheck.ViewerCheck(args.url, canvasId, 'viewer').start(session, { script: 'concurrent-edits', seed });
  }

  wd.step(`${args.clients} client connections (socket open + {"a":"hs"} reply)`);
  for (let i = 0; i < args.clients; i++) {
    const label = `client${i}`;
    const conn = c.openConnection(args.url, label);
    const doc = c.watchDoc(conn.get(c.COLLECTION, canvasId), label);
    doc.preventCompose = i % 2 === 1;
    clients.push({ i, label, conn, doc, rng: root.fork(i), submitted: 0, acked: 0, kinds: {}, cellSeq: 0 });
  }
  await Promise.all(clients.map((cl) => c.waitConnected(cl.conn)));
  wd.step('subscribe of every client');
  await Promise.all(clients.map((cl) => c.subscribe(cl.doc)));
  for (const cl of clients) {
    if (!cl.doc.type) throw new Error(`${cl.label}: subscribed but the canvas does not exist (type ${cl.doc.type})`);
  }

  wd.step('clients editing');
  const runTag = c.makeRng(seed ^ 0x5bd1e995).hex(6);
  await Promise.all(clients.map((cl) => runClient(cl, runTag)));

  wd.step('every client to have nothing pending (all ops acked)');
  await Promise.all(clients.map((cl) => c.whenNothingPending(cl.doc)));
  const submitted = clients.reduce((s, cl) => s + cl.submitted, 0);
  const acked = clients.reduce((s, cl) => s + cl.acked, 0);
  if (acked !== submitted) throw new Error(`only ${acked} of ${submitted} submitOp callbacks were called`);

  wd.step('fetch by a fresh (verifier) connection');
  const ref = await c.freshFetch(args.url, canvasId, 'verifier');
  if (ref.type !== json0.uri) throw new Error(`fresh fetch: type is ${ref.type}, expected ${json0.uri}`);

  wd.step(`every client to reach version ${ref.v}`);
  await c.until(() => clients.every((cl) => cl.doc.version >= ref.v));
  for (const cl of clients) {
    if (cl.doc.version !== ref.v) throw new Error(`${cl.label} is at version ${cl.doc.version} but the server said ${ref.v} (someone else writing to this canvas?)`);
    const diff = c.describeDiff(cl.doc.data, ref.data);
    if (diff) throw new Error(`${cl.label} diverged from the server snapshot at version ${ref.v}: ${diff}`);
  }
  const problem = c.validateCanvas(ref.data);
  if (problem) throw new Error(`final canvas is invalid: ${problem}`);

  const kinds = {};
  for (const cl of clients) for (const k of Object.keys(cl.kinds)) kinds[k] = (kinds[k] || 0) + cl.kinds[k];
  clients.forEach((cl) => c.closeQuietly(cl.conn));
  const result = {
    ok: true,
    version: ref.v,
    ops: submitted,
    seed,
    digest: c.digest(ref.data),
    canvas: canvasId,
    created,
    clients: clients.length,
    cells: Object.keys(ref.data.cells).length,
    kinds,
    clientLog: c.clientLogSummary(),
  };
  if (session) result.auth = session.info();
  if (viewer) {
    wd.step(`viewer to see the editors' ops (version ${ref.v})`);
    await viewer.expectSees(ref);
    wd.step('viewer submitOp to be refused');
    await viewer.trySubmit();
    viewer.close();
    result.viewerCheck = viewerCheck.finish(viewer, result);
  }
  wd.stop();
  c.succeed(result);
}

function submit(cl, kind, op) {
  // Check the generator: the op must apply to the local doc and leave it valid.
  let after;
  try {
    after = json0.apply(c.clone(cl.doc.data), c.clone(op));
  } catch (e) {
    throw new Error(`${cl.label}: generated op does not apply locally (${e.message}): ${JSON.stringify(op)}`);
  }
  const problem = c.validateCanvas(after);
  if (problem) throw new Error(`${cl.label}: generated op would make the canvas invalid (${problem}): ${JSON.stringify(op)}`);
  cl.submitted++;
  cl.kinds[kind] = (cl.kinds[kind] || 0) + 1;
  cl.doc.submitOp(op, (err) => {
    if (err) c.fatal(`${cl.label}: op ${JSON.stringify(op)} was rejected: ${err.code} ${err.message}`);
    cl.acked++;
  });
}

async function runClient(cl, runTag) {
  const ctx = { newCellId: () => `k${runTag}_${cl.i}_${cl.cellSeq++}` };
  for (let k = 0; k < args.ops; k++) {
    await c.sleep(cl.rng.int(0, args['max-delay']));
    if (!cl.doc.preventCompose && cl.rng.chance(0.04)) {
      // "flicker": add a cell and remove it in the same tick. The client composes
      // the two into one pending op, which json0 reduces to [] (an empty op).
      const id = ctx.newCellId();
      const cell = c.makeCell(cl.rng, `Flicker ${id}`);
      submit(cl, 'flicker-add', [{ p: ['cells', id], oi: cell }]);
      submit(cl, 'flicker-remove', [{ p: ['cells', id], od: c.clone(cell) }]);
      continue;
    }
    const edit = randomEdit(cl.rng, cl.doc.data, ctx);
    submit(cl, edit.kind, edit.op);
  }
}

main().catch((err) => c.fatal(`${err.message} (while: ${wd.waitingFor})`));
