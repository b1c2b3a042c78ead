'use strict';
// --viewer-check (concurrent-edits.js, presence.js): a second user is added to the
// signed-in session's project as `viewer` and connects with their own token. A
// viewer must be able to subscribe and see the edits of others, and their own
// submitOp must be refused: the server answers the op with an error, the submitOp
// callback gets an error, the client rolls the doc back, and the server's copy is
// unchanged. Nothing here is fatal: every problem is collected in `result.problems`
// so the script can finish its own checks first and then report them all.
//
// Passes only once the server enforces project roles on ops.

const crypto = require('crypto');
const c = require('./common');

const ANSWER_MS = 10000; // how long the viewer's op may go unanswered
const SEE_MS = 15000; // how long the viewer may take to catch up with the editors

class ViewerCheck {
  constructor(url, canvasId, label) {
    this.url = url;
    this.canvasId = canvasId;
    this.label = label;
    this.conn = null;
    this.doc = null;
    this.result = { user: null, role: 'viewer', connected: false, subscribed: false, subscribedAt: null, seesEdits: null, submit: null, problems: [] };
  }

  problem(text) {
    this.result.problems.push(text);
  }

  /** Registers the viewer, adds them to the project, connects with their token and subscribes. */
  async start(session, { script, seed }) {
    const r = this.result;
    let user;
    try {
      user = await session.newMember('viewer', { script, seed, who: 'viewer' });
    } catch (e) {
      this.problem(`could not register the viewer or add them to project ${session.projectId}: ${e.message}`);
      return this;
    }
    r.user = { userId: user.userId, email: user.email };
    this.conn = c.openConnection(this.url, this.label, {
      token: user.accessToken,
      onError: (err) => this.problem(`viewer connection emitted error: ${err && err.code} ${err && err.message}`),
    });
    try {
      await c.waitConnected(this.conn);
      r.connected = true;
    } catch (e) {
      this.problem(`viewer could not connect with their token: ${e.message}`);
      return this;
    }
    this.doc = this.conn.get(c.COLLECTION, this.canvasId);
    this.doc.on('error', (err) => this.problem(`viewer doc emitted error: ${err && err.code} ${err && err.message}`));
    try {
      await c.subscribe(this.doc);
      if (!this.doc.type) throw new Error(`subscribed, but the canvas does not exist (type ${this.doc.type})`);
      r.subscribed = true;
      r.subscribedAt = this.doc.version;
    } catch (e) {
      this.problem(`viewer could not subscribe to ${this.canvasId}: ${e.message}`);
    }
    return this;
  }

  /** The viewer's subscribed doc must reach `ref.v` and equal `ref.data` (what the editors made). */
  async expectSees(ref, what = 'the editors\' ops') {
    if (!this.result.subscribed) return;
    const deadline = Date.now() + SEE_MS;
    await c.until(() => this.doc.version >= ref.v || Date.now() > deadline);
    const diff = this.doc.version === ref.v ? c.describeDiff(this.doc.data, ref.data) : null;
    const seen = { version: this.doc.version, expected: ref.v };
    if (this.doc.version !== ref.v) {
      this.problem(`viewer did not see ${what}: at version ${this.doc.version} after ${SEE_MS / 1000}s, the server is at ${ref.v}`);
      seen.ok = false;
    } else if (diff) {
      this.problem(`viewer's copy differs from the server's at version ${ref.v}: ${diff}`);
      seen.ok = false;
    } else {
      seen.ok = true;
    }
    this.result.seesEdits = seen;
  }

