'use strict';
// Sign-in for the e2e scripts (`--auth`). Talks to Easel's REST API on the same
// host:port as the WebSocket (Node's built-in fetch):
//
//   POST /v1/auth:register {email, password, displayName}  -> {userId}
//   POST /v1/auth:login    {email, password}                -> {accessToken, refreshToken, expiresIn, tokenType}
//   GET  /v1/users/me                                       -> {userId, email, ...}
//   POST /v1/projects      {name}                           -> {projectId, ...}   (the caller is owner)
//   POST /v1/projects/{projectId}/members  {email, role}    (owner|editor|commenter|viewer)
//   POST /v1/projects/{projectId}/canvases {title}          -> {canvasId, projectId, title, version}
//
// signIn() registers a fresh user (unique email from the script name, seed, time and
// a few random bytes), logs in, checks /v1/users/me, creates a project, and makes the
// access token the one lib/common.js puts on every WebSocket upgrade
// (`Authorization: Bearer <accessToken>`). Canvases are then created with
// session.createCanvas(title), never over the socket. resume() logs in again with a
// stored email/password (restart-check.js verify).

const crypto = require('crypto');
const common = require('./common');

const CALL_MS = 15000; // deadline of each REST request
const EMAIL_DOMAIN = 'example.com';

/** http(s)://HOST:PORT of a ws://, wss://, http:// or https:// URL (path dropped). */
function httpBase(url) {
  let u;
  try {
    u = new URL(url);
  } catch (e) {
    throw new Error(`cannot derive the REST address from ${JSON.stringify(url)}: ${e.message}`);
  }
  const secure = u.protocol === 'wss:' || u.protocol === 'https:';
  return `${secure ? 'https' : 'http'}://${u.host}`;
}

/**
 * One REST call. `token` (when given) is sent as `authorization: Bearer <token>`;
 * a body is sent as JSON. Resolves to {status, json, text, describe}; rejects only
 * when no HTTP answer came at all.
 */
async function rest(base, method, pathname, body, token) {
  const headers = { 'content-type': 'application/json', ...common.authHeaders(token || null) };
  const init = { method, headers, signal: AbortSignal.timeout(CALL_MS) };
  if (body !== undefined) init.body = JSON.stringify(body);
  let res;
  try {
    res = await fetch(`${base}${pathname}`, init);
  } catch (err) {
    throw new Error(`REST ${method} ${base}${pathname} failed: ${err.message}${err.cause ? ` (${err.cause.message || err.cause})` : ''}`);
  }
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch (e) {
    json = undefined;
  }
  const shown = body !== undefined ? ` ${common.truncate(JSON.stringify(redact(body)), 200)}` : '';
  return { status: res.status, text, json, describe: `REST ${method} ${pathname}${shown} -> HTTP ${res.status} ${common.truncate(text, 300)}` };
}

function redact(body) {
  return body && typeof body === 'object' && 'password' in body ? { ...body, password: '<redacted>' } : body;
}

/** REST call that must answer 2xx with a JSON object; returns it. */
async function restOk(base, method, pathname, body, token, what) {
  const r = await rest(base, method, pathname, body, token);
  if (r.status < 200 || r.status > 299 || !r.json || typeof r.json !== 'object') {
    throw new Error(`${what}: ${r.describe} (expected 2xx with a JSON body)`);
  }
  return r.json;
}

function uniqueEmail(script, seed, who) {
  const clean = (s) => String(s).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'x';
  return `e2e-${clean(script)}-${clean(who)}-s${clean(seed)}-${Date.now().toString(36)}-${crypto.randomBytes(3).toString('hex')}@${EMAIL_DOMAIN}`;
}

function newPassword() {
  return `e2e-pw-${crypto.randomBytes(12).toString('hex')}`; // 31 characters
}

async function register(base, email, password, displayName) {
  const res = await restOk(base, 'POST', '/v1/auth:register', { email, password, displayName }, null, `register ${email}`);
  if (typeof res.userId !== 'string' || !res.userId) throw new Error(`register ${email}: answer has no userId: ${JSON.stringify(res)}`);
  return res.userId;
}

async function login(base, email, password) {
  const res = await restOk(base, 'POST', '/v1/auth:login', { email, password }, null, `log in as ${email}`);
  if (typeof res.accessToken !== 'string' || !res.accessToken) {
    throw new Error(`log in as ${email}: answer has no accessToken: ${common.truncate(JSON.stringify(Object.keys(res)))}`);
  }
  return res;
}

/**
 * Registers a fresh user and logs in. Does not touch the module-level token.
 * Returns {email, password, userId, displayName, accessToken, refreshToken, expiresIn}.
 */
