#!/usr/bin/env node
'use strict';
// Cross-client consistency: one canvas edited at the same time through all three
// ways in: gRPC (CanvasService over h2c, real @grpc/grpc-js), REST/JSON (the
// google.api.http transcoding of the same service, Node's built-in fetch) and the
// ShareDB socket (/ws, real sharedb 7.x client).
//
//   node cross-client.js --url http://127.0.0.1:8080 [--seed N] [--ops 24]
//
// Checks, in order (any failure: "FAIL: ..." on stderr, exit 1; hard timeout: exit 3):
//  1. identity and errors: CreateCanvas (gRPC) gives the id and version 1, REST GET returns
//     the same document, a second CreateCanvas with that id is ALREADY_EXISTS, a missing id
//     is NOT_FOUND / HTTP 404, a malformed id is INVALID_ARGUMENT / HTTP 400;
//  2. with StreamOps(fromVersion 1) open and a sharedb client subscribed, ops are submitted
//     by gRPC SubmitOp, REST POST .../ops and sharedb submitOp (add cells, type into sources,
//     rename the title), gRPC/REST ones against the version that client knows, often an OLD
//     one the server must transform; then: the stream got every op exactly once, in version
//     order, without gaps; sharedb doc.data == GetCanvas (gRPC) == GET (REST); GET ?version=K
//     equals what the sharedb client had at version K; every historical read equals the replay
//     of the streamed ops; every transformed op is what json0 transform gives;
//  3. a schema-breaking SubmitOp is INVALID_ARGUMENT naming the problem and changes nothing;
//     malformed REST bodies get a 4xx, not a 5xx;
//  4. server reflection (grpc.reflection.v1, v1alpha as a fallback) lists easel.v1.CanvasService
//     and serves its file descriptor (grpc.health.v1 Check is reported, not required);
//  5. ListCanvases (gRPC) and GET /v1/canvases list the canvas with its current title (polled:
//     the catalog is built from the journal asynchronously).
//
// Result (one line on stdout): {"ok":true,"canvas":...,"version":N,"ops":{...},"seed":S,...}
//
// --auth: signs in first (lib/auth.js: a fresh user, a project). Both canvases are then
// created with REST POST /v1/projects/{id}/canvases (the server picks the ids) instead of
// gRPC CreateCanvas / POST /v1/canvases; every gRPC call (unary, StreamOps, reflection,
// health) carries the metadata `authorization: Bearer <accessToken>`, every REST request
// the same header (and content-type: application/json), and the sharedb WebSocket upgrade
// `Authorization: Bearer <accessToken>`. The checks are otherwise the same (the refused
// duplicate / malformed CreateCanvas calls are still made, with the projectId: they create
// nothing).

const path = require('path');
const c = require('./lib/common');
const auth = require('./lib/auth');
const { randomEdit } = require('./lib/edits');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const googleProtoFiles = require('google-proto-files');

const args = c.parseArgs(process.argv.slice(2), {
  url: 'http://127.0.0.1:8080',
  seed: '',
  ops: 24, // random ops after the scripted ones, in rounds of 1-3 concurrent clients
  'list-wait': 10, // seconds to wait for the catalog (step 5)
  timeout: 90,
  auth: false,
});
const seed = c.resolveSeed(args.seed);
process.stderr.write(`cross-client: seed ${seed}\n`);

const json0 = c.ShareDB.types.defaultType;
const CALL_MS = 10000; // deadline of each unary gRPC call and each REST request

const base = new URL(args.url);
if (base.protocol !== 'http:' && base.protocol !== 'https:') c.fatal(`--url must be http(s)://HOST:PORT, got ${args.url}`);
const HTTP = base.origin;
const WS_URL = `${base.protocol === 'https:' ? 'wss' : 'ws'}://${base.host}/ws`;
const GRPC_TARGET = base.port ? base.host : `${base.hostname}:${base.protocol === 'https:' ? 443 : 80}`;

// ---------------------------------------------------------------- gRPC set-up

const PROTO_FILE = path.resolve(__dirname, '../../../../proto/easel/v1/canvas.proto');
// google-proto-files ships google/api/annotations.proto (and google/protobuf/*).
const GOOGLE_PROTOS = path.resolve(googleProtoFiles.getProtoPath('api', 'annotations.proto'), '../../..');
const LOADER_OPTIONS = { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true };

const canvasPkg = grpc.loadPackageDefinition(
  protoLoader.loadSync(PROTO_FILE, Object.assign({ includeDirs: [GOOGLE_PROTOS] }, LOADER_OPTIONS))).easel.v1;

// The server-reflection and health protos are not in the repository or in an npm package
// we use; their few messages are declared here (field numbers as in grpc/grpc-proto).
function reflectionNamespace() {
  const request = {
    oneofs: {
      messageRequest: { oneof: ['fileByFilename', 'fileContainingSymbol', 'fileContainingExtension', 'allExtensionNumbersOfType', 'listServices'] },
    },
    fields: {
      host: { type: 'string', id: 1 },
      fileByFilename: { type: 'string', id: 3 },
      fileContainingSymbol: { type: 'string', id: 4 },
      fileContainingExtension: { type: 'ExtensionRequest', id: 5 },
      allExtensionNumbersOfType: { type: 'string', id: 6 },
      listServices: { type: 'string', id: 7 },
    },
  };
  return {
    nested: {
      ServerReflection: {
        methods: {
          ServerReflectionInfo: {
            requestType: 'ServerReflectionRequest',
            requestStream: true,
            responseType: 'ServerReflectionResponse',
            responseStream: true,
          },
        },
      },
      ServerReflectionRequest: request,
      ExtensionRequest: { fields: { containingType: { type: 'string', id: 1 }, extensionNumber: { type: 'int32', id: 2 } } },
      ServerReflectionResponse: {
        oneofs: {
          messageResponse: { oneof: ['fileDescriptorResponse', 'allExtensionNumbersResponse', 'listServicesResponse', 'errorResponse'] },
        },
        fields: {
          validHost: { type: 'string', id: 1 },
          originalRequest: { type: 'ServerReflectionRequest', id: 2 },
          fileDescriptorResponse: { type: 'FileDescriptorResponse', id: 4 },
          allExtensionNumbersResponse: { type: 'ExtensionNumberResponse', id: 5 },
          listServicesResponse: { type: 'ListServiceResponse', id: 6 },
          errorResponse: { type: 'ErrorResponse', id: 7 },
        },
      },
      FileDescriptorResponse: { fields: { fileDescriptorProto: { rule: 'repeated', type: 'bytes', id: 1 } } },
      ExtensionNumberResponse: { fields: { baseTypeName: { type: 'string', id: 1 }, extensionNumber: { rule: 'repeated', type: 'int32', id: 2 } } },
      ListServiceResponse: { fields: { service: { rule: 'repeated', type: 'ServiceResponse', id: 1 } } },
      ServiceResponse: { fields: { name: { type: 'string', id: 1 } } },
      ErrorResponse: { fields: { errorCode: { type: 'int32', id: 1 }, errorMessage: { type: 'string', id: 2 } } },
    },
  };
}

