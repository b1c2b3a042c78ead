#!/usr/bin/env node
'use strict';
// The grpc-js face of the API contract (ApiContractIntegrationTest): unary calls of Easel's API
// made with the real @grpc/grpc-js client, the messages loaded by @grpc/proto-loader from this
// repository's proto/ folder. The test drives it one call at a time:
//
//   node grpc-js-face.js --target 127.0.0.1:8080
//
// stdin, one JSON object a line:  {"id":1,"method":"easel.v1.ProjectService/CreateProject",
//                                  "token":"<access token or empty>","request":{<proto3 JSON>}}
// stdout, one JSON object a line: {"id":1,"answer":{<the response as proto3 JSON>}} or
//                                 {"id":1,"refusal":{"code":"INVALID_ARGUMENT","message":"...",
//                                  "reason":"...","domain":"...","metadata":{...},
//                                  "fieldViolations":[{"field":"name","description":"..."}]}}
//                                 (a call it could not make: {"id":1,"failure":"<stack>"})
//
// The refusal is what grpc-js hands an application: the status code and details, and the
// google.rpc.Status of the grpc-status-details-bin trailer (its ErrorInfo and BadRequest),
// decoded with protobufjs; in the shape of the extensions of Easel's GraphQL errors. google.protobuf.Struct and ListValue (a canvas document, a json0 op)
// travel as plain JSON here and as messages on the wire. Ends at the end of stdin.

const path = require('path');
const readline = require('readline');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');
const googleProtoFiles = require('google-proto-files');
const { parseArgs } = require('./lib/args');

const args = parseArgs(process.argv.slice(2), { target: '127.0.0.1:8080', deadline: 60 });

const PROTO_DIR = path.resolve(__dirname, '../../../../proto');
const GOOGLE_PROTOS = path.resolve(googleProtoFiles.getProtoPath('api', 'annotations.proto'), '../../..');
const API_FILES = ['auth.proto', 'projects.proto', 'canvas.proto', 'api_keys.proto'].map((f) => `easel/v1/${f}`);
const LOADER_OPTIONS = { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true };

const api = grpc.loadPackageDefinition(
  protoLoader.loadSync(API_FILES, Object.assign({ includeDirs: [PROTO_DIR, GOOGLE_PROTOS] }, LOADER_OPTIONS)));

// The same files in protobufjs, to know where the Structs are, and google.rpc's error messages.
function root(files) {
  const loaded = new protobuf.Root();
  loaded.resolvePath = (origin, target) => {
    for (const dir of [PROTO_DIR, GOOGLE_PROTOS]) {
      const candidate = path.join(dir, target);
      if (require('fs').existsSync(candidate)) return candidate;
    }
    return protobuf.util.path.resolve(origin, target);
  };
  return loaded.loadSync(files, { keepCase: false }).resolveAll();
}
const types = root(API_FILES.concat(['google/rpc/status.proto', 'google/rpc/error_details.proto']));
const RpcStatus = types.lookupType('google.rpc.Status');
const ErrorInfo = types.lookupType('google.rpc.ErrorInfo');
const BadRequest = types.lookupType('google.rpc.BadRequest');

// ---------------------------------------------------------------- JSON <-> proto-loader objects

function toValue(json) {
  if (json === null) return { nullValue: 'NULL_VALUE' };
  if (Array.isArray(json)) return { listValue: toList(json) };
  switch (typeof json) {
    case 'string': return { stringValue: json };
    case 'number': return { numberValue: json };
    case 'boolean': return { boolValue: json };
    default: return { structValue: toStruct(json) };
  }
}
const toList = (json) => ({ values: json.map(toValue) });
const toStruct = (json) => ({ fields: Object.fromEntries(Object.entries(json).map(([k, v]) => [k, toValue(v)])) });

function fromValue(value) {
  switch (value.kind) {
    case 'nullValue': return null;
    case 'numberValue': return value.numberValue;
    case 'stringValue': return value.stringValue;
    case 'boolValue': return value.boolValue;
    case 'structValue': return fromStruct(value.structValue);
    case 'listValue': return fromList(value.listValue);
    default: throw new Error(`a google.protobuf.Value without a kind: ${JSON.stringify(value)}`);
  }
}
const fromList = (list) => (list.values || []).map(fromValue);
const fromStruct = (struct) => Object.fromEntries(Object.entries(struct.fields || {}).map(([k, v]) => [k, fromValue(v)]));