async function newUser(base, { script, seed, who = 'owner' }) {
  const email = uniqueEmail(script, seed, who);
  const password = newPassword();
  const displayName = `e2e ${script} ${who}`;
  const userId = await register(base, email, password, displayName);
  const tokens = await login(base, email, password);
  const me = await restOk(base, 'GET', '/v1/users/me', undefined, tokens.accessToken, `GET /v1/users/me as ${email}`);
  if (me.userId !== userId) throw new Error(`GET /v1/users/me as ${email} answered userId ${me.userId}, registration gave ${userId}`);
  return {
    email,
    password,
    userId,
    displayName,
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    expiresIn: Number(tokens.expiresIn),
  };
}

class Session {
  constructor(base, user, projectId) {
    this.base = base;
    this.user = user;
    this.projectId = projectId;
    this.canvases = [];
  }

  get token() {
    return this.user.accessToken;
  }

  async createProject(name) {
    const res = await restOk(this.base, 'POST', '/v1/projects', { name }, this.token, `create project ${JSON.stringify(name)}`);
    if (typeof res.projectId !== 'string' || !res.projectId) throw new Error(`create project: answer has no projectId: ${JSON.stringify(res)}`);
    this.projectId = res.projectId;
    return res;
  }

  /** POST /v1/projects/{projectId}/canvases {title}; returns {canvasId, projectId, title, version}. */
  async createCanvas(title) {
    const path = `/v1/projects/${encodeURIComponent(this.projectId)}/canvases`;
    const res = await restOk(this.base, 'POST', path, { title }, this.token, `create canvas ${JSON.stringify(title)} in project ${this.projectId}`);
    if (typeof res.canvasId !== 'string' || !res.canvasId) throw new Error(`create canvas: answer has no canvasId: ${JSON.stringify(res)}`);
    const canvas = { canvasId: res.canvasId, projectId: res.projectId, title: res.title, version: Number(res.version) };
    this.canvases.push(canvas.canvasId);
    return canvas;
  }

  /** POST /v1/projects/{projectId}/members {email, role}, as this session's user (the owner). */
  async addMember(email, role) {
    const path = `/v1/projects/${encodeURIComponent(this.projectId)}/members`;
    return restOk(this.base, 'POST', path, { email, role }, this.token, `add ${email} to project ${this.projectId} as ${role}`);
  }

  /** Registers another user, adds them to the project with `role`, logs them in. */
  async newMember(role, { script, seed, who = role } = {}) {
    const user = await newUser(this.base, { script, seed, who });
    await this.addMember(user.email, role);
    return Object.assign(user, { role });
  }

  /** What a result line may show (no secrets). */
  info() {
    return { userId: this.user.userId, email: this.user.email, projectId: this.projectId };
  }

  /** Everything a later run needs to sign in again as this user (restart-check.js). */
  restoreInfo() {
    return {
      email: this.user.email,
      password: this.user.password,
      userId: this.user.userId,
      projectId: this.projectId,
      accessToken: this.token,
      base: this.base,
    };
  }
}

/**
 * --auth: registers a fresh user, logs in, creates a project (unless project: false)
 * and makes the access token the default for every WebSocket this process opens.
 * `url` may be the ws:// URL of /ws or the http:// base.
 */
async function signIn({ url, script, seed, who = 'owner', project = true }) {
  const base = httpBase(url);
  const user = await newUser(base, { script, seed, who });
  const session = new Session(base, user, null);
  if (project) await session.createProject(`e2e ${script} seed ${seed}`);
  common.setAuthToken(session.token);
  common.log(`signed in as ${user.email} (${user.userId}), project ${session.projectId}`);
  return session;
}

/** Logs in again with stored credentials ({email, password, userId?, projectId}) and makes the token the default. */
async function resume({ url, email, password, userId, projectId }) {
  if (!email || !password) throw new Error('cannot sign in again: the stored credentials have no email/password');
  const base = httpBase(url);
  const tokens = await login(base, email, password);
  const me = await restOk(base, 'GET', '/v1/users/me', undefined, tokens.accessToken, `GET /v1/users/me as ${email}`);
  if (userId && me.userId !== userId) throw new Error(`signed in again as ${email}, but /v1/users/me says userId ${me.userId}, expected ${userId}`);
  const session = new Session(base, { email, password, userId: me.userId, accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, expiresIn: Number(tokens.expiresIn) }, projectId || null);
  common.setAuthToken(session.token);
  return session;
}

module.exports = { httpBase, rest, restOk, register, login, newUser, signIn, resume, Session };
