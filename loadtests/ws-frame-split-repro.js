#!/usr/bin/env node
'use strict';
// Reproduces a WebSocket framing failure seen while generating events for the recovery
// benchmark: the server closes the socket with 1002 "invalid data frame length (not using
// minimal length encoding)" although the client's frames are valid.
//
//   node ws-frame-split-repro.js --url ws://127.0.0.1:PORT/ws
//
// The upgrade carries `Authorization: Bearer <accessToken>` of a user it signs up first
// (loadtests/auth.js); the socket refuses anonymous upgrades with 401.
//
// For a few payload lengths it sends one valid, masked text frame ({"a":"zz",...}, which
// Easel answers with an error message) in two TCP writes, split inside the 16-bit extended
// payload length (after the first length byte), 50 ms apart, and reports what came back:
// a reply (decoded fine) or a close frame. Cause, as far as it can be read from the jar:
// Armeria's StreamDecoderInput.readUnsignedShort() default method,
//   return (readByte() & 0xFF) << 8 | readByte();
// does not mask the second byte, so when the two length bytes are in different buffers
// and the low byte is >= 0x80 the length comes out negative. Every length with
// (length & 0xFF) >= 0x80 fails; the others pass.

const net = require('net');
const crypto = require('crypto');
const auth = require('./auth');

let accessToken = null;

const url = new URL((process.argv.includes('--url') && process.argv[process.argv.indexOf('--url') + 1]) || 'ws://127.0.0.1:8080/ws');
if (url.hostname !== '127.0.0.1') {
  process.stderr.write('--url must be ws://127.0.0.1:PORT/ws\n');
  process.exit(64);
}

function frame(payload) {
  const mask = crypto.randomBytes(4);
  const header = Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
  const masked = Buffer.from(payload);
  for (let i = 0; i < masked.length; i++) masked[i] ^= mask[i & 3];
  return Buffer.concat([header, mask, masked]);
}

/** Parses server frames (unmasked) out of `buf`; returns [{opcode, payload}], rest. */
function parseFrames(buf) {
  const out = [];
  let off = 0;
  while (buf.length - off >= 2) {
    const opcode = buf[off] & 0x0f;
    let len = buf[off + 1] & 0x7f;
    let hdr = 2;
    if (len === 126) {
      if (buf.length - off < 4) break;
      len = buf.readUInt16BE(off + 2);
      hdr = 4;
    } else if (len === 127) {
      if (buf.length - off < 10) break;
      len = Number(buf.readBigUInt64BE(off + 2));
      hdr = 10;
    }
    if (buf.length - off < hdr + len) break;
    out.push({ opcode, payload: buf.subarray(off + hdr, off + hdr + len) });
    off += hdr + len;
  }
  return [out, buf.subarray(off)];
}

function trial(length) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: url.hostname, port: Number(url.port) || 80 });
    sock.setNoDelay(true);
    const key = crypto.randomBytes(16).toString('base64');
    let buf = Buffer.alloc(0);
    let upgraded = false;
    let result = null;
    const finish = (r) => {
      if (result) return;
      result = r;
      sock.destroy();
      resolve({ length, lowByte: `0x${(length & 0xff).toString(16)}`, ...r });
    };
    setTimeout(() => finish({ outcome: 'no answer in 3 s' }), 3000);
    sock.on('connect', () => {
      sock.write(
        `GET ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${accessToken}\r\n\r\n`,
      );
    });
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (!upgraded) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        if (!/^HTTP\/1\.1 101/.test(buf.toString('latin1', 0, end))) return finish({ outcome: `upgrade refused: ${buf.toString('latin1', 0, end).split('\r\n')[0]}` });
        upgraded = true;
        buf = buf.subarray(end + 4);
        setTimeout(() => {
          const base = '{"a":"zz","pad":""}';
          const payload = Buffer.from(base.replace('""', `"${'x'.repeat(length - base.length)}"`));
          const f = frame(payload);
          sock.write(f.subarray(0, 3)); // FIN/opcode, mask bit + 126, high length byte
          setTimeout(() => sock.write(f.subarray(3)), 50);
        }, 200);
      }
      const [frames, rest] = parseFrames(buf);
      buf = rest;
      for (const fr of frames) {
        if (fr.opcode === 0x8) {
          const code = fr.payload.length >= 2 ? fr.payload.readUInt16BE(0) : 0;
          return finish({ outcome: `closed ${code} ${fr.payload.subarray(2).toString()}` });
        }
        const text = fr.payload.toString();
        if (text.includes('"zz"')) return finish({ outcome: `answered: ${text.slice(0, 100)}` });
      }
    });
    sock.on('error', (e) => finish({ outcome: `socket error ${e.message}` }));
    sock.on('close', () => finish({ outcome: 'socket closed without a close frame' }));
  });
}

(async () => {
  accessToken = (await auth.signUp(url.href, 'frame-split-repro')).accessToken;
  let failures = 0;
  for (const length of [200, 300, 383, 384, 1000, 1100]) {
    const r = await trial(length);
    const bad = !r.outcome.startsWith('answered');
    if (bad) failures++;
    process.stdout.write(`${JSON.stringify(r)}\n`);
  }
  process.stderr.write(`${failures} of 6 valid frames were refused\n`);
  process.exit(0);
})();
