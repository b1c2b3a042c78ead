'use strict';
// Doc presence through Easel with the real sharedb client: what one client submits reaches the
// others (broadcast as sent, not transformed: json0 has no transformPresence, so the clients here
// register an identity one, as an application using json0 presence does), a late joiner learns
// the presence of those already there, and a client that disconnects is cleared for the others.
//
//   node presence.js --url ws://127.0.0.1:8080/ws --canvas p1

const c = require('./lib/common');

const args = c.parseArgs(process.argv.slice(2), { url: 'ws://127.0.0.1:8080/ws', canvas: '', seconds: 60 });
const watchdog = c.startWatchdog(args.seconds);
const failed = (e, what) => new Error(`${what} failed: ${e.code || ''} ${e.message}`);
const canvasId = args.canvas || `presence-${Date.now()}`;

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
  watchdog.step('connect A');
  const a = await join('A');
  await c.ensureCreated(a.doc, 'presence');
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
  watchdog.stop();
  c.closeQuietly(b.conn);
  c.closeQuietly(cl.conn);
  c.succeed({ ok: true, canvas: canvasId, version: persisted.v, seenByB: [...b.seen.keys()], seenByC: [...cl.seen.keys()] });
})().catch((err) => c.fatal(err && err.stack || String(err)));
