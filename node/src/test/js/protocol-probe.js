#!/usr/bin/env node
'use strict';
// Sends hostile frames over a raw `ws` WebSocket (no sharedb client) and records
// what the server answers to each, then checks the server still answers a valid
// handshake and fetch.
//
//   node protocol-probe.js --url ws://127.0.0.1:8080/ws --bytes 2097152
//
// Each probe is recorded as
//   {"name", "sent" (truncated), "verdict": "error-reply"|"reply"|"closed"|"silent",
//    "replies": [...truncated JSON...], "closed": null|{"code","reason"}, "freshConnection": bool}
// If the server closes the connection, the next probe uses a new connection.
//
// Fails (exit 1) when:
//   - a hostile frame gets no answer at all within --wait ms ("silent"),
//   - an invalid op is acknowledged instead of refused,
//   - the handshake/fetch liveness checks fail (on the same connection, unless the
//     server closed it; and on a new connection after the oversized frame),
//   - with --expect-open: the server closes the connection for anything other
//     than the oversized frame.
//
// --auth: signs in first (lib/auth.js: a fresh user, a project), creates the probe canvas
// with REST POST /v1/projects/{id}/canvases instead of a raw create op, and opens every
// probe connection with `Authorization: Bearer <token>`. It then also probes, and records
// under "auth.probes":
//   (i)   upgrade-without-authorization: a WebSocket upgrade with no Authorization header;
//   (ii)  upgrade-with-garbage-token: with `Authorization: Bearer garbage`;
//   (iii) non-member-subscribe: a valid token of a user who is not a member of the canvas's
//         project, subscribing ({"a":"s"}) to the probe canvas;
//   (info) create-over-socket: the owner creating a new doc with a raw create op.
// A refused upgrade is recorded with its HTTP status (the `ws` 'unexpected-response'
// event); an accepted one with the answers to a handshake and a fetch (or the subscribe).
// These never fail the probe unless --expect-auth (implies --auth) is given: then (i) and
// (ii) must be refused with HTTP 401, and (iii) must be upgraded and get an error reply.

const crypto = require('crypto');
const WebSocket = require('ws');
const { parseArgs } = require('./lib/args');
const { fatal, succeed, startWatchdog, truncate, sleep } = require('./lib/common');
const auth = require('./lib/auth');

const args = parseArgs(process.argv.slice(2), {
  url: 'ws://127.0.0.1:8080/ws',
  bytes: 4 * 1024 * 1024,
  canvas: 'e2e-probe',
  wait: 1500,
  'expect-open': false,
  timeout: 60,
  auth: false,
  'expect-auth': false,
});
if (args['expect-auth']) args.auth = true;
const wd = startWatchdog(args.timeout);
const runTag = crypto.randomBytes(3).toString('hex');
// --auth: replaced by the id of the canvas created by REST
let docId = `${args.canvas}-${runTag}`;
// --auth: the access token every probe connection (other than the auth probes) carries
let token = null;
const JSON0 = 'http://sharejs.org/types/JSONv0';

class RawConnection {
  /**
   * `opts.token`: sent as `Authorization: Bearer <token>` on the upgrade (default: the
   * --auth token, none without --auth; null: none). `opts.authorization`: the raw header
   * value instead. `opts.recordRefusal`: a refused upgrade rejects with err.refusal =
   * {status, body} (the 'unexpected-response' event) instead of the plain ws error.
   */
  constructor(url, opts = {}) {
    this.url = url;
    this.opts = opts;
    this.inbox = [];
    this.closed = null;
    this.waiters = [];
  }

