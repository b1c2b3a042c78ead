'use strict';
// Shared helpers for the Easel collaboration e2e scripts: a small seeded PRNG,
// canonical JSON + digest, a hard watchdog, promise wrappers around the sharedb
// 7.x client (whose log output is captured), the access token that every
// WebSocket upgrade carries once lib/auth.js has signed in (--auth), and
// re-exports of lib/args.js and lib/schema.js.

const crypto = require('crypto');
const WebSocket = require('ws');
const ShareDB = require('sharedb/lib/client');

const { parseArgs } = require('./args');
const { COLLECTION, CELL_KINDS, validateCanvas } = require('./schema');

/** Seed from --seed, or a random one; always an unsigned 32-bit integer. */
function resolveSeed(value) {
  if (value === undefined || value === null || value === '' || value === 'random') {
    return crypto.randomBytes(4).readUInt32LE(0);
  }
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) fatal(`--seed must be a non-negative integer, got ${JSON.stringify(value)}`);
  return n >>> 0;
}

// ---------------------------------------------------------------- PRNG

/** mulberry32: tiny, fast, good enough for test choices. */
function makeRng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6D2B79F5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng = {
    next,
    /** integer in [lo, hi] inclusive */
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    chance: (p) => next() < p,
    hex: (n) => {
      let s = '';
      for (let i = 0; i < n; i++) s += Math.floor(next() * 16).toString(16);
      return s;
    },
    /** weighted choice: entries [[weight, value], ...], weights <= 0 are skipped */
    weighted: (entries) => {
      const live = entries.filter((e) => e[0] > 0);
      const total = live.reduce((s, e) => s + e[0], 0);
      let r = next() * total;
      for (const e of live) {
        r -= e[0];
        if (r < 0) return e[1];
      }
      return live[live.length - 1][1];
    },
    /** derive an independent generator (e.g. one per client) */
    fork: (salt) => makeRng((seed ^ Math.imul(salt + 1, 0x9E3779B1)) >>> 0),
  };
  return rng;
}

// Words for random text. Includes non-ASCII BMP characters on purpose: json0
// string offsets are UTF-16 code units (JavaScript string indices), not bytes.
const WORDS = ['select', 'from', 'where', 'sum(x)', 'chart', 'note', 'café', 'über', 'naïve', '→', 'x', '42', ' ', '\n', 'ñ', 'Ω'];

function randomText(rng, maxWords = 3) {
  const n = rng.int(1, maxWords);
  let s = '';
  for (let i = 0; i < n; i++) s += rng.pick(WORDS);
  return s;
}

// ---------------------------------------------------------------- JSON

function canonicalize(value) {
  if (Array.isArray(value)) return value.map(canonicalize);
  if (value && typeof value === 'object') {
    const out = {};
    for (const k of Object.keys(value).sort()) out[k] = canonicalize(value[k]);
    return out;
  }
  return value;
}

function canonicalJSON(value) {
  return JSON.stringify(canonicalize(value));
}

function sha256(text) {
  return crypto.createHash('sha256').update(text, 'utf8').digest('hex');
}

function digest(value) {
  return sha256(canonicalJSON(value));
}

function clone(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/** Number of non-overlapping occurrences of `needle` in `haystack`. */
function countOccurrences(haystack, needle) {
  let count = 0;
  let i = haystack.indexOf(needle);
  while (i >= 0) {
    count++;
    i = haystack.indexOf(needle, i + needle.length);
  }
  return count;
}

/** Short human-readable description of where two JSON values differ. */
function describeDiff(a, b, path = '$') {
  if (canonicalJSON(a) === canonicalJSON(b)) return null;
  const ta = Array.isArray(a) ? 'array' : typeof a;
  const tb = Array.isArray(b) ? 'array' : typeof b;
  if (ta !== tb || ta !== 'object' || a === null || b === null) {
    return `${path}: ${truncate(JSON.stringify(a))} != ${truncate(JSON.stringify(b))}`;
  }
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of [...keys].sort()) {
    if (!(k in a)) return `${path}.${k}: missing on the left, right has ${truncate(JSON.stringify(b[k]))}`;
    if (!(k in b)) return `${path}.${k}: missing on the right, left has ${truncate(JSON.stringify(a[k]))}`;
    const d = describeDiff(a[k], b[k], `${path}.${k}`);
    if (d) return d;
  }
  return `${path}: differ`;
}

function truncate(s, n = 200) {
  if (s === undefined) return 'undefined';
  return s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s;
}

/** A complete, valid cell. */
function makeCell(rng, name) {
  return {
    kind: rng.pick(CELL_KINDS),
    name,
    source: randomText(rng, 4),
    layout: { x: rng.int(0, 11), y: rng.int(0, 40), w: rng.int(1, 12), h: rng.int(1, 8) },
    config: {},
  };
}