const extraPkg = grpc.loadPackageDefinition(protoLoader.fromJSON({
  nested: {
    grpc: {
      nested: {
        reflection: { nested: { v1: reflectionNamespace(), v1alpha: reflectionNamespace() } },
        health: {
          nested: {
            v1: {
              nested: {
                Health: { methods: { Check: { requestType: 'HealthCheckRequest', responseType: 'HealthCheckResponse' } } },
                HealthCheckRequest: { fields: { service: { type: 'string', id: 1 } } },
                HealthCheckResponse: {
                  fields: { status: { type: 'ServingStatus', id: 1 } },
                  nested: { ServingStatus: { values: { UNKNOWN: 0, SERVING: 1, NOT_SERVING: 2, SERVICE_UNKNOWN: 3 } } },
                },
              },
            },
          },
        },
      },
    },
  },
}, LOADER_OPTIONS)).grpc;

const credentials = base.protocol === 'https:' ? grpc.credentials.createSsl() : grpc.credentials.createInsecure();
const client = new canvasPkg.CanvasService(GRPC_TARGET, credentials);

const STATUS_NAME = Object.fromEntries(Object.entries(grpc.status).map(([k, v]) => [v, k]));
const statusName = (code) => STATUS_NAME[code] || `status ${code}`;

function deadline() {
  return { deadline: Date.now() + CALL_MS };
}

// --auth: the signed-in session (lib/auth.js); its token goes on every call.
let session = null;

/** Call metadata: `authorization: Bearer <token>` with --auth, empty otherwise (as grpc-js sends by default). */
function metadata() {
  const md = new grpc.Metadata();
  if (session) md.set('authorization', `Bearer ${session.token}`);
  return md;
}

function unaryOn(stub, method, req) {
  return new Promise((resolve, reject) => {
    stub[method](req, metadata(), deadline(), (err, res) => {
      if (!err) return resolve(res);
      const e = new Error(`gRPC ${method} ${c.truncate(JSON.stringify(req), 300)} failed: ${statusName(err.code)}: ${err.details}`);
      e.grpcCode = err.code;
      e.details = err.details;
      reject(e);
    });
  });
}
const unary = (method, req) => unaryOn(client, method, req);

/** Calls `method` and requires it to fail with `code`; returns the error's details. */
async function expectGrpcError(method, req, code, what) {
  let res;
  try {
    res = await unary(method, req);
  } catch (err) {
    if (err.grpcCode === undefined) throw err;
    if (err.grpcCode !== code) {
      throw new Error(`${what}: gRPC ${method} ${c.truncate(JSON.stringify(req), 300)} gave ${statusName(err.grpcCode)} (${err.details}), expected ${statusName(code)}`);
    }
    return err.details || '';
  }
  throw new Error(`${what}: gRPC ${method} ${c.truncate(JSON.stringify(req), 300)} succeeded (${c.truncate(JSON.stringify(res), 300)}), expected ${statusName(code)}`);
}

// ---------------------------------------------------------------- protobuf Struct <-> JSON

function toValue(v) {
  if (v === null) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: toListValue(v) };
  if (typeof v === 'object') return { structValue: toStruct(v) };
  throw new Error(`cannot encode ${typeof v} as google.protobuf.Value`);
}
const toListValue = (arr) => ({ values: arr.map(toValue) });
function toStruct(obj) {
  const fields = {};
  for (const k of Object.keys(obj)) fields[k] = toValue(obj[k]);
  return { fields };
}

function fromValue(v) {
  switch (v && v.kind) {
    case 'nullValue':
      return null;
    case 'numberValue':
      return v.numberValue;
    case 'stringValue':
      return v.stringValue;
    case 'boolValue':
      return v.boolValue;
    case 'structValue':
      return fromStruct(v.structValue);
    case 'listValue':
      return fromListValue(v.listValue);
    default:
      throw new Error(`server sent a google.protobuf.Value with no kind set: ${JSON.stringify(v)}`);
  }
}
const fromListValue = (l) => ((l && l.values) || []).map(fromValue);
function fromStruct(s) {
  const out = {};
  for (const k of Object.keys((s && s.fields) || {})) out[k] = fromValue(s.fields[k]);
  return out;
}

/** gRPC Canvas -> {canvasId, version, title, document, deleted} */
function grpcCanvas(res) {
  return { canvasId: res.canvasId, version: Number(res.version), title: res.title, document: fromStruct(res.document), deleted: !!res.deleted };
}

// ---------------------------------------------------------------- REST

async function rest(method, pathname, body, { raw = false } = {}) {
  const init = { method, headers: {}, signal: AbortSignal.timeout(CALL_MS) };
  if (session) Object.assign(init.headers, { 'content-type': 'application/json', authorization: `Bearer ${session.token}` });
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = raw ? body : JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(`${HTTP}${pathname}`, init);
  } catch (err) {
    throw new Error(`REST ${method} ${pathname} failed: ${err.message}${err.cause ? ` (${err.cause.message || err.cause})` : ''}`);
  }
  const text = await res.text();
  let json;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch (e) {
    json = undefined;
  }
  return { status: res.status, text, json, describe: `REST ${method} ${pathname}${body !== undefined ? ` ${c.truncate(raw ? body : JSON.stringify(body), 200)}` : ''} -> HTTP ${res.status} ${c.truncate(text, 300)}` };
}