/** Converts the Struct/ListValue/Value fields of a message of `type`, with `convert[kind]`. */
function walk(type, message, convert) {
  if (message === null || message === undefined) return message;
  const out = Object.assign({}, message);
  for (const field of type.fieldsArray) {
    const name = field.name;
    if (out[name] === undefined || !field.resolvedType || !(field.resolvedType instanceof protobuf.Type)) continue;
    const kind = field.resolvedType.fullName.replace(/^\./, '');
    const one = (item) => (convert[kind] ? convert[kind](item) : walk(field.resolvedType, item, convert));
    if (out[name] === null) continue;
    if (field.map) out[name] = Object.fromEntries(Object.entries(out[name]).map(([k, v]) => [k, one(v)]));
    else out[name] = field.repeated ? out[name].map(one) : one(out[name]);
  }
  return out;
}
const TO_MESSAGE = { 'google.protobuf.Struct': toStruct, 'google.protobuf.ListValue': toList, 'google.protobuf.Value': toValue };
const TO_JSON = { 'google.protobuf.Struct': fromStruct, 'google.protobuf.ListValue': fromList, 'google.protobuf.Value': fromValue };

// ---------------------------------------------------------------- calls

const clients = new Map();
function client(service) {
  if (!clients.has(service)) {
    const Client = service.split('.').reduce((at, name) => at[name], api);
    if (typeof Client !== 'function') throw new Error(`no service ${service} in proto/`);
    clients.set(service, new Client(args.target, grpc.credentials.createInsecure()));
  }
  return clients.get(service);
}

function refusal(error) {
  const refused = {
    code: Object.keys(grpc.status).find((name) => grpc.status[name] === error.code) || String(error.code),
    message: error.details,
  };
  const details = error.metadata ? error.metadata.get('grpc-status-details-bin') : [];
  if (details.length > 0) {
    for (const detail of RpcStatus.decode(details[0]).details) {
      // google.protobuf.Any is one of protobufjs's built-in types, whose field keeps its proto name.
      const typeUrl = detail.type_url;
      if (typeUrl.endsWith('/google.rpc.ErrorInfo')) {
        const info = ErrorInfo.decode(detail.value);
        Object.assign(refused, { reason: info.reason, domain: info.domain });
        if (Object.keys(info.metadata || {}).length > 0) refused.metadata = info.metadata;
      } else if (typeUrl.endsWith('/google.rpc.BadRequest')) {
        refused.fieldViolations = BadRequest.decode(detail.value).fieldViolations
          .map(({ field, description }) => ({ field, description }));
      }
    }
  }
  return refused;
}

function call({ method, token, request }) {
  const [service, rpc] = method.split('/');
  const serviceType = types.lookupService(service);
  const methodType = serviceType.methods[rpc];
  if (!methodType) throw new Error(`no method ${method} in proto/`);
  methodType.resolve();
  const metadata = new grpc.Metadata();
  if (token) metadata.set('authorization', `Bearer ${token}`);
  const deadline = new Date(Date.now() + args.deadline * 1000);
  return new Promise((resolve) => {
    client(service)[rpc](walk(methodType.resolvedRequestType, request, TO_MESSAGE), metadata, { deadline }, (error, answer) => {
      try {
        if (error) resolve({ refusal: refusal(error) });
        else resolve({ answer: walk(methodType.resolvedResponseType, answer, TO_JSON) });
      } catch (e) {
        resolve({ failure: String(e.stack || e) });
      }
    });
  });
}

// One call at a time, in the order asked: the test's scenarios are sequential.
let queue = Promise.resolve();
readline.createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === '') return;
  queue = queue.then(async () => {
    const asked = JSON.parse(line);
    let reply;
    try {
      reply = await call(asked);
    } catch (e) {
      reply = { failure: String(e && e.stack ? e.stack : e) };
    }
    process.stdout.write(`${JSON.stringify(Object.assign({ id: asked.id }, reply))}\n`);
  });
}).on('close', () => {
  queue.then(() => {
    for (const c of clients.values()) c.close();
  });
});