  open() {
    return new Promise((resolve, reject) => {
      const options = { maxPayload: 512 * 1024 * 1024 };
      const bearer = this.opts.token !== undefined ? this.opts.token : token;
      const authorization = this.opts.authorization !== undefined ? this.opts.authorization : bearer ? `Bearer ${bearer}` : null;
      if (authorization !== null) options.headers = { Authorization: authorization };
      const ws = new WebSocket(this.url, options);
      this.ws = ws;
      if (this.opts.recordRefusal) {
        ws.on('unexpected-response', (req, res) => {
          const chunks = [];
          res.on('data', (d) => chunks.push(d));
          const done = () => {
            const err = new Error(`upgrade refused: HTTP ${res.statusCode}`);
            err.refusal = {
              status: res.statusCode,
              wwwAuthenticate: res.headers['www-authenticate'] || null,
              body: truncate(Buffer.concat(chunks).toString('utf8'), 300),
            };
            this.closed = { code: null, reason: `upgrade refused: HTTP ${res.statusCode}` };
            try {
              req.destroy();
            } catch (e) {
              // ignore
            }
            this.wake();
            reject(err);
          };
          res.on('end', done);
          res.on('error', done);
          setTimeout(done, 2000).unref();
        });
      }
      ws.on('message', (data, isBinary) => {
        const text = isBinary ? `<binary ${data.length} bytes>` : data.toString('utf8');
        let parsed;
        try {
          parsed = JSON.parse(text);
        } catch (e) {
          parsed = { unparseable: truncate(text, 300) };
        }
        this.inbox.push(parsed);
        this.wake();
      });
      ws.on('close', (code, reason) => {
        this.closed = { code, reason: reason.toString('utf8') };
        this.wake();
      });
      ws.on('error', (err) => {
        if (!this.closed) this.closed = { code: null, reason: `socket error: ${err.message}` };
        this.wake();
        reject(err);
      });
      ws.on('open', () => resolve(this));
    });
  }

  wake() {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }

  changed(ms) {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /**
   * Sends a frame and collects what comes back: waits up to `waitMs` for the first
   * message (or a close), then 150 ms more for stragglers.
   */
  async exchange(frame, waitMs = args.wait) {
    const start = this.inbox.length;
    if (frame !== null) {
      await new Promise((resolve) => this.ws.send(frame, () => resolve()));
    }
    const deadline = Date.now() + waitMs;
    while (this.inbox.length === start && !this.closed && Date.now() < deadline) {
      await this.changed(deadline - Date.now());
    }
    if (this.inbox.length > start && !this.closed) await sleep(150);
    return { replies: this.inbox.slice(start), closed: this.closed };
  }

  close() {
    try {
      this.ws.terminate();
    } catch (e) {
      // ignore
    }
  }
}

const probes = [];
let conn = null;
let freshConnection = false;
let seq = 1;

async function ensureOpen() {
  if (conn && !conn.closed) return;
  conn = new RawConnection(args.url);
  wd.step(`connecting to ${args.url}`);
  await conn.open().catch((e) => fatal(`cannot connect to ${args.url}: ${e.message}${/\b401\b/.test(e.message) ? (token ? ' (the server refused the access token)' : ' (the server requires sign-in: run with --auth)') : ''}`));
  freshConnection = true;
  // greeting (ShareDB sends {"a":"init",...}) and handshake
  await conn.exchange(null, 300);
  const hs = await conn.exchange(JSON.stringify({ a: 'hs', id: null, protocol: 1, protocolMinor: 2 }));
  if (!hs.replies.some((m) => m && m.a === 'hs' && !m.error)) {
    fatal(`handshake on a new connection was not answered with {"a":"hs",...}: ${JSON.stringify(hs)}`);
  }
}

function verdictOf(r) {
  if (r.replies.some((m) => m && typeof m === 'object' && m.error)) return 'error-reply';
  if (r.replies.length) return 'reply';
  if (r.closed) return 'closed';
  return 'silent';
}

async function probe(name, frame, opts = {}) {
  await ensureOpen();
  wd.step(`answer to probe "${name}"`);
  const usedFresh = freshConnection;
  freshConnection = false;
  const r = await conn.exchange(frame);
  const rec = {
    name,
    sent: truncate(frame, 200),
    bytes: Buffer.byteLength(frame),
    verdict: verdictOf(r),
    replies: r.replies.map((m) => truncate(JSON.stringify(m), 400)),
    closed: r.closed,
    freshConnection: usedFresh,
  };
  if (rec.verdict === 'error-reply') {
    const e = r.replies.find((m) => m && m.error).error;
    rec.error = { code: e.code, message: truncate(String(e.message), 200) };
  }
  if (opts.mustNotAck && r.replies.some((m) => m && m.a === 'op' && !m.error && !('op' in m) && !m.create && !m.del)) {
    rec.problem = 'invalid op was acknowledged';
  }
  if (rec.verdict === 'silent') rec.problem = `no answer within ${args.wait} ms`;
  if (args['expect-open'] && r.closed && !opts.mayClose) rec.problem = 'server closed the connection';
  probes.push(rec);
  return rec;
}

const op = (fields) => JSON.stringify(Object.assign({ a: 'op', c: 'canvases', d: docId, seq: seq++ }, fields));

async function liveness(label) {
  await ensureOpen();
  const sameConnection = !freshConnection;
  freshConnection = false;
  wd.step(`liveness check "${label}"`);
  const hs = await conn.exchange(JSON.stringify({ a: 'hs', id: null }));
  const hsOk = hs.replies.some((m) => m && m.a === 'hs' && !m.error && typeof m.id === 'string');
  const f = await conn.exchange(JSON.stringify({ a: 'f', c: 'canvases', d: docId }));
  const fetchReply = f.replies.find((m) => m && m.a === 'f' && m.d === docId);
  const fetchOk = !!(fetchReply && !fetchReply.error && fetchReply.data && typeof fetchReply.data.v === 'number');
  return {
    label,
    sameConnection,
    handshake: hsOk,
    fetch: fetchOk,
    hsReply: hs.replies.map((m) => truncate(JSON.stringify(m), 300)),
    fetchReply: fetchReply ? truncate(JSON.stringify(fetchReply), 300) : null,
  };
}

/**
 * --auth probes (i)-(iii) and the informational socket create: what the server does with
 * a connection that is not signed in, signed in with a garbage token, or signed in as a
 * user who is not a member of the canvas's project.
 */
async function authProbes(session) {
  const out = [];
  const attempt = async (name, connOpts, frames) => {
    wd.step(`auth probe "${name}"`);
    const rec = { name, upgrade: null, status: null, replies: [], verdict: null };
    const rc = new RawConnection(args.url, Object.assign({ recordRefusal: true }, connOpts));
    try {
      await rc.open();
      rec.upgrade = 'accepted';
      rec.status = 101;
    } catch (err) {
      if (err.refusal) {
        Object.assign(rec, { upgrade: 'refused', status: err.refusal.status, body: err.refusal.body, wwwAuthenticate: err.refusal.wwwAuthenticate });
        rec.verdict = `refused-${err.refusal.status}`;
      } else {
        Object.assign(rec, { upgrade: 'failed', error: err.message });
        rec.verdict = 'connect-failed';
      }
      out.push(rec);
      return rec;
    }
    const answers = [];
    const greeting = await rc.exchange(null, 300);
    answers.push(...greeting.replies);
    for (const frame of frames) {
      if (rc.closed) break;
      const r = await rc.exchange(JSON.stringify(frame));
      answers.push(...r.replies);
    }
    rec.replies = answers.map((m) => truncate(JSON.stringify(m), 300));
    rec.closed = rc.closed;
    const last = frames[frames.length - 1];
    const answer = answers.find((m) => m && m.a === last.a && (last.d === undefined || m.d === last.d));
    if (answer && answer.error) {
      rec.verdict = 'error-reply';
      rec.error = { code: answer.error.code, message: truncate(String(answer.error.message), 200) };
    } else if (answer) {
      rec.verdict = 'accepted';
    } else if (rc.closed) {
      rec.verdict = 'closed';
    } else {
      rec.verdict = 'silent';
    }
    rc.close();
    out.push(rec);
    return rec;
  };
  const hs = { a: 'hs', id: null, protocol: 1, protocolMinor: 2 };
  const fetchProbe = { a: 'f', c: 'canvases', d: docId };

  const none = await attempt('upgrade-without-authorization', { token: null }, [hs, fetchProbe]);
  const garbage = await attempt('upgrade-with-garbage-token', { authorization: 'Bearer garbage' }, [hs, fetchProbe]);
  wd.step('auth probe: registering a user who is not a member of the project');
  const outsider = await auth.newUser(session.base, { script: 'protocol-probe', seed: runTag, who: 'outsider' });
  const nonMember = await attempt('non-member-subscribe', { token: outsider.accessToken }, [hs, { a: 's', c: 'canvases', d: docId }]);
  nonMember.user = { userId: outsider.userId, email: outsider.email };
  const created = await attempt('create-over-socket (informational)', {}, [hs, {
    a: 'op', c: 'canvases', d: `${args.canvas}-${runTag}-socket`, seq: 1, v: null, create: { type: JSON0, data: { title: 'probe', cells: {} } },
  }]);
  created.required = false;

  const problems = [];
  if (args['expect-auth']) {
    for (const [rec, what] of [[none, 'a WebSocket upgrade without an Authorization header'], [garbage, 'a WebSocket upgrade with "Authorization: Bearer garbage"']]) {
      if (rec.upgrade === 'refused' && rec.status === 401) continue;
      problems.push(`auth: ${what} was ${rec.upgrade === 'refused' ? `refused with HTTP ${rec.status}` : rec.upgrade === 'accepted' ? `ACCEPTED (HTTP 101; then ${rec.verdict}${rec.error ? ` ${rec.error.code}` : ''})` : `not answered (${rec.error})`}, expected HTTP 401${rec.upgrade === 'accepted' ? ': the server does not require sign-in on /ws yet' : ''}`);
    }
    if (nonMember.upgrade !== 'accepted') {
      problems.push(`auth: a valid token of a non-member: the upgrade was ${nonMember.upgrade === 'refused' ? `refused with HTTP ${nonMember.status}` : `not completed (${nonMember.error})`}, expected it upgraded and the subscribe answered with an error`);
    } else if (nonMember.verdict !== 'error-reply') {
      problems.push(`auth: a non-member subscribing to ${docId} got ${nonMember.verdict === 'accepted' ? 'the document (subscribe ACCEPTED): the server does not check project membership on /ws yet' : `no error reply (${nonMember.verdict})`}, expected an error reply`);
    }
  }
  return { probes: out, problems };
}

async function main() {
  let session = null;
  if (args.auth) {
    wd.step(`sign-in (register, log in, create project) at ${auth.httpBase(args.url)}`);
    session = await auth.signIn({ url: args.url, script: 'protocol-probe', seed: runTag });
    token = session.token;
    wd.step(`REST create of the probe canvas in project ${session.projectId}`);
    docId = (await session.createCanvas(`probe ${args.canvas}-${runTag}`)).canvasId;
  }

  // Greeting, as the first thing a client sees.
  conn = new RawConnection(args.url);
  wd.step(`connecting to ${args.url}`);
  await conn.open().catch((e) => fatal(`cannot connect to ${args.url}: ${e.message}${/\b401\b/.test(e.message) ? (token ? ' (the server refused the access token)' : ' (the server requires sign-in: run with --auth)') : ''}`));
  const greeting = await conn.exchange(null, 500);
  const handshake = await conn.exchange(JSON.stringify({ a: 'hs', id: null, protocol: 1, protocolMinor: 2 }));
  if (!handshake.replies.some((m) => m && m.a === 'hs' && !m.error)) fatal(`no handshake reply: ${JSON.stringify(handshake)}`);

  // A real canvas to aim ops at (created by raw op, as a client that never fetched would;
  // --auth: already created by REST, at version 1 as well).
  if (!session) {
    const create = await probe('create-probe-doc (valid)', op({ v: null, create: { type: JSON0, data: { title: 'probe', cells: {} } } }));
    if (create.verdict !== 'reply') fatal(`could not create probe doc ${docId}: ${JSON.stringify(create)}`);
  }

  await probe('malformed-json', '{"a":"hs",');
  await probe('json-array', '[1,2,3]');
  await probe('json-string', '"hello"');
  await probe('json-null', 'null');
  await probe('unknown-action', '{"a":"zz"}');
  await probe('missing-action', '{"c":"canvases","d":"x"}');
  await probe('op-on-missing-doc (never subscribed/fetched)', op({ d: `${docId}-never`, v: 0, op: [{ p: ['title', 0], si: 'x' }] }), { mustNotAck: true });
  await probe('op-on-existing-doc-never-subscribed (valid)', op({ v: 1, op: [{ p: ['title', 0], si: 'x' }] }));
  await probe('op-v-string', op({ v: '2', op: [{ p: ['title', 0], si: 'x' }] }), { mustNotAck: true });
  await probe('op-op-not-array', op({ v: 2, op: { p: ['title', 0], si: 'x' } }), { mustNotAck: true });
  await probe('op-component-without-path', op({ v: 2, op: [{ si: 'x' }] }), { mustNotAck: true });
  await probe('op-seq-string', JSON.stringify({ a: 'op', c: 'canvases', d: docId, v: 2, seq: 'x', op: [{ p: ['title', 0], si: 'x' }] }), { mustNotAck: true });
  await probe('op-src-number', op({ v: 2, src: 5, op: [{ p: ['title', 0], si: 'x' }] }), { mustNotAck: true });
  await probe('op-bad-path', op({ v: 2, op: [{ p: ['cells', 'nope', 'source', 0], si: 'x' }] }), { mustNotAck: true });
  await probe('op-breaks-schema', op({ v: 2, op: [{ p: ['cells', 'bad'], oi: { kind: 'bogus' } }] }), { mustNotAck: true });
  await probe('op-future-version', op({ v: 999, op: [{ p: ['title', 0], si: 'x' }] }), { mustNotAck: true });
  await probe('fetch-collection-number', JSON.stringify({ a: 'f', c: 5, d: docId }));
  const before = await liveness('after hostile frames');

  const pad = 'x'.repeat(Math.max(0, args.bytes - '{"a":"zz","pad":""}'.length));
  const huge = await probe(`oversized-frame (${args.bytes} bytes)`, `{"a":"zz","pad":"${pad}"}`, { mayClose: true });
  const after = await liveness('after oversized frame');

  const problems = probes.filter((p) => p.problem).map((p) => `${p.name}: ${p.problem}`);
  if (!before.handshake || !before.fetch) problems.push(`liveness after hostile frames failed: ${JSON.stringify(before)}`);
  if (!after.handshake || !after.fetch) problems.push(`liveness after oversized frame failed: ${JSON.stringify(after)}`);
  if (conn) conn.close();
  let authResult;
  if (session) {
    const a = await authProbes(session);
    problems.push(...a.problems);
    authResult = Object.assign(session.info(), { expectAuth: args['expect-auth'], probes: a.probes });
  }
  const result = {
    ok: problems.length === 0,
    url: args.url,
    doc: docId,
    greeting: greeting.replies.map((m) => truncate(JSON.stringify(m), 300)),
    handshake: handshake.replies.map((m) => truncate(JSON.stringify(m), 300)),
    probes,
    closedOn: probes.filter((p) => p.closed).map((p) => p.name),
    oversizedClosed: !!huge.closed,
    liveness: [before, after],
    problems,
  };
  if (authResult) result.auth = authResult;
  if (problems.length) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    fatal(`protocol probe found problems:\n  ${problems.join('\n  ')}`);
  }
  wd.stop();
  succeed(result);
}

main().catch((err) => fatal(`${err.stack || err} (while: ${wd.waitingFor})`));