/** REST call that must answer 200 with a JSON body. */
async function restOk(method, pathname, body) {
  const r = await rest(method, pathname, body);
  if (r.status !== 200 || r.json === undefined) throw new Error(`${r.describe} (expected 200 with a JSON body)`);
  return r.json;
}

function restCanvas(json) {
  return { canvasId: json.canvasId, version: Number(json.version), title: json.title, document: json.document, deleted: !!json.deleted };
}

const canvasPath = (id) => `/v1/canvases/${encodeURIComponent(id)}`;

// ---------------------------------------------------------------- state

const state = {
  canvasId: null,
  initialDoc: null,
  stream: { call: null, order: [], ops: new Map(), anomalies: [], ended: false, error: null, closing: false },
  conn: null,
  doc: null,
  snapshots: new Map(), // version -> doc.data of the sharedb client at that version (no local pending ops)
  snapshotAnomalies: [],
  historical: [], // {via, version, document} read during the run
  submissions: [], // gRPC/REST: {via, base, op, version, respOp, src, seq}
  sdbOps: [], // sharedb: {op, version}
  counts: { grpc: 0, rest: 0, sharedb: 0, stale: 0, transformed: 0 },
};

const wd = c.startWatchdog(args.timeout, () => {
  const s = state.stream;
  const parts = [`stream: ${s.order.length} ops (last v ${s.order.length ? s.order[s.order.length - 1] : '-'})${s.ended ? ' ENDED' : ''}${s.error ? ` error ${s.error.message}` : ''}`];
  if (state.doc) parts.push(`sharedb: state=${state.conn.state} v=${state.doc.version} inflight=${state.doc.inflightOp ? 'yes' : 'no'} pending=${state.doc.pendingOps.length}`);
  parts.push(`submitted: grpc ${state.counts.grpc} rest ${state.counts.rest} sharedb ${state.counts.sharedb}`);
  return parts.join('; ');
});

function check(cond, message) {
  if (!cond) throw new Error(message);
}

function checkEqual(actual, expected, what) {
  const diff = c.describeDiff(actual, expected);
  if (diff) throw new Error(`${what}: ${diff}\n  got:      ${c.truncate(JSON.stringify(actual), 600)}\n  expected: ${c.truncate(JSON.stringify(expected), 600)}`);
}

// ---------------------------------------------------------------- the three kinds of writers

// A gRPC or REST writer knows the version of the last answer it got; its ops are made
// against that version (or deliberately an older one) and the server transforms them.
function makeWriter(via, runTag) {
  return { via, known: 1, src: `${via}-${runTag}`, seq: 0 };
}

/** The document at `version`, read through the writer's own interface. */
async function readAt(w, version) {
  let canvas;
  if (w.via === 'grpc') {
    canvas = grpcCanvas(await unary('GetCanvas', { canvasId: state.canvasId, version: String(version) }));
  } else {
    canvas = restCanvas(await restOk('GET', `${canvasPath(state.canvasId)}?version=${version}`));
  }
  check(canvas.version === version, `${w.via} GetCanvas(version ${version}) answered version ${canvas.version}`);
  check(canvas.canvasId === state.canvasId, `${w.via} GetCanvas(version ${version}) answered canvasId ${canvas.canvasId}`);
  state.historical.push({ via: w.via, version, document: c.clone(canvas.document) });
  return canvas.document;
}

/** The latest document, read through the writer's own interface; updates what it knows. */
async function readLatest(w) {
  let canvas;
  if (w.via === 'grpc') canvas = grpcCanvas(await unary('GetCanvas', { canvasId: state.canvasId }));
  else canvas = restCanvas(await restOk('GET', canvasPath(state.canvasId)));
  w.known = Math.max(w.known, canvas.version);
  return canvas;
}

/** Submits `op`, made against version `baseVersion`, through gRPC SubmitOp or REST POST .../ops. */
async function writerSubmit(w, baseVersion, op, { withSrc = true, label = '' } = {}) {
  const sub = { via: w.via, base: baseVersion, op: c.clone(op), label };
  wd.step(`${w.via === 'grpc' ? 'gRPC SubmitOp' : 'REST POST .../ops'} "${label}" against version ${baseVersion}`);
  if (withSrc) {
    sub.src = w.src;
    sub.seq = ++w.seq;
  }
  let version;
  let respOp;
  if (w.via === 'grpc') {
    const req = { canvasId: state.canvasId, version: String(baseVersion), op: toListValue(op) };
    if (withSrc) Object.assign(req, { src: sub.src, seq: String(sub.seq) });
    let res;
    try {
      res = await unary('SubmitOp', req);
    } catch (err) {
      if (err.grpcCode === undefined) throw err;
      throw new Error(`gRPC SubmitOp "${label}" {version: ${baseVersion}, op: ${JSON.stringify(op)}} was refused: ${statusName(err.grpcCode)}: ${err.details}`);
    }
    version = Number(res.version);
    respOp = fromListValue(res.op);
    state.counts.grpc++;
  } else {
    // proto3 JSON accepts int64 as a number or a string: use both
    const body = { version: sub.seq % 2 === 0 ? String(baseVersion) : baseVersion, op };
    if (withSrc) Object.assign(body, { src: sub.src, seq: sub.seq });
    const r = await rest('POST', `${canvasPath(state.canvasId)}/ops`, body);
    if (r.status !== 200 || !r.json) throw new Error(`${label || 'REST op'}: ${r.describe} (expected 200)`);
    version = Number(r.json.version);
    respOp = r.json.op || [];
    state.counts.rest++;
  }
  check(Number.isInteger(version) && version >= baseVersion,
    `${w.via} ${label}: op made against version ${baseVersion} was applied at version ${version}`);
  sub.version = version;
  sub.respOp = respOp;
  if (version > baseVersion) state.counts.transformed++;
  if (baseVersion < w.known) state.counts.stale++;
  w.known = Math.max(w.known, version + 1);
  state.submissions.push(sub);
  c.log(`${w.via} ${label} base ${baseVersion} -> applied at ${version}: ${JSON.stringify(respOp)}`);
  return sub;
}