  /**
   * The viewer submits one op (a marker inserted into the title). Expected: an error
   * reply, an error in the callback, the doc rolled back, the server's copy unchanged
   * (checked with a fresh fetch as the owner).
   */
  async trySubmit() {
    if (!this.result.subscribed) {
      this.problem('submitOp not tried: the viewer is not subscribed');
      return;
    }
    const doc = this.doc;
    const conn = this.conn;
    await c.whenNothingPending(doc);
    const before = { v: doc.version, data: c.clone(doc.data) };
    const marker = `«viewer·${crypto.randomBytes(3).toString('hex')}»`;
    const op = [{ p: ['title', 0], si: marker }];
    const s = { op, versionBefore: before.v, reply: null, callback: null, rolledBack: null, serverVersion: null, serverHasEdit: null, refused: false };
    this.result.submit = s;

    let sentSeq = null;
    const onSend = (msg) => {
      if (sentSeq === null && msg && msg.a === 'op' && msg.d === this.canvasId && JSON.stringify(msg.op || []).includes(marker)) sentSeq = msg.seq;
    };
    const onReceive = (req) => {
      const m = req && req.data;
      if (s.reply || !m || m.a !== 'op' || m.d !== this.canvasId || sentSeq === null || m.seq !== sentSeq) return;
      if (m.src && m.src !== conn.id) return; // someone else's op with the same seq
      s.reply = m.error ? { error: { code: m.error.code, message: c.truncate(String(m.error.message), 300) } } : { ack: true, v: m.v };
    };
    conn.on('send', onSend);
    conn.on('receive', onReceive);
    const answered = await new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), ANSWER_MS);
      doc.submitOp(op, (err) => {
        clearTimeout(t);
        s.callback = err ? { error: { code: err.code, message: c.truncate(String(err.message), 300) } } : { error: null };
        resolve(true);
      });
    });
    conn.removeListener('send', onSend);
    conn.removeListener('receive', onReceive);

    // The client's copy after the answer (an accepted op stays applied, a refused one is inverted).
    if (answered) {
      const deadline = Date.now() + 2000;
      await c.until(() => (!doc.inflightOp && !doc.pendingOps.length) || Date.now() > deadline);
    }
    const localHasEdit = JSON.stringify(doc.data || null).includes(marker);
    s.rolledBack = !localHasEdit && doc.version === before.v && !c.describeDiff(doc.data, before.data);
    s.viewerVersionAfter = doc.version;

    // The server's copy, fetched by the owner (the module-level token).
    try {
      const ref = await c.freshFetch(this.url, this.canvasId, 'viewer-check-owner');
      s.serverVersion = ref.v;
      s.serverHasEdit = JSON.stringify(ref.data).includes(marker);
    } catch (e) {
      this.problem(`could not fetch ${this.canvasId} as the owner after the viewer's op: ${e.message}`);
    }

    const replyErr = s.reply && s.reply.error;
    const cbErr = s.callback && s.callback.error;
    s.refused = !!(replyErr || cbErr);
    if (!answered) {
      this.problem(`viewer's submitOp got no answer within ${ANSWER_MS / 1000}s (expected an error reply)${s.serverHasEdit ? '; the server applied it' : ''}`);
    } else if (!s.refused) {
      this.problem(`viewer's submitOp was ACCEPTED (acked${s.reply && s.reply.v !== undefined ? ` at version ${s.reply.v}` : ''}; the server is now at version ${s.serverVersion} with the viewer's edit${s.serverHasEdit ? '' : ' NOT'} in it): the server does not enforce project roles on ops yet`);
    } else {
      if (!replyErr) this.problem(`viewer's submitOp callback got ${cbErr.code} but no error reply to the op was seen on the socket`);
      if (!cbErr) {
        this.problem(`the server refused the viewer's op (${replyErr.code}: ${replyErr.message}) but the submitOp callback got no error${replyErr.code === 'ERR_OP_SUBMIT_REJECTED' ? ' (sharedb treats ERR_OP_SUBMIT_REJECTED as a silent rollback: use another code)' : ''}`);
      }
      if (!s.rolledBack) {
        this.problem(`after the refusal the viewer's doc was not rolled back: version ${before.v} -> ${doc.version}${localHasEdit ? ', still holds the edit' : ''}${c.describeDiff(doc.data, before.data) ? `, ${c.describeDiff(doc.data, before.data)}` : ''}`);
      }
      if (s.serverHasEdit || (s.serverVersion !== null && s.serverVersion !== before.v)) {
        this.problem(`the op was refused, yet the server's copy changed: version ${before.v} -> ${s.serverVersion}${s.serverHasEdit ? ', with the viewer\'s edit in it' : ''}`);
      }
    }
  }

  close() {
    if (this.conn) c.closeQuietly(this.conn);
  }

  get ok() {
    return this.result.problems.length === 0;
  }
}

/**
 * Reports the viewer check. On problems: prints the script's result line with
 * ok:false and the details, and exits 1 with a FAIL line naming every problem.
 * Otherwise returns the details for the script's result line.
 */
function finish(check, result) {
  const details = Object.assign({ ok: check.ok }, check.result);
  if (check.ok) return details;
  const out = Object.assign({}, result, { ok: false, viewerCheck: details });
  process.stdout.write(`${JSON.stringify(out)}\n`);
  c.fatal(`--viewer-check: the ${check.result.problems.length === 1 ? 'check' : 'checks'} of the viewer failed (the rest of the script passed):\n  ${check.result.problems.join('\n  ')}`);
  return details;
}

module.exports = { ViewerCheck, finish };
