#!/usr/bin/env node
'use strict';
// Durability across a server restart, in two phases.
//
//   node restart-check.js --phase write --url ws://127.0.0.1:8080/ws --seed 42 > /tmp/expect.json
//   (restart the server)
//   node restart-check.js --phase verify --url ws://127.0.0.1:8080/ws --expect /tmp/expect.json
//
// write:  creates canvases <prefix>-1..<prefix>-N (default 3) if missing, then makes
//         --ops (default 200) random valid edits spread over them, each one acked
//         (submitOp callback) before the next. Checks a fresh connection sees the
//         same, then prints {"ok":true,"canvases":{id:doc},"versions":{id:v},"digests":{id:sha256},...}
//         where doc is the canvas with its keys sorted (canonical JSON).
// verify: reads that JSON (the last JSON line of the file) and checks, with fresh
//         connections, that every canvas has exactly that version and data:
//         once with fetches queued before the connection is up (the client sends
//         them as one bulk fetch "bf") and once with subscribes queued the same
//         way (bulk subscribe "bs"). With --write-after it then submits one more
//         op per canvas and checks it lands at version v+1 (the server must keep
//         counting from the restored version). Re-running verify after
//         --write-after fails by design (versions moved on).
//
// --auth (write): signs in first (lib/auth.js: a fresh user, a project) and creates the
//         --canvases canvases with REST POST /v1/projects/{id}/canvases, titled
//         "Canvas <prefix>-<i>" (the server picks the ids, which key "canvases"/"versions");
//         every connection uses that user's token. The JSON line then also has
//         "auth": {"email","password","userId","projectId","accessToken","base"} and
//         "titles": {id: title}.
// verify: when the --expect JSON has "auth" (or with --auth, which then requires it), logs
//         in again with that email/password (POST /v1/auth:login; the stored access token
//         may have expired or been issued by the previous process) and uses the new token
//         on every connection; the user id must be the same.

const fs = require('fs');
const c = require('./lib/common');
const auth = require('./lib/auth');
const { randomEdit } = require('./lib/edits');

const args = c.parseArgs(process.argv.slice(2), {
  url: 'ws://127.0.0.1:8080/ws',
  phase: '',
  expect: '',
  prefix: 'e2e-restart',
  canvases: 3,
  ops: 200,
  seed: '',
  'write-after': false,
  timeout: 60,
  auth: false,
});
if (args.phase !== 'write' && args.phase !== 'verify') c.fatal('--phase must be "write" or "verify"', 64);
if (args.phase === 'verify' && !args.expect) c.fatal('--phase verify needs --expect <file written by --phase write>', 64);
const json0 = c.ShareDB.types.defaultType;
const wd = c.startWatchdog(args.timeout);

async function write() {
  const seed = c.resolveSeed(args.seed);
  process.stderr.write(`restart-check: seed ${seed}\n`);
  const rng = c.makeRng(seed);
  const names = Array.from({ length: args.canvases }, (_, i) => `${args.prefix}-${i + 1}`);
  let ids = names;
  let session = null;
  const titles = {};
  if (args.auth) {
    wd.step(`sign-in (register, log in, create project) at ${auth.httpBase(args.url)}`);
    session = await auth.signIn({ url: args.url, script: 'restart-check', seed });
    ids = [];
    for (const name of names) {
      wd.step(`REST create of canvas "Canvas ${name}" in project ${session.projectId}`);
      const canvas = await session.createCanvas(`Canvas ${name}`);
      ids.push(canvas.canvasId);
      titles[canvas.canvasId] = `Canvas ${name}`;
    }
  }

  wd.step(`connection to ${args.url} (socket open + {"a":"hs"} reply)`);
  const conn = await c.connect(args.url, 'writer');
  const docs = {};
  for (const id of ids) {
    wd.step(`subscribe + create of ${id}`);
    docs[id] = c.watchDoc(conn.get(c.COLLECTION, id), 'writer');
    await c.subscribe(docs[id]);
    if (session) {
      if (!docs[id].type) throw new Error(`canvas ${id}, just created by REST, does not exist for a subscribe over the socket`);
    } else {
      await c.ensureCreated(docs[id], `Canvas ${id}`);
    }
    const problem = c.validateCanvas(docs[id].data);
    if (problem) throw new Error(`existing canvas ${id} is not a valid canvas: ${problem}`);
  }

  const runTag = c.makeRng(seed ^ 0x2545f491).hex(6);
  let cellSeq = 0;
  const ctx = { newCellId: () => `r${runTag}_${cellSeq++}` };
  for (let k = 0; k < args.ops; k++) {
    const id = rng.pick(ids);
    const doc = docs[id];
    const edit = randomEdit(rng, doc.data, ctx);
    const after = json0.apply(c.clone(doc.data), c.clone(edit.op));
    const problem = c.validateCanvas(after);
    if (problem) throw new Error(`generated op would make ${id} invalid (${problem}): ${JSON.stringify(edit.op)}`);
    const before = doc.version;
    wd.step(`ack of op ${k + 1}/${args.ops} on ${id}`);
    await c.submitOp(doc, edit.op);
    if (doc.version !== before + 1) throw new Error(`${id}: version went ${before} -> ${doc.version} for one acked op (nobody else should write to it)`);
  }

  wd.step('fresh connection fetching every canvas');
  const canvases = {};
  const versions = {};
  const digests = {};
  for (const id of ids) {
    const ref = await c.freshFetch(args.url, id, 'checker');
    if (ref.v !== docs[id].version) throw new Error(`${id}: writer is at version ${docs[id].version}, fresh fetch says ${ref.v}`);
    const diff = c.describeDiff(docs[id].data, ref.data);
    if (diff) throw new Error(`${id}: fresh fetch differs from the writer's copy: ${diff}`);
    canvases[id] = c.canonicalize(ref.data);
    versions[id] = ref.v;
    digests[id] = c.digest(ref.data);
  }
  c.closeQuietly(conn);
  wd.stop();
  const result = { ok: true, phase: 'write', seed, ops: args.ops, canvases, versions, digests, clientLog: c.clientLogSummary() };
  if (session) Object.assign(result, { auth: session.restoreInfo(), titles });
  c.succeed(result);
}