/** sharedb submitOp; resolves on the ack with the version it was applied at. */
function sdbSubmit(op, label = '') {
  const doc = state.doc;
  const after = json0.apply(c.clone(doc.data), c.clone(op));
  const problem = c.validateCanvas(after);
  if (problem) throw new Error(`test bug: sharedb ${label} op would make the canvas invalid (${problem}): ${JSON.stringify(op)}`);
  state.counts.sharedb++;
  wd.step(`sharedb submitOp "${label}" to be acknowledged`);
  const entry = { op: c.clone(op), label, version: null };
  state.sdbOps.push(entry);
  return new Promise((resolve, reject) => {
    doc.submitOp(op, (err) => {
      if (err) return reject(new Error(`sharedb submitOp ${label} ${JSON.stringify(op)} was rejected: ${err.code} ${err.message}`));
      entry.version = doc.version - 1;
      recordSnapshot();
      resolve(entry);
    });
  });
}

function recordSnapshot() {
  const doc = state.doc;
  if (doc.inflightOp || doc.pendingOps.length) return; // doc.data holds unacknowledged local edits
  const data = c.clone(doc.data);
  const had = state.snapshots.get(doc.version);
  if (had && c.canonicalJSON(had) !== c.canonicalJSON(data)) {
    state.snapshotAnomalies.push(`sharedb client had two different documents at version ${doc.version}: ${c.describeDiff(had, data)}`);
  }
  state.snapshots.set(doc.version, data);
}

/** Makes sure `op`, made against `baseDoc`, applies and leaves a valid canvas. */
function checkGenerated(baseDoc, op, what) {
  let after;
  try {
    after = json0.apply(c.clone(baseDoc), c.clone(op));
  } catch (e) {
    throw new Error(`test bug: ${what} op does not apply to its base document (${e.message}): ${JSON.stringify(op)}`);
  }
  const problem = c.validateCanvas(after);
  if (problem) throw new Error(`test bug: ${what} op would make the canvas invalid (${problem}): ${JSON.stringify(op)}`);
}

async function waitStreamTo(version, what) {
  wd.step(`StreamOps to deliver the op at version ${version} (${what})`);
  while (state.stream.order.length < version) {
    if (state.stream.error) throw new Error(`StreamOps failed after ${state.stream.order.length} ops: ${state.stream.error.message}`);
    if (state.stream.ended) throw new Error(`StreamOps ended after ${state.stream.order.length} ops, while waiting for version ${version}`);
    await c.sleep(5);
  }
}

async function waitSharedbAt(version) {
  wd.step(`sharedb client to reach version ${version}`);
  await c.until(() => state.doc.version >= version, 5);
}

// ---------------------------------------------------------------- main

