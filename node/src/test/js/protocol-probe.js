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

const crypto = require('crypto');
const WebSocket = require('ws');
const { parseArgs } = require('./lib/args');
const { fatal, succeed, startWatchdog, truncate, sleep } = require('./lib/common');

const args = parseArgs(process.argv.slice(2), {
  url: 'ws://127.0.0.1:8080/ws',
  bytes: 4 * 1024 * 1024,
  canvas: 'e2e-probe',
  wait: 1500,
  'expect-open': false,
  timeout: 60,
});
const wd = startWatchdog(args.timeout);
const runTag = crypto.randomBytes(3).toString('hex');
const docId = `${args.canvas}-${runTag}`;
const JSON0 = 'http://sharejs.org/types/JSONv0';

class RawConnection {
  constructor(url) {
    this.url = url;
    this.inbox = [];
    this.closed = null;
    this.waiters = [];
  }

  open() {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(this.url, { maxPayload: 512 * 1024 * 1024 });
      this.ws = ws;
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
  await conn.open().catch((e) => fatal(`cannot connect to ${args.url}: ${e.message}`));
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

async function main() {
  // Greeting, as the first thing a client sees.
  conn = new RawConnection(args.url);
  wd.step(`connecting to ${args.url}`);
  await conn.open().catch((e) => fatal(`cannot connect to ${args.url}: ${e.message}`));
  const greeting = await conn.exchange(null, 500);
  const handshake = await conn.exchange(JSON.stringify({ a: 'hs', id: null, protocol: 1, protocolMinor: 2 }));
  if (!handshake.replies.some((m) => m && m.a === 'hs' && !m.error)) fatal(`no handshake reply: ${JSON.stringify(handshake)}`);

  // A real canvas to aim ops at (created by raw op, as a client that never fetched would).
  const create = await probe('create-probe-doc (valid)', op({ v: null, create: { type: JSON0, data: { title: 'probe', cells: {} } } }));
  if (create.verdict !== 'reply') fatal(`could not create probe doc ${docId}: ${JSON.stringify(create)}`);

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
  if (problems.length) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    fatal(`protocol probe found problems:\n  ${problems.join('\n  ')}`);
  }
  wd.stop();
  succeed(result);
}

main().catch((err) => fatal(`${err.stack || err} (while: ${wd.waitingFor})`));
