'use strict';
// Signing in for the load tests: Easel wants an access token on every request but sign-up and
// sign-in, and on the upgrade of the collaboration socket (`Authorization: Bearer <token>` on
// GET /ws). Canvases are created in a project through REST, not over the socket.
//
//   POST /v1/auth:register {email, password (>= 10 chars), displayName} -> {userId}
//   POST /v1/auth:login    {email, password}                           -> {accessToken, refreshToken, expiresIn}
//   POST /v1/auth:refresh  {refreshToken}                              -> a new pair (the refresh token
//                          rotates; presenting a used one revokes the whole sign-in)
//   POST /v1/projects      {name}                                      -> {projectId}
//   POST /v1/projects/{projectId}/canvases {title}                     -> {canvasId, version: 1}
//                          (an empty canvas {title, cells: {}})
//
// Access tokens last 15 minutes, and the server closes a socket when the token it was opened
// with expires (1008 "access token expired; ..."). For longer runs, keepFresh() refreshes the
// token a minute before it expires, so that new and re-opened sockets get a valid one.
// The signing keys live in the node's data directory: a token stays valid across a restart.
//
// Loopback only: every address is checked to be 127.0.0.1. Uses Node's built-in fetch (20+).
// Tokens and passwords are never logged.

const crypto = require('crypto');
const fs = require('fs');

const CALL_MS = 30000; // deadline of one REST call (a loaded 2-core machine can be slow)

/** http://127.0.0.1:PORT of a ws:// or http:// URL on the loopback address; throws otherwise. */
function httpBase(url) {
  const u = new URL(url);
  if (u.hostname !== '127.0.0.1') throw new Error(`${url}: loopback (127.0.0.1) only`);
  if (u.protocol !== 'ws:' && u.protocol !== 'http:') throw new Error(`${url}: ws:// or http:// only`);
  return `http://${u.host}`;
}