// ---------------------------------------------------------------- process

let finished = false;

function fatal(message, code = 1) {
  if (finished) return;
  finished = true;
  process.stderr.write(`FAIL: ${message}\n`);
  process.exit(code);
}

/** Print the single result line and exit 0. */
function succeed(result) {
  if (finished) return;
  finished = true;
  process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
}

/**
 * Hard overall timeout. `step(what)` records what the script is currently
 * waiting for; on timeout that is printed and the process exits with code 3.
 */
function startWatchdog(seconds, describeExtra) {
  let waitingFor = 'start-up';
  const timer = setTimeout(() => {
    let extra = '';
    try {
      extra = describeExtra ? describeExtra() : '';
    } catch (e) {
      extra = `(could not describe state: ${e.message})`;
    }
    fatal(`TIMEOUT after ${seconds}s while waiting for: ${waitingFor}${extra ? `\n  state: ${extra}` : ''}`, 3);
  }, seconds * 1000);
  timer.unref();
  // keep the process alive until the watchdog fires even if nothing else is pending
  const keepAlive = setInterval(() => {}, 1 << 30);
  process.on('unhandledRejection', (err) => fatal(`unhandled rejection while waiting for ${waitingFor}: ${err && err.stack || err}`));
  process.on('uncaughtException', (err) => fatal(`uncaught exception while waiting for ${waitingFor}: ${err && err.stack || err}`));
  return {
    step(what) {
      waitingFor = what;
      if (process.env.E2E_VERBOSE) process.stderr.write(`[${new Date().toISOString()}] ${what}\n`);
    },
    get waitingFor() {
      return waitingFor;
    },
    stop() {
      clearTimeout(timer);
      clearInterval(keepAlive);
    },
  };
}