async function main() {
  const rng = c.makeRng(seed);
  const runTag = rng.hex(6);
  let canvasId = `xc-${runTag}-${Date.now().toString(36)}`;
  const title0 = `Cross-client ${runTag}`;

  // ---------------------------------------------------------------- 1. identity and errors
  let created;
  if (args.auth) {
    wd.step(`sign-in (register, log in, create project) at ${HTTP}`);
    session = await auth.signIn({ url: HTTP, script: 'cross-client', seed });
    wd.step(`REST create of canvas ${JSON.stringify(title0)} in project ${session.projectId}`);
    const pc = await session.createCanvas(title0);
    canvasId = pc.canvasId;
    check(pc.projectId === session.projectId, `POST /v1/projects/${session.projectId}/canvases returned projectId ${JSON.stringify(pc.projectId)}`);
    check(pc.version === 1, `POST /v1/projects/${session.projectId}/canvases returned version ${pc.version}, expected 1`);
    check(pc.title === title0, `POST /v1/projects/${session.projectId}/canvases returned title ${JSON.stringify(pc.title)}, expected ${JSON.stringify(title0)}`);
    wd.step(`gRPC GetCanvas ${canvasId} on ${GRPC_TARGET}`);
    created = grpcCanvas(await unary('GetCanvas', { canvasId }));
    check(created.canvasId === canvasId, `GetCanvas of the project canvas ${canvasId} returned canvasId ${JSON.stringify(created.canvasId)}`);
    check(created.version === 1, `GetCanvas of the new project canvas returned version ${created.version}, expected 1`);
    check(created.title === title0, `GetCanvas of the new project canvas returned title ${JSON.stringify(created.title)}, expected ${JSON.stringify(title0)}`);
    checkEqual(created.document, { title: title0, cells: {} }, 'GetCanvas document of the new project canvas');
  } else {
    wd.step(`gRPC CreateCanvas ${canvasId} on ${GRPC_TARGET}`);
    created = grpcCanvas(await unary('CreateCanvas', { title: title0, canvasId }));
    check(created.canvasId === canvasId, `CreateCanvas with canvasId ${canvasId} returned canvasId ${JSON.stringify(created.canvasId)}`);
    check(created.version === 1, `CreateCanvas returned version ${created.version}, expected 1`);
    check(created.title === title0, `CreateCanvas returned title ${JSON.stringify(created.title)}, expected ${JSON.stringify(title0)}`);
    checkEqual(created.document, { title: title0, cells: {} }, 'CreateCanvas document');
  }
  state.canvasId = canvasId;
  state.initialDoc = c.clone(created.document);

  wd.step('REST GET of the new canvas');
  const got = restCanvas(await restOk('GET', canvasPath(canvasId)));
  check(got.canvasId === canvasId && got.version === 1 && got.title === title0,
    `REST GET ${canvasPath(canvasId)} returned canvasId ${got.canvasId}, version ${got.version}, title ${JSON.stringify(got.title)}; expected ${canvasId}, 1, ${JSON.stringify(title0)}`);
  checkEqual(got.document, created.document, 'REST GET document vs gRPC CreateCanvas document');

  wd.step('gRPC CreateCanvas with an id that exists');
  // --auth: the refused CreateCanvas calls name the project (CreateCanvasRequest.project_id; a
  // proto without that field drops it), so that only the id is wrong with them.
  const inProject = session ? { projectId: session.projectId } : {};
  await expectGrpcError('CreateCanvas', { title: 'duplicate', canvasId, ...inProject }, grpc.status.ALREADY_EXISTS, 'second CreateCanvas with the same canvasId');
  const afterDup = restCanvas(await restOk('GET', canvasPath(canvasId)));
  check(afterDup.version === 1 && afterDup.title === title0,
    `the refused duplicate CreateCanvas changed the canvas: version ${afterDup.version}, title ${JSON.stringify(afterDup.title)}`);

  wd.step('missing and malformed ids');
  const missing = `${canvasId}-missing`;
  await expectGrpcError('GetCanvas', { canvasId: missing }, grpc.status.NOT_FOUND, 'GetCanvas of a missing id');
  const r404 = await rest('GET', canvasPath(missing));
  check(r404.status === 404, `GetCanvas of a missing id: ${r404.describe} (expected 404)`);
  const malformed = 'bad id!';
  await expectGrpcError('GetCanvas', { canvasId: malformed }, grpc.status.INVALID_ARGUMENT, 'GetCanvas of a malformed id');
  await expectGrpcError('CreateCanvas', { title: 'x', canvasId: malformed, ...inProject }, grpc.status.INVALID_ARGUMENT, 'CreateCanvas with a malformed id');
  const r400 = await rest('GET', canvasPath(malformed));
  check(r400.status === 400, `GetCanvas of a malformed id: ${r400.describe} (expected 400)`);

  const restCreatePath = session ? `/v1/projects/${session.projectId}/canvases` : '/v1/canvases';
  wd.step(`REST POST ${restCreatePath} (server-chosen id)`);
  const restCreated = restCanvas(await restOk('POST', restCreatePath, { title: `${title0} (REST)` }));
  check(typeof restCreated.canvasId === 'string' && restCreated.canvasId.length > 0 && restCreated.version === 1,
    `REST POST ${restCreatePath} returned canvasId ${JSON.stringify(restCreated.canvasId)}, version ${restCreated.version}`);
  const restCreatedViaGrpc = grpcCanvas(await unary('GetCanvas', { canvasId: restCreated.canvasId }));
  checkEqual(restCreatedViaGrpc.document, { title: `${title0} (REST)`, cells: {} }, 'gRPC GetCanvas of the REST-created canvas');

  // ---------------------------------------------------------------- 2. three kinds of clients
  wd.step('StreamOps(fromVersion 1)');
  const s = state.stream;
  s.call = client.StreamOps({ canvasId, fromVersion: '1' }, metadata());
  s.call.on('data', (m) => {
    const v = Number(m.version);
    const expected = s.order.length + 1;
    if (m.canvasId !== canvasId) s.anomalies.push(`op at version ${v} has canvasId ${JSON.stringify(m.canvasId)}`);
    if (s.ops.has(v)) s.anomalies.push(`version ${v} delivered twice`);
    else if (v !== expected) s.anomalies.push(`got version ${v} when ${expected} was next`);
    s.order.push(v);
    let op;
    try {
      op = fromListValue(m.op);
    } catch (e) {
      s.anomalies.push(`op at version ${v}: ${e.message}`);
      op = null;
    }
    if (!s.ops.has(v)) s.ops.set(v, { op, src: m.src, seq: Number(m.seq), author: m.author, time: m.time });
  });
  s.call.on('error', (err) => {
    if (!s.closing) s.error = new Error(`${statusName(err.code)}: ${err.details}`);
  });
  s.call.on('end', () => {
    s.ended = true;
  });

  wd.step(`sharedb connection to ${WS_URL}`);
  state.conn = await c.connect(WS_URL, 'sharedb');
  const doc = c.watchDoc(state.conn.get(c.COLLECTION, canvasId), 'sharedb');
  state.doc = doc;
  wd.step('sharedb subscribe');
  await c.subscribe(doc);
  check(doc.type && doc.type.uri === json0.uri, `sharedb subscribe: type ${doc.type && doc.type.uri}, expected ${json0.uri}`);
  check(doc.version === 1, `sharedb subscribe: version ${doc.version}, expected 1`);
  checkEqual(doc.data, state.initialDoc, 'sharedb subscribe: document');
  recordSnapshot();
  doc.on('op batch', (op, source) => {
    if (!source) recordSnapshot();
  });

  const g = makeWriter('grpc', runTag);
  const r = makeWriter('rest', runTag);
  const A = `a${runTag}`;
  const B = `b${runTag}`;
  const C = `c${runTag}`;
  const markers = [];
  const mark = (who) => {
    const m = `«${who}·${runTag}»`;
    markers.push(m);
    return m;
  };

  // -- scripted: every kind of client adds a cell, types into a source, renames the title;
  //    gRPC and REST writers also work against versions that are out of date.
  wd.step('scripted ops');
  await sdbSubmit([{ p: ['cells', A], oi: { kind: 'sql', name: 'Query A', source: '', layout: { x: 0, y: 0, w: 6, h: 4 }, config: {} } }], 'add cell A');
  // The stream was opened before this op existed: it must be delivered live.
  await waitStreamTo(1, 'the first op, made after the stream was opened');

  await readLatest(g); // g knows version 2
  let baseDoc = await readAt(g, g.known);
  const typed = `SELECT 1${mark('G1')}`;
  await writerSubmit(g, g.known, [{ p: ['cells', A, 'source', baseDoc.cells[A].source.length], si: typed }], { label: 'type into A' });

  await readLatest(r); // r knows version 3
  await writerSubmit(r, r.known, [{ p: ['cells', B], oi: { kind: 'markdown', name: 'Notes', source: `# Notes ${mark('R1')}`, layout: { x: 6, y: 0, w: 6, h: 3 }, config: {} } }], { label: 'add cell B', withSrc: false });

  await waitSharedbAt(4);
  await sdbSubmit([{ p: ['cells', A, 'source', doc.data.cells[A].source.length], si: ` FROM t${mark('S2')}` }], 'type at the end of A');

  // gRPC: stale (it last saw version 3; two ops have landed since): insert at the start of A.source
  const gStale = g.known;
  baseDoc = await readAt(g, gStale);
  await writerSubmit(g, gStale, [{ p: ['cells', A, 'source', 0], si: `-- ${mark('G2')}\n` }], { label: 'stale insert at the start of A' });

  // REST: stale (it last saw version 4): insert after "SELECT" in A.source, which the gRPC
  // insert above has shifted; also type into the middle of B
  const rStale = r.known;
  baseDoc = await readAt(r, rStale);
  const at = baseDoc.cells[A].source.indexOf('SELECT') + 'SELECT'.length;
  check(at >= 'SELECT'.length, `document at version ${rStale} has no "SELECT" in cell A: ${JSON.stringify(baseDoc.cells[A])}`);
  await writerSubmit(r, rStale, [
    { p: ['cells', A, 'source', at], si: ` ${mark('R2')}` },
    { p: ['cells', B, 'source', 2], si: `${mark('R2b')} ` },
  ], { label: 'stale two-component insert' });

  // sharedb: rename the title (delete + insert, a two-component op)
  await waitSharedbAt(Math.max(g.known, r.known));
  const title1 = `Renamed ${mark('S3')}`;
  await sdbSubmit([{ p: ['title', 0], sd: doc.data.title }, { p: ['title', 0], si: title1 }], 'rename title');

  // -- burst: all three at once, gRPC and REST against versions from before the rename
  wd.step('concurrent burst from all three clients');
  const gBase = g.known;
  const rBase = r.known;
  const [gDoc, rDoc] = await Promise.all([readAt(g, gBase), readAt(r, rBase)]);
  await Promise.all([
    sdbSubmit([{ p: ['cells', B, 'source', doc.data.cells[B].source.length], si: ` ${mark('S4')}` }], 'type at the end of B'),
    writerSubmit(g, gBase, [{ p: ['title', gDoc.title.length], si: ` ${mark('G3')}` }], { label: 'stale title append' }),
    writerSubmit(r, rBase, [
      { p: ['cells', C], oi: { kind: 'chart', name: 'Chart C', source: mark('R3'), layout: { x: 0, y: 4, w: 12, h: 5 }, config: { type: 'bar', stacked: false, series: ['a', 'b'], limit: null } } },
      { p: ['cells', A, 'name', rDoc.cells[A].name.length], si: ' (renamed)' },
    ], { label: 'stale add cell C + rename A' }),
  ]);

  // -- a resubmitted op (same src/seq) must not be applied twice
  wd.step('REST resubmission of an op with the same src/seq');
  const last = state.submissions.filter((x) => x.via === 'rest' && x.src).pop();
  const before = await readLatest(r);
  const again = await rest('POST', `${canvasPath(canvasId)}/ops`, { version: last.base, op: last.op, src: last.src, seq: last.seq });
  const afterAgain = await readLatest(r);
  check(afterAgain.version === before.version,
    `resubmitting an op with the same src/seq was applied again: version ${before.version} -> ${afterAgain.version} (${again.describe})`);
  if (again.status === 200) {
    check(Number(again.json.version) === last.version,
      `resubmitted op (src ${last.src} seq ${last.seq}, applied at version ${last.version}) was answered with version ${again.json.version}: ${again.describe}`);
  }

  wd.step('markers of the scripted ops');
  const latest = await readLatest(g);
  const text = JSON.stringify(latest.document);
  for (const m of markers) {
    const n = c.countOccurrences(text, m);
    check(n === 1, `marker ${m} occurs ${n} times in the canvas at version ${latest.version} (expected once): ${c.truncate(text, 800)}`);
  }

  // -- random rounds: 1-3 of the clients at once, gRPC/REST often against old versions
  let cellSeq = 0;
  const ctx = { newCellId: () => `k${runTag}_${cellSeq++}` };
  let done = 0;
  let round = 0;
  while (done < args.ops) {
    round++;
    wd.step(`random round ${round} (${done}/${args.ops} ops)`);
    const who = ['sharedb', 'grpc', 'rest'].filter(() => rng.chance(0.6));
    if (who.length === 0) who.push(rng.pick(['sharedb', 'grpc', 'rest']));
    const work = [];
    for (const kind of who.slice(0, args.ops - done)) {
      done++;
      if (kind === 'sharedb') {
        const edit = randomEdit(rng, doc.data, ctx);
        work.push(sdbSubmit(edit.op, `random ${edit.kind}`));
        continue;
      }
      const w = kind === 'grpc' ? g : r;
      const baseVersion = rng.chance(0.5) ? w.known : Math.max(1, w.known - rng.int(1, 4));
      const lag = rng.int(0, 5);
      work.push((async () => {
        const bd = await readAt(w, baseVersion);
        const edit = randomEdit(rng, bd, ctx);
        checkGenerated(bd, edit.op, `${kind} random ${edit.kind}`);
        await c.sleep(lag);
        await writerSubmit(w, baseVersion, edit.op, { label: `random ${edit.kind}`, withSrc: rng.chance(0.7) });
      })());
    }
    await Promise.all(work);
  }

  // ---------------------------------------------------------------- 3. refused ops
  wd.step('sharedb client to have nothing pending');
  await c.whenNothingPending(doc);
  wd.step('schema-breaking SubmitOp');
  const beforeBad = await readLatest(g);
  const victim = Object.keys(beforeBad.document.cells).sort()[0];
  check(victim, `no cell left to break at version ${beforeBad.version}`);
  const badOp = [{ p: ['cells', victim, 'kind'], od: beforeBad.document.cells[victim].kind, oi: 'bogus' }];
  const badMsg = await expectGrpcError('SubmitOp',
    { canvasId, version: String(beforeBad.version), op: toListValue(badOp), src: g.src, seq: String(++g.seq) },
    grpc.status.INVALID_ARGUMENT, 'SubmitOp setting a cell kind to "bogus"');
  check(/kind/i.test(badMsg), `SubmitOp setting a cell kind to "bogus" was refused, but the message does not name the problem (no "kind"): ${JSON.stringify(badMsg)}`);
  const badRest = await rest('POST', `${canvasPath(canvasId)}/ops`, { version: beforeBad.version, op: badOp });
  check(badRest.status === 400, `schema-breaking op over REST: ${badRest.describe} (expected 400)`);
  const malformedBodies = [
    '{"version": 1, "op": [',
    'this is not json',
    JSON.stringify({ version: beforeBad.version, op: { p: ['title', 0], si: 'not a list' } }),
  ];
  const malformedStatuses = [];
  for (const bodyText of malformedBodies) {
    const mr = await rest('POST', `${canvasPath(canvasId)}/ops`, bodyText, { raw: true });
    malformedStatuses.push(mr.status);
    check(mr.status >= 400 && mr.status < 500, `malformed REST body: ${mr.describe} (expected a 4xx)`);
  }
  const afterBad = await readLatest(g);
  check(afterBad.version === beforeBad.version, `refused ops changed the version: ${beforeBad.version} -> ${afterBad.version}`);
  checkEqual(afterBad.document, beforeBad.document, 'document after the refused ops');

  // ---------------------------------------------------------------- 2 (end). everyone agrees
  const finalVersion = afterBad.version;
  await waitSharedbAt(finalVersion);
  await waitStreamTo(finalVersion - 1, 'the last op');
  wd.step('grace period for late or duplicate stream deliveries');
  await c.sleep(300);
  await c.whenNothingPending(doc);
  if (s.error) throw new Error(`StreamOps failed: ${s.error.message}`);
  if (s.ended) throw new Error('StreamOps ended while the canvas was still open (it should stay live)');
  check(s.anomalies.length === 0, `StreamOps deliveries: ${s.anomalies.slice(0, 5).join('; ')}`);
  const wantOrder = Array.from({ length: finalVersion - 1 }, (_, i) => i + 1);
  check(c.canonicalJSON(s.order) === c.canonicalJSON(wantOrder),
    `StreamOps delivered versions ${c.truncate(JSON.stringify(s.order), 400)}, expected 1..${finalVersion - 1} once each`);
  check(doc.version === finalVersion, `sharedb client is at version ${doc.version}, the server at ${finalVersion}`);

  wd.step('final documents');
  const gFinal = grpcCanvas(await unary('GetCanvas', { canvasId }));
  const rFinal = restCanvas(await restOk('GET', canvasPath(canvasId)));
  check(gFinal.version === finalVersion && rFinal.version === finalVersion,
    `final versions: gRPC ${gFinal.version}, REST ${rFinal.version}, expected ${finalVersion}`);
  checkEqual(doc.data, gFinal.document, 'sharedb doc.data vs gRPC GetCanvas document');
  checkEqual(rFinal.document, gFinal.document, 'REST GET document vs gRPC GetCanvas document');
  check(gFinal.title === gFinal.document.title && rFinal.title === gFinal.document.title,
    `Canvas.title (gRPC ${JSON.stringify(gFinal.title)}, REST ${JSON.stringify(rFinal.title)}) is not document.title ${JSON.stringify(gFinal.document.title)}`);
  const problem = c.validateCanvas(gFinal.document);
  check(!problem, `final canvas is invalid: ${problem}`);

  // Replay the streamed ops from the created document: the document at every version.
  wd.step('replay of the streamed ops');
  const replay = new Map([[1, c.clone(state.initialDoc)]]);
  for (let v = 1; v < finalVersion; v++) {
    const { op } = s.ops.get(v);
    let next;
    try {
      next = json0.apply(c.clone(replay.get(v)), c.clone(op));
    } catch (e) {
      throw new Error(`streamed op at version ${v} does not apply to the document at version ${v} (${e.message}): ${JSON.stringify(op)}`);
    }
    replay.set(v + 1, next);
  }
  checkEqual(replay.get(finalVersion), gFinal.document, `replay of the ${finalVersion - 1} streamed ops vs GetCanvas`);

  // The sharedb client's snapshots, each historical read, and GET ?version=K for a K in the middle.
  check(state.snapshotAnomalies.length === 0, state.snapshotAnomalies.join('; '));
  for (const [v, data] of state.snapshots) checkEqual(data, replay.get(v), `sharedb client's document at version ${v} vs replay of the stream`);
  for (const h of state.historical) checkEqual(h.document, replay.get(h.version), `${h.via} GetCanvas(version ${h.version}) during the run vs replay of the stream`);
  const middle = [...state.snapshots.keys()].filter((v) => v > 1 && v < finalVersion).sort((a, b) => Math.abs(a - finalVersion / 2) - Math.abs(b - finalVersion / 2));
  check(middle.length > 0, `the sharedb client recorded no snapshot between versions 1 and ${finalVersion}`);
  const K = middle[0];
  const atK = restCanvas(await restOk('GET', `${canvasPath(canvasId)}?version=${K}`));
  check(atK.version === K, `REST GET ?version=${K} answered version ${atK.version}`);
  checkEqual(atK.document, state.snapshots.get(K), `REST GET ?version=${K} vs the sharedb client's document at version ${K}`);
  wd.step('every historical version over REST and gRPC');
  for (let v = 1; v <= finalVersion; v++) {
    const rv = restCanvas(await restOk('GET', `${canvasPath(canvasId)}?version=${v}`));
    check(rv.version === v, `REST GET ?version=${v} answered version ${rv.version}`);
    checkEqual(rv.document, replay.get(v), `REST GET ?version=${v} vs replay of the stream`);
    const gv = grpcCanvas(await unary('GetCanvas', { canvasId, version: String(v) }));
    checkEqual(gv.document, replay.get(v), `gRPC GetCanvas(version ${v}) vs replay of the stream`);
  }

  // Every gRPC/REST op: the answer matches the stream, and its effect is json0's transform.
  wd.step('transformation of the gRPC/REST ops');
  for (const sub of state.submissions) {
    const streamed = s.ops.get(sub.version);
    const what = `${sub.via} op "${sub.label}" made against version ${sub.base}, applied at ${sub.version}`;
    checkEqual(sub.respOp, streamed.op, `${what}: the op in the answer vs the streamed op`);
    if (sub.src) {
      check(streamed.src === sub.src && streamed.seq === sub.seq,
        `${what}: streamed src/seq ${JSON.stringify(streamed.src)}/${streamed.seq}, sent ${sub.src}/${sub.seq}`);
    }
    let expected = c.clone(sub.op);
    for (let v = sub.base; v < sub.version; v++) expected = json0.transform(expected, c.clone(s.ops.get(v).op), 'left');
    checkEqual(json0.apply(c.clone(replay.get(sub.version)), expected), replay.get(sub.version + 1),
      `${what}: document after the server's transform vs after json0.transform(op, ops ${sub.base}..${sub.version - 1}, 'left')`);
  }
  for (const op of state.sdbOps) {
    const streamed = s.ops.get(op.version);
    check(streamed && streamed.src === state.conn.id,
      `sharedb op "${op.label}" acked at version ${op.version}: streamed src ${JSON.stringify(streamed && streamed.src)}, expected the connection id ${state.conn.id}`);
  }
  s.closing = true;
  s.call.cancel();

  // ---------------------------------------------------------------- 4. reflection
  wd.step('gRPC server reflection');
  const reflection = await reflect();

  // ---------------------------------------------------------------- 5. catalog
  wd.step(`ListCanvases / GET /v1/canvases to list ${canvasId} titled ${JSON.stringify(gFinal.title)}`);
  const listStart = Date.now();
  let lastSeen;
  for (;;) {
    const gl = (await unary('ListCanvases', { pageSize: 1000 })).canvases || [];
    const rl = (await restOk('GET', '/v1/canvases?pageSize=1000')).canvases || [];
    const ge = gl.find((x) => x.canvasId === canvasId);
    const re = rl.find((x) => x.canvasId === canvasId);
    lastSeen = `gRPC ListCanvases: ${gl.length} canvases, ours ${ge ? JSON.stringify(ge) : 'absent'}; REST GET /v1/canvases: ${rl.length} canvases, ours ${re ? JSON.stringify(re) : 'absent'}`;
    if (ge && re && ge.title === gFinal.title && re.title === gFinal.title) break;
    if (Date.now() - listStart > args['list-wait'] * 1000) {
      throw new Error(`after ${args['list-wait']}s the catalog does not list canvas ${canvasId} with its current title ${JSON.stringify(gFinal.title)}: ${lastSeen}`);
    }
    await c.sleep(200);
  }
  const listedAfterMs = Date.now() - listStart;

  c.closeQuietly(state.conn);
  client.close();
  wd.stop();
  c.succeed({
    ok: true,
    canvas: canvasId,
    version: finalVersion,
    seed,
    ops: {
      total: finalVersion - 1,
      grpc: state.counts.grpc,
      rest: state.counts.rest,
      sharedb: state.counts.sharedb,
      stale: state.counts.stale,
      transformed: state.counts.transformed,
    },
    streamed: s.order.length,
    snapshots: state.snapshots.size,
    middleVersion: K,
    historicalReads: state.historical.length + 2 * finalVersion,
    cells: Object.keys(gFinal.document.cells).length,
    digest: c.digest(gFinal.document),
    refused: { grpc: 'INVALID_ARGUMENT', message: badMsg, rest: badRest.status, malformedBodies: malformedStatuses },
    reflection,
    listedAfterMs,
    clientLog: c.clientLogSummary(),
    ...(session ? { auth: session.info() } : {}),
  });
}