/** The headers of an authenticated request (REST or the WebSocket upgrade). */
function authHeaders(token) {
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Options for `new WebSocket(url, options)` of the `ws` package: the token header, no deflate. */
function wsOptions(token) {
  return { headers: authHeaders(token), perMessageDeflate: false };
}

/** One REST call that must answer 2xx with a JSON object; returns the object. */
async function call(base, method, path, body, token, what) {
  let res;
  try {
    res = await fetch(`${base}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...authHeaders(token) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(CALL_MS),
    });
  } catch (e) {
    throw new Error(`${what}: ${method} ${path} failed: ${e.message}${e.cause ? ` (${e.cause.message || e.cause})` : ''}`);
  }
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch (e) {
    json = undefined;
  }
  if (res.status < 200 || res.status > 299 || !json || typeof json !== 'object') {
    const hint = res.status === 404 && path.startsWith('/v1/projects') ? ' (is the node jar older than projects and accounts?)' : '';
    throw new Error(`${what}: ${method} ${path} -> HTTP ${res.status} ${text.slice(0, 300)}${hint}`);
  }
  return json;
}

/** Absolute expiry (ms since the epoch) of a login/refresh answer, a little early. */
function expiresAtOf(tokens) {
  const seconds = Number(tokens.expiresIn);
  return Date.now() + (Number.isFinite(seconds) && seconds > 0 ? seconds : 15 * 60) * 1000 - 5000;
}

/**
 * A signed-in user: {base, email, password, userId, projectId, accessToken, refreshToken,
 * expiresAt}. Plain data, so it can be written to a file and read back (saveSession/loadSession).
 */
function applyTokens(session, tokens) {
  if (typeof tokens.accessToken !== 'string' || !tokens.accessToken) throw new Error('the answer has no accessToken');
  session.accessToken = tokens.accessToken;
  session.refreshToken = tokens.refreshToken;
  session.expiresAt = expiresAtOf(tokens);
  return session;
}

/** Registers a fresh user (unique e-mail) and logs in. `label` goes into the e-mail and name. */
async function signUp(url, label = 'loadtest') {
  const base = httpBase(url);
  const clean = String(label).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'loadtest';
  const email = `${clean}-${Date.now().toString(36)}-${crypto.randomBytes(4).toString('hex')}@loadtest.example`;
  const password = `lt-${crypto.randomBytes(16).toString('hex')}`;
  const reg = await call(base, 'POST', '/v1/auth:register', { email, password, displayName: `Load test ${label}` }, null, `register ${email}`);
  const session = { base, email, password, userId: reg.userId, projectId: null };
  return logIn(session);
}

/** Logs in again with the stored e-mail and password (a new, independent sign-in). */
async function logIn(session) {
  const tokens = await call(session.base, 'POST', '/v1/auth:login', { email: session.email, password: session.password }, null, `log in as ${session.email}`);
  return applyTokens(session, tokens);
}

/**
 * A new token pair for the session's refresh token. The refresh token rotates: only one
 * process may refresh a given session (a reused refresh token revokes the sign-in).
 */
async function refresh(session) {
  const tokens = await call(session.base, 'POST', '/v1/auth:refresh', { refreshToken: session.refreshToken }, null, `refresh the token of ${session.email}`);
  return applyTokens(session, tokens);
}

/** Makes sure the access token is valid for at least `marginMs` more: refresh, else log in. */
async function ensureFresh(session, marginMs = 60000) {
  if (session.accessToken && session.expiresAt - Date.now() > marginMs) return session;
  try {
    if (session.refreshToken) return await refresh(session);
  } catch (e) {
    // a refused refresh token (revoked, expired): sign in again with the password
  }
  return logIn(session);
}

/**
 * For runs longer than an access token lives (~14 min): refreshes the token `marginMs` before
 * it expires, again and again, and calls onToken(token) with each new one. Returns stop().
 * The timer does not keep the process alive.
 */
function keepFresh(session, onToken, { marginMs = 60000, onError = () => {} } = {}) {
  let timer = null;
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    const wait = Math.max(1000, session.expiresAt - Date.now() - marginMs);
    timer = setTimeout(async () => {
      try {
        await ensureFresh(session, marginMs + 1000);
        onToken(session.accessToken);
      } catch (e) {
        onError(e);
      }
      schedule();
    }, wait);
    timer.unref();
  };
  schedule();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}

/** POST /v1/projects; remembers the id in the session. */
async function createProject(session, name) {
  const res = await call(session.base, 'POST', '/v1/projects', { name }, session.accessToken, `create project ${JSON.stringify(name)}`);
  if (typeof res.projectId !== 'string' || !res.projectId) throw new Error(`create project: no projectId in ${JSON.stringify(res)}`);
  session.projectId = res.projectId;
  return res.projectId;
}

/** POST /v1/projects/{projectId}/canvases; returns the new canvas id (the canvas is at version 1). */
async function createCanvas(session, title, projectId = session.projectId) {
  const path = `/v1/projects/${encodeURIComponent(projectId)}/canvases`;
  const res = await call(session.base, 'POST', path, { title }, session.accessToken, `create canvas ${JSON.stringify(title)}`);
  if (typeof res.canvasId !== 'string' || !res.canvasId) throw new Error(`create canvas: no canvasId in ${JSON.stringify(res)}`);
  if (Number(res.version) !== 1) throw new Error(`create canvas ${JSON.stringify(title)}: version ${res.version}, expected 1`);
  return res.canvasId;
}

/** Creates one canvas per title, `parallel` requests at a time; returns the ids in order. */
async function createCanvases(session, titles, parallel = 8) {
  const ids = new Array(titles.length);
  let next = 0;
  const lane = async () => {
    while (next < titles.length) {
      const i = next++;
      ids[i] = await createCanvas(session, titles[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, titles.length) }, lane));
  return ids;
}

/** Signs up a fresh user, logs in and creates a project: what every load test needs first. */
async function signUpWithProject(url, label) {
  const session = await signUp(url, label);
  await createProject(session, `Load test ${label} ${new Date().toISOString()}`);
  return session;
}

/** Writes a session (with its password and tokens) to a file readable by the owner only. */
function saveSession(file, session) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(session)}\n`, { mode: 0o600 });
  fs.renameSync(tmp, file);
}

function loadSession(file) {
  const s = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const k of ['base', 'email', 'password']) if (!s[k]) throw new Error(`${file}: no ${k}`);
  httpBase(s.base); // loopback only, also for stored sessions
  return s;
}

module.exports = {
  httpBase,
  authHeaders,
  wsOptions,
  call,
  signUp,
  logIn,
  refresh,
  ensureFresh,
  keepFresh,
  createProject,
  createCanvas,
  createCanvases,
  signUpWithProject,
  saveSession,
  loadSession,
};
