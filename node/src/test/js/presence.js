'use strict';
// Doc presence through Easel with the real sharedb client: what one client submits reaches the
// others (broadcast as sent, not transformed: json0 has no transformPresence, so the clients here
// register an identity one, as an application using json0 presence does), a late joiner learns
// the presence of those already there, and a client that disconnects is cleared for the others.
//
//   node presence.js --url ws://127.0.0.1:8080/ws --canvas p1
//   node presence.js --url ws://127.0.0.1:8080/ws --canvas p1 --auth [--viewer-check]
//
// --auth: signs in first (lib/auth.js: a fresh user, a project) and creates the canvas with
// REST POST /v1/projects/{id}/canvases (titled "presence <--canvas>"); A, B and C all use
// that user's token. --viewer-check (implies --auth): afterwards a second user, added to the
// project as viewer, subscribes to the doc and its presence (must learn B's cursor),
// must see an op B then submits, and their own submitOp must be refused (error reply +
// callback error, doc rolled back, server unchanged); reported as "viewerCheck", exit 1 with
// a FAIL line if any of that does not hold. "version" is read before that extra op.

const c = require('./lib/common');
const auth = require('./lib/auth');
const viewerCheck = require('./lib/viewer-check');

const args = c.parseArgs(process.argv.slice(2), {
  url: 'ws://127.0.0.1:8080/ws',
  canvas: '',
  seconds: 60,
  auth: false,
  'viewer-check': false,
});
if (args['viewer-check']) args.auth = true;
const watchdog = c.startWatchdog(args.seconds);
const failed = (e, what) => new Error(`${what} failed: ${e.code || ''} ${e.message}`);
// --canvas, or (--auth) the id the server gave the canvas created by REST
let canvasId = args.canvas || `presence-${Date.now()}`;

// json0 does not transform presence; pass it through unchanged.
c.ShareDB.types.map['http://sharejs.org/types/JSONv0'].transformPresence = (presence) => presence;

function received(presence) {
  const seen = new Map();
  presence.on('receive', (id, value) => seen.set(id, value));
  return seen;
}

async function join(label) {
  const conn = await c.connect(args.url, label);
  const doc = c.watchDoc(conn.get(c.COLLECTION, canvasId), label);
  await c.subscribe(doc);
  const presence = conn.getDocPresence(c.COLLECTION, canvasId);
  const seen = received(presence);
  await new Promise((res, rej) => presence.subscribe((e) => (e ? rej(failed(e, `${label} presence subscribe`)) : res())));
  const local = presence.create(`${label}-cursor`);
  return { conn, doc, presence, seen, local };
}

const submit = (local, value) =>
  new Promise((res, rej) => local.submit(value, (e) => (e ? rej(failed(e, 'presence submit')) : res())));

(async () => {
  let session = null;
  if (args.auth) {
    watchdog.step(`sign-in (register, log in, create project) at ${auth.httpBase(args.url)}`);
    session = await auth.signIn({ url: args.url, script: 'presence', seed: args.canvas || 'presence' });
    watchdog.step(`REST create of the canvas in project ${session.projectId}`);
    canvasId = (await session.createCanvas(args.canvas ? `presence ${args.canvas}` : 'presence')).canvasId;
  }
  watchdog.step('connect A');
  const a = await join('A');
  if (session) {
    if (!a.doc.type) c.fatal(`canvas ${canvasId}, just created by REST, does not exist for a subscribe over the socket`);
  } else {
    await c.ensureCreated(a.doc, 'presence');
  }
  watchdog.step('connect B');
  const b = await join('B');

  watchdog.step('B sees A\'s cursor');
  await submit(a.local, { cell: 'c1', index: 3 });
  await c.until(() => b.seen.has('A-cursor'));
  if (JSON.stringify(b.seen.get('A-cursor')) !== JSON.stringify({ cell: 'c1', index: 3 })) {
    c.fatal(`B saw ${JSON.stringify(b.seen.get('A-cursor'))}`);
  }
  await submit(b.local, { cell: 'c2', index: 0 });
  watchdog.step('A sees B\'s cursor');
  await c.until(() => a.seen.has('B-cursor'));

  watchdog.step('late joiner C learns A and B');
  const cl = await join('C');
  await c.until(() => cl.seen.has('A-cursor') && cl.seen.has('B-cursor'));

  watchdog.step('A disconnects: B and C see its cursor cleared');
  a.conn.close();
  await c.until(() => b.seen.get('A-cursor') === null && cl.seen.get('A-cursor') === null);

  const persisted = await c.freshFetch(args.url, canvasId);
  const result = { ok: true, canvas: canvasId, version: persisted.v, seenByB: [...b.seen.keys()], seenByC: [...cl.seen.keys()] };
  if (session) result.auth = session.info();
  if (args['viewer-check']) {
    watchdog.step('viewer: register, add to the project as viewer, connect, subscribe');
    const viewer = await new viewerCheck.ViewerCheck(args.url, canvasId, 'V').start(session, { script: 'presence', seed: args.canvas || 'presence' });
    if (viewer.result.subscribed) {
      watchdog.step('viewer: presence subscribe, learns B\'s cursor');
      viewer.result.presence = await viewerPresence(viewer);
      watchdog.step('viewer sees an op B submits');
      await c.submitOp(b.doc, [{ p: ['title', b.doc.data.title.length], si: ' «B-edit»' }]);
      await viewer.expectSees(await c.freshFetch(args.url, canvasId), 'B\'s op');
      watchdog.step('viewer submitOp to be refused');
      await viewer.trySubmit();
    }
    viewer.close();
    result.viewerCheck = viewerCheck.finish(viewer, result);
  }
  watchdog.stop();
  c.closeQuietly(b.conn);
  c.closeQuietly(cl.conn);
  c.succeed(result);
})().catch((err) => c.fatal(err && err.stack || String(err)));

/** The viewer subscribes to the doc's presence and must learn B's cursor (A has left; C never submitted one). */
async function viewerPresence(viewer) {
  const presence = viewer.conn.getDocPresence(c.COLLECTION, canvasId);
  const seen = received(presence);
  try {
    await new Promise((res, rej) => presence.subscribe((e) => (e ? rej(failed(e, 'viewer presence subscribe')) : res())));
  } catch (e) {
    viewer.problem(e.message);
    return { subscribed: false };
  }
  const deadline = Date.now() + 5000;
  await c.until(() => seen.has('B-cursor') || Date.now() > deadline);
  const out = { subscribed: true, seen: [...seen.keys()] };
  if (JSON.stringify(seen.get('B-cursor')) !== JSON.stringify({ cell: 'c2', index: 0 })) {
    viewer.problem(`viewer subscribed to presence but did not learn B's cursor within 5s (saw ${JSON.stringify(Object.fromEntries(seen))})`);
  }
  return out;
}