/** grpc.reflection.v1 (v1alpha if v1 is not served): list services, fetch the canvas descriptor. */
async function reflect() {
  const want = 'easel.v1.CanvasService';
  let version = 'v1';
  let listed;
  try {
    listed = await reflectionCall('v1', { listServices: '' });
  } catch (err) {
    if (err.grpcCode !== grpc.status.UNIMPLEMENTED) throw err;
    version = 'v1alpha';
    listed = await reflectionCall('v1alpha', { listServices: '' });
  }
  check(listed.listServicesResponse, `reflection ${version} list_services answered ${c.truncate(JSON.stringify(listed), 300)}`);
  const services = listed.listServicesResponse.service.map((x) => x.name);
  check(services.includes(want), `reflection ${version} lists ${JSON.stringify(services)}, not ${want}`);
  const file = await reflectionCall(version, { fileContainingSymbol: want });
  const protos = file.fileDescriptorResponse && file.fileDescriptorResponse.fileDescriptorProto;
  check(protos && protos.length > 0, `reflection ${version} file_containing_symbol ${want} answered ${c.truncate(JSON.stringify(file), 300)}`);
  check(protos.some((b) => Buffer.from(b).includes('CanvasService')),
    `reflection ${version} file_containing_symbol ${want}: no returned descriptor mentions CanvasService`);

  let health;
  try {
    const stub = new extraPkg.health.v1.Health(GRPC_TARGET, credentials);
    health = (await unaryOn(stub, 'Check', { service: '' })).status;
    stub.close();
  } catch (err) {
    health = err.grpcCode !== undefined ? statusName(err.grpcCode) : err.message;
  }
  return { version, services, descriptors: protos.length, health };
}

function reflectionCall(version, request) {
  return new Promise((resolve, reject) => {
    const stub = new extraPkg.reflection[version].ServerReflection(GRPC_TARGET, credentials);
    const call = stub.ServerReflectionInfo(metadata(), deadline());
    let answer;
    call.on('data', (m) => {
      if (!answer) answer = m;
      call.end();
    });
    call.on('error', (err) => {
      stub.close();
      const e = new Error(`reflection ${version} ServerReflectionInfo ${JSON.stringify(request)} failed: ${statusName(err.code)}: ${err.details}`);
      e.grpcCode = err.code;
      reject(e);
    });
    call.on('end', () => {
      stub.close();
      if (answer) resolve(answer);
      else reject(new Error(`reflection ${version} ServerReflectionInfo ${JSON.stringify(request)}: stream ended without an answer`));
    });
    call.write(request);
  });
}

main().catch((err) => c.fatal(`${err.message} (while: ${wd.waitingFor})`));