function readExpectation(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    c.fatal(`cannot read --expect ${file}: ${e.message}`, 64);
  }
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('{'));
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      const parsed = JSON.parse(lines[i]);
      if (parsed && parsed.canvases && parsed.versions) return parsed;
    } catch (e) {
      // try the previous line
    }
  }
  try {
    const parsed = JSON.parse(text);
    if (parsed && parsed.canvases && parsed.versions) return parsed;
  } catch (e) {
    // fall through
  }
  return c.fatal(`--expect ${file} does not contain the JSON printed by --phase write ({"canvases":...,"versions":...})`, 64);
}

/** Opens a connection and queues `method` (fetch|subscribe) for every id before it is connected. */
async function loadQueued(ids, method, label) {
  const conn = c.openConnection(args.url, label);
  const actions = [];
  conn.on('send', (msg) => actions.push(msg.a));
  const docs = {};
  const loaded = ids.map((id) => {
    docs[id] = c.watchDoc(conn.get(c.COLLECTION, id), label);
    return method === 'fetch' ? c.fetchDoc(docs[id]) : c.subscribe(docs[id]);
  });
  await c.waitConnected(conn);
  await Promise.all(loaded);
  return { conn, docs, actions: [...new Set(actions.filter((a) => a !== 'hs'))] };
}

function compare(expect, docs, how) {
  const out = {};
  for (const id of Object.keys(expect.versions)) {
    const doc = docs[id];
    if (!doc.type) throw new Error(`${how}: ${id} does not exist after the restart (expected version ${expect.versions[id]})`);
    if (doc.version !== expect.versions[id]) throw new Error(`${how}: ${id} is at version ${doc.version}, expected ${expect.versions[id]}`);
    const diff = c.describeDiff(doc.data, expect.canvases[id]);
    if (diff) throw new Error(`${how}: ${id} data differs from before the restart: ${diff}`);
    out[id] = { v: doc.version, digest: c.digest(doc.data) };
  }
  return out;
}

async function verify() {
  const expect = readExpectation(args.expect);
  const ids = Object.keys(expect.versions);
  if (!ids.length) c.fatal('--expect lists no canvases', 64);
  let session = null;
  if (args.auth && !expect.auth) c.fatal(`--auth: --expect ${args.expect} has no "auth" block (was it written with --phase write --auth?)`, 64);
  if (expect.auth) {
    wd.step(`sign-in again as ${expect.auth.email} at ${auth.httpBase(args.url)}`);
    session = await auth.resume({ url: args.url, email: expect.auth.email, password: expect.auth.password, userId: expect.auth.userId, projectId: expect.auth.projectId });
  }

  wd.step(`fetch of ${ids.join(', ')} (queued before connect -> bulk fetch)`);
  const f = await loadQueued(ids, 'fetch', 'verify-fetch');
  const verified = compare(expect, f.docs, 'fetch');
  c.closeQuietly(f.conn);

  wd.step(`subscribe of ${ids.join(', ')} (queued before connect -> bulk subscribe)`);
  const s = await loadQueued(ids, 'subscribe', 'verify-subscribe');
  compare(expect, s.docs, 'subscribe');

  const result = { ok: true, phase: 'verify', verified, fetchActions: f.actions, subscribeActions: s.actions };
  if (session) result.auth = session.info();
  if (args['write-after']) {
    result.writeAfter = {};
    for (const id of ids) {
      const doc = s.docs[id];
      const v = doc.version;
      wd.step(`ack of a new op on ${id} at version ${v}`);
      await c.submitOp(doc, [{ p: ['title', doc.data.title.length], si: '+' }]);
      if (doc.version !== v + 1) throw new Error(`${id}: after one acked op the version is ${doc.version}, expected ${v + 1}`);
      const ref = await c.freshFetch(args.url, id, 'checker');
      if (ref.v !== v + 1) throw new Error(`${id}: fresh fetch after the new op says version ${ref.v}, expected ${v + 1}`);
      const diff = c.describeDiff(doc.data, ref.data);
      if (diff) throw new Error(`${id}: after the new op the server copy differs: ${diff}`);
      result.writeAfter[id] = ref.v;
    }
  }
  c.closeQuietly(s.conn);
  wd.stop();
  result.clientLog = c.clientLogSummary();
  c.succeed(result);
}

(args.phase === 'write' ? write() : verify()).catch((err) => c.fatal(`${err.message} (while: ${wd.waitingFor})`));
