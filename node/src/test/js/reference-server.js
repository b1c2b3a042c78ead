#!/usr/bin/env node
'use strict';
// A real ShareDB 7.x server (in-memory DB) on ws://HOST:PORT/ws, used to check the
// e2e scripts before Easel's own server exists, and as the reference for what
// Easel's answers should look like.
//
//   node reference-server.js --port 0            -> prints "listening <port>"
//   node reference-server.js --port 8090 --persist /tmp/ref.json
//
// Options:
//   --port <n>         port to listen on (0 = any free port; the chosen one is printed)
//   --host <h>         interface (default 127.0.0.1)
//   --persist <file>   load DB state from <file> at start (if present) and write it
//                      synchronously after every committed op, before the op is acked,
//                      so a restart (even kill -9) keeps every acked op
//   --validate=false   do not refuse ops that break the canvas schema (default: refuse,
//                      like Easel, with error code ERR_CANVAS_SCHEMA)
//   --max-payload <n>  largest accepted WebSocket message in bytes (ws default 100 MiB);
//                      larger frames close the socket with 1009
//   --log              log every message received from / sent to clients on stderr

const fs = require('fs');
const http = require('http');
const path = require('path');
const ShareDB = require('sharedb');
const WebSocketJSONStream = require('@teamwork/websocket-json-stream');
const { WebSocketServer } = require('ws');
const { parseArgs } = require('./lib/args');
const { COLLECTION, validateCanvas } = require('./lib/schema');

const args = parseArgs(process.argv.slice(2), {
  port: 0,
  host: '127.0.0.1',
  persist: '',
  validate: true,
  'max-payload': 100 * 1024 * 1024,
  log: false,
});

const backend = new ShareDB({});
const db = backend.db; // ShareDB's MemoryDB: db.docs[collection][id] = snapshot, db.ops[collection][id] = [op...]

// ------------------------------------------------------------ persistence

function toNullProto(obj) {
  const out = Object.create(null);
  for (const k of Object.keys(obj || {})) {
    const inner = Object.create(null);
    for (const id of Object.keys(obj[k])) inner[id] = obj[k][id];
    out[k] = inner;
  }
  return out;
}

if (args.persist) {
  const file = path.resolve(args.persist);
  if (fs.existsSync(file)) {
    const state = JSON.parse(fs.readFileSync(file, 'utf8'));
    db.docs = toNullProto(state.docs);
    db.ops = toNullProto(state.ops);
    process.stderr.write(`reference-server: loaded ${file}\n`);
  }
  backend.use('afterWrite', (ctx, next) => {
    const tmp = `${file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify({ docs: db.docs, ops: db.ops }));
    fs.renameSync(tmp, file);
    next();
  });
}

// ------------------------------------------------------------ schema

if (args.validate) {
  // 'commit' runs after the (transformed) op has been applied to the snapshot and
  // before it is written: refuse anything that leaves an invalid canvas.
  backend.use('commit', (request, next) => {
    if (request.collection !== COLLECTION || !request.snapshot.type) return next();
    const problem = validateCanvas(request.snapshot.data);
    if (!problem) return next();
    process.stderr.write(`reference-server: refused op on ${request.collection}/${request.id}: ${problem}\n`);
    next({ code: 'ERR_CANVAS_SCHEMA', message: `Op refused: the canvas would be invalid: ${problem}` });
  });
}

// ------------------------------------------------------------ logging

if (args.log) {
  const trim = (s) => (s.length > 500 ? `${s.slice(0, 500)}…(${s.length} chars)` : s);
  backend.use('receive', (ctx, next) => {
    process.stderr.write(`<- ${ctx.agent.clientId} ${trim(JSON.stringify(ctx.data))}\n`);
    next();
  });
  backend.on('send', (agent, message) => {
    process.stderr.write(`-> ${agent.clientId} ${trim(JSON.stringify(message))}\n`);
  });
}

// ------------------------------------------------------------ websocket

const server = http.createServer((req, res) => {
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('ShareDB reference server: connect a WebSocket to /ws\n');
});

const wss = new WebSocketServer({ server, path: '/ws', maxPayload: args['max-payload'] });

wss.on('connection', (ws, req) => {
  // Without these listeners a bad frame (oversized, invalid UTF-8, malformed
  // JSON) would crash the whole process instead of closing one connection.
  ws.on('error', (err) => {
    if (args.log) process.stderr.write(`reference-server: socket error: ${err.message}\n`);
  });
  const stream = new WebSocketJSONStream(ws);
  stream.on('error', (err) => {
    if (args.log) process.stderr.write(`reference-server: stream error: ${err.message}\n`);
  });
  backend.listen(stream, req);
});

server.listen(args.port, args.host, () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});

function shutdown(signal) {
  process.stderr.write(`reference-server: ${signal}, shutting down\n`);
  for (const client of wss.clients) client.terminate();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}
process.on('SIGINT', () => shutdown('SIGINT'));
process.on('SIGTERM', () => shutdown('SIGTERM'));