function log(...args) {
  if (process.env.E2E_VERBOSE) process.stderr.write(`${args.join(' ')}\n`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- sharedb client

// Everything the sharedb client logs (e.g. "Invalid version from server",
// "Ignoring unrecognized message") is a hint that the server deviates from
// what the client expects. It is echoed to stderr and summarised in the result.
const clientLog = { warn: 0, error: 0, samples: [] };
function recordClientLog(level) {
  return (...args) => {
    clientLog[level]++;
    const text = args.map((a) => (typeof a === 'string' ? a : truncate(safeStringify(a), 300))).join(' ');
    if (clientLog.samples.length < 10) clientLog.samples.push(`${level}: ${text}`);
    process.stderr.write(`[sharedb-client ${level}] ${text}\n`);
  };
}
function safeStringify(v) {
  try {
    return JSON.stringify(v);
  } catch (e) {
    return String(v);
  }
}
ShareDB.logger.setMethods({ warn: recordClientLog('warn'), error: recordClientLog('error'), info: () => {} });

/** Summary for result lines: {warn, error, samples}. */
function clientLogSummary() {
  return { warn: clientLog.warn, error: clientLog.error, samples: clientLog.samples.slice() };
}

// ---------------------------------------------------------------- sign-in

// Access token sent on every WebSocket upgrade as `Authorization: Bearer <token>`.
// null (the default, no --auth) sends no Authorization header at all. lib/auth.js
// sets it after logging in; a single call can pass another token (e.g. a viewer's).
let authToken = null;

function setAuthToken(token) {
  authToken = token || null;
}

function getAuthToken() {
  return authToken;
}

/** {authorization: 'Bearer <token>'} for `token` (default: the module-level one), or {}. */
function authHeaders(token = authToken) {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** A `ws` WebSocket to `url`; with a token (argument, else the module-level one) the upgrade carries it. */
function newSocket(url, token = authToken) {
  if (!token) return new WebSocket(url);
  return new WebSocket(url, { headers: { Authorization: `Bearer ${token}` } });
}

/**
 * Opens a sharedb Connection over a fresh `ws` WebSocket. Every 'error' the
 * connection emits is fatal (those are protocol-level problems: bad handshake,
 * invalid state transition, ...), unless `opts.onError` handles it.
 * `opts.token` overrides the module-level access token for this connection.
 */
function openConnection(url, label, opts = {}) {
  const token = opts.token !== undefined ? opts.token : authToken;
  const conn = new ShareDB.Connection(newSocket(url, token));
  conn.label = label;
  conn.lastSocketError = null;
  conn.signedIn = !!token;
  conn.on('error', opts.onError || ((err) => fatal(`${label}: sharedb connection emitted error: ${err && err.code} ${err && err.message}`)));
  conn.on('connection error', (ev) => {
    conn.lastSocketError = (ev && (ev.message || (ev.error && ev.error.message))) || String(ev);
  });
  return conn;
}

/** Resolves once conn.state === 'connected'; rejects if it goes to disconnected/closed first. */
function waitConnected(conn) {
  return new Promise((resolve, reject) => {
    if (conn.state === 'connected') return resolve(conn);
    const onState = (state, reason) => {
      if (state === 'connected') {
        conn.removeListener('state', onState);
        resolve(conn);
      } else if (state === 'disconnected' || state === 'closed' || state === 'stopped') {
        conn.removeListener('state', onState);
        const why = conn.lastSocketError || (reason && (reason.reason || reason.code)) || state;
        let hint = '';
        if (/\b401\b/.test(why)) {
          hint = conn.signedIn ? ': the server refused the access token' : ': the server requires sign-in, run with --auth';
        } else if (/\b403\b/.test(why)) {
          hint = ': the server refused this user';
        }
        reject(new Error(`${conn.label}: could not connect (${why})${hint}`));
      }
    };
    conn.on('state', onState);
  });
}

function waitState(conn, wanted) {
  return new Promise((resolve) => {
    if (conn.state === wanted) return resolve();
    const onState = (state) => {
      if (state === wanted) {
        conn.removeListener('state', onState);
        resolve();
      }
    };
    conn.on('state', onState);
  });
}

async function connect(url, label, opts) {
  const conn = openConnection(url, label, opts);
  await waitConnected(conn);
  return conn;
}

/** Hard-closes a connection for the end of a script (no reconnect). */
function closeQuietly(conn) {
  try {
    conn.removeAllListeners('error');
    conn.on('error', () => {});
    conn.close();
  } catch (e) {
    // ignore
  }
}

function watchDoc(doc, label) {
  doc.on('error', (err) => fatal(`${label}: doc ${doc.collection}/${doc.id} emitted error: ${err && err.code} ${err && err.message}`));
  return doc;
}

const subscribe = (doc) => new Promise((res, rej) => doc.subscribe((e) => (e ? rej(wrapErr(e, `subscribe ${doc.id}`)) : res(doc))));
const fetchDoc = (doc) => new Promise((res, rej) => doc.fetch((e) => (e ? rej(wrapErr(e, `fetch ${doc.id}`)) : res(doc))));
const submitOp = (doc, op) => new Promise((res, rej) => doc.submitOp(op, (e) => (e ? rej(wrapErr(e, `submitOp ${JSON.stringify(op)}`)) : res())));
const whenNothingPending = (docOrConn) => new Promise((res) => docOrConn.whenNothingPending(res));

function wrapErr(err, what) {
  const e = new Error(`${what} failed: ${err.code ? `${err.code}: ` : ''}${err.message}`);
  e.code = err.code;
  return e;
}

/**
 * Makes sure canvases/<id> exists. The doc must already be fetched or subscribed.
 * Creates it with an empty cell map if missing; tolerates losing a create race.
 */
async function ensureCreated(doc, title) {
  if (doc.type) return false;
  try {
    await new Promise((res, rej) => doc.create({ title, cells: {} }, 'json0', (e) => (e ? rej(e) : res())));
    return true;
  } catch (err) {
    if (err.code !== 'ERR_DOC_ALREADY_CREATED') throw wrapErr(err, `create ${doc.id}`);
    await fetchDoc(doc);
    if (!doc.type) throw new Error(`create ${doc.id}: server said already created but fetch returned no document`);
    return false;
  }
}

/** Fetches a doc with a brand-new connection; returns {v, data, type}. */
async function freshFetch(url, id, label = 'fresh', opts) {
  const conn = await connect(url, label, opts);
  const doc = watchDoc(conn.get(COLLECTION, id), label);
  await fetchDoc(doc);
  const result = { v: doc.version, data: clone(doc.data), type: doc.type && doc.type.uri };
  closeQuietly(conn);
  return result;
}

/** Polls until predicate() is true (checked every `intervalMs`). */
async function until(predicate, intervalMs = 10) {
  while (!predicate()) await sleep(intervalMs);
}

module.exports = {
  COLLECTION,
  CELL_KINDS,
  ShareDB,
  WebSocket,
  parseArgs,
  resolveSeed,
  makeRng,
  randomText,
  canonicalize,
  canonicalJSON,
  sha256,
  digest,
  clone,
  countOccurrences,
  describeDiff,
  truncate,
  validateCanvas,
  makeCell,
  fatal,
  succeed,
  startWatchdog,
  log,
  sleep,
  setAuthToken,
  getAuthToken,
  authHeaders,
  newSocket,
  openConnection,
  waitConnected,
  waitState,
  connect,
  closeQuietly,
  watchDoc,
  subscribe,
  fetchDoc,
  submitOp,
  whenNothingPending,
  ensureCreated,
  freshFetch,
  until,
  clientLogSummary,
};
