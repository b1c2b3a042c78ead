'use strict';
// GraphQL subscriptions on Easel's /graphql with the real `graphql-ws` client (protocol
// graphql-transport-ws): canvasOps receives every op submitted over REST (and one submitted as a
// mutation over the same socket) once, in order; projectActivity first gives the latest entry, then
// what happens; a stranger's subscription is refused with NOT_FOUND. Raw `ws` sockets check the
// upgrade (401 without a credential, 403 from another site's page) and the protocol's close codes.
// With --viewer (a member's token and --viewer-id): the viewer's activity subscription ends with
// NOT_FOUND once the owner removes them. With --session and --session-refresh (a sign-in's tokens):
// signing out closes that sign-in's socket with 4403.
// Prints one JSON line; exits non-zero with a FAIL line on any problem.
//
//   node graphql-subscriptions.js --url http://127.0.0.1:8080 --token T --stranger S \
//        --project P --canvas C [--viewer V --viewer-id U] [--session A --session-refresh R] \
//        [--ops 8] [--timeout 90]

const { createClient } = require('graphql-ws');
const { WebSocket, parseArgs, fatal, succeed, startWatchdog, log } = require('./lib/common');

const args = parseArgs(process.argv.slice(2), {
  url: 'http://127.0.0.1:8080',
  token: '',
  stranger: '',
  project: '',
  canvas: '',
  viewer: '',
  'viewer-id': '',
  session: '',
  'session-refresh': '',
  ops: 8,
  timeout: 90,
});
for (const required of ['token', 'stranger', 'project', 'canvas']) {
  if (!args[required]) fatal(`--${required} is required`, 2);
}
const watchdog = startWatchdog(args.timeout);
const wsUrl = `${args.url.replace(/^http/, 'ws')}/graphql`;
const PROTOCOL = 'graphql-transport-ws';

/** A `ws` WebSocket class whose upgrade carries `token`, for graphql-ws's webSocketImpl. */
function socketWith(token) {
  return class extends WebSocket {
    constructor(address, protocols) {
      super(address, protocols, { headers: { authorization: `Bearer ${token}` } });
    }
  };
}

/** Opens a raw socket and resolves with how the upgrade or the socket ended. */
function rawSocket(headers, onOpen) {
  return new Promise((resolve) => {
    const socket = new WebSocket(wsUrl, PROTOCOL, { headers });
    socket.on('unexpected-response', (request, response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode, body }));
    });
    socket.on('open', () => onOpen && onOpen(socket));
    socket.on('close', (code, reason) => resolve({ close: code, reason: reason.toString() }));
    socket.on('error', (error) => log('raw socket error', error.message));
  });
}

async function rest(method, path, body, token = args.token) {
  const response = await fetch(`${args.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) fatal(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

/** Runs one operation over the client; resolves with its results, rejects with its errors. */
function once(client, payload) {
  return new Promise((resolve, reject) => {
    const results = [];
    client.subscribe(payload, {
      next: (value) => results.push(value),
      error: reject,
      complete: () => resolve(results),
    });
  });
}

async function main() {
  const bearer = { authorization: `Bearer ${args.token}` };

  watchdog.step('upgrade refusals');
  const refusals = {
    noCredential: (await rawSocket({})).status,
    foreignOrigin: (await rawSocket({ ...bearer, origin: 'https://evil.example' })).status,
  };

  watchdog.step('protocol errors');
  const protocol = {
    subscribeBeforeInit: (
      await rawSocket(bearer, (s) =>
        s.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ viewer { email } }' } })),
      )
    ).close,
    doubleInit: (
      await rawSocket(bearer, (s) => {
        s.send(JSON.stringify({ type: 'connection_init' }));
        s.send(JSON.stringify({ type: 'connection_init' }));
      })
    ).close,
    notJson: (await rawSocket(bearer, (s) => s.send('{"type": '))).close,
  };
  protocol.duplicateId = (
    await rawSocket(bearer, (s) => {
      const subscribe = {
        id: 'same',
        type: 'subscribe',
        payload: { query: `subscription { canvasOps(canvasId: "${args.canvas}") { version } }` },
      };
      s.send(JSON.stringify({ type: 'connection_init' }));
      s.send(JSON.stringify(subscribe));
      s.send(JSON.stringify(subscribe));
    })
  ).close;

  watchdog.step('subscribing');
  const client = createClient({
    url: wsUrl,
    webSocketImpl: socketWith(args.token),
    retryAttempts: 0,
    lazy: true,
  });
  const ops = [];
  const activity = [];
  let failure = null;
  let opsComplete = false;
  client.subscribe(
    {
      query:
        'subscription($c: ID!) { canvasOps(canvasId: $c, fromVersion: 1) { canvasId version op src seq author time } }',
      variables: { c: args.canvas },
    },
    {
      next: (value) => {
        if (value.errors) failure = `canvasOps sent errors: ${JSON.stringify(value.errors)}`;
        else ops.push(value.data.canvasOps);
      },
      error: (error) => (failure = `canvasOps failed: ${JSON.stringify(error)}`),
      complete: () => (opsComplete = true),
    },
  );
  client.subscribe(
    {
      query:
        'subscription($p: ID!) { projectActivity(projectId: $p, recent: 1) { kind name actorUserId actorDisplayName canvasId } }',
      variables: { p: args.project },
    },
    {
      next: (value) => activity.push(value.data.projectActivity),
      error: (error) => (failure = `projectActivity failed: ${JSON.stringify(error)}`),
      complete: () => {},
    },
  );

  // The stranger's subscription: refused as if the canvas did not exist.
  const strangers = createClient({
    url: wsUrl,
    webSocketImpl: socketWith(args.stranger),
    retryAttempts: 0,
    lazy: true,
  });
  const strangerError = await new Promise((resolve) => {
    strangers.subscribe(
      {
        query: 'subscription($c: ID!) { canvasOps(canvasId: $c) { version op } }',
        variables: { c: args.canvas },
      },
      {
        next: (value) => resolve({ unexpected: value }),
        error: (errors) => resolve(Array.isArray(errors) ? errors[0] : { notErrors: String(errors) }),
        complete: () => resolve({ completedWithoutError: true }),
      },
    );
  });
  await strangers.dispose();

  watchdog.step('the first activity entry');
  while (activity.length < 1 && !failure) await new Promise((r) => setTimeout(r, 50));

  watchdog.step('submitting ops over REST');
  const sent = [];
  let version = (await rest('GET', `/v1/canvases/${args.canvas}`)).version;
  for (let i = 0; i < args.ops; i++) {
    const text = `op${i} `;
    const answer = await rest('POST', `/v1/canvases/${args.canvas}/ops`, {
      version: String(version),
      op: [{ p: ['title', 0], si: text }],
      src: 'graphql-it',
      seq: String(i + 1),
    });
    sent.push(text);
    version = Number(answer.version) + 1;
  }
  watchdog.step('submitting an op as a mutation over the socket');
  const mutation = await once(client, {
    query:
      'mutation($c: ID!, $v: Int64!, $op: JSON!) { submitOp(canvasId: $c, version: $v, op: $op) { version } }',
    variables: { c: args.canvas, v: version, op: [{ p: ['title', 0], si: 'socket ' }] },
  });
  sent.push('socket ');

  watchdog.step('renaming the project');
  await rest('PATCH', `/v1/projects/${args.project}`, { name: 'Watched' });

  watchdog.step(`receiving ${sent.length} ops and the rename`);
  while (
    !failure &&
    (ops.length < sent.length || !activity.some((entry) => entry.kind === 'renamed'))
  ) {
    await new Promise((r) => setTimeout(r, 50));
  }
  if (failure) fatal(failure);
  // A live subscription never completes by itself; disposing of the client completes it.
  const completedByItself = opsComplete;
  await client.dispose();

  let viewerEnd = null;
  if (args.viewer) {
    watchdog.step("the viewer's activity subscription");
    const viewers = createClient({
      url: wsUrl,
      webSocketImpl: socketWith(args.viewer),
      retryAttempts: 0,
      lazy: true,
    });
    const seen = [];
    const ended = new Promise((resolve) => {
      viewers.subscribe(
        { query: `subscription { projectActivity(projectId: "${args.project}", recent: 1) { kind } }` },
        {
          next: (value) => seen.push(value.data.projectActivity.kind),
          error: (errors) => resolve(Array.isArray(errors) ? errors[0] : { notErrors: String(errors) }),
          complete: () => resolve({ completedWithoutError: true }),
        },
      );
    });
    while (seen.length < 1) await new Promise((r) => setTimeout(r, 50));
    watchdog.step('removing the viewer; their subscription must end');
    const response = await fetch(`${args.url}/v1/projects/${args.project}/members/${args['viewer-id']}`, {
      method: 'DELETE',
      headers: bearer,
    });
    if (!response.ok) fatal(`removing the viewer: ${response.status} ${await response.text()}`);
    viewerEnd = { seen, error: await ended };
    await viewers.dispose();
  }

  let signedOut = null;
  if (args.session) {
    watchdog.step('a socket of a sign-in that then signs out');
    let closed = null;
    const session = createClient({
      url: wsUrl,
      webSocketImpl: socketWith(args.session),
      retryAttempts: 0,
      lazy: true,
      on: { closed: (event) => (closed = { code: event.code, reason: event.reason }) },
    });
    let acknowledged = false;
    session.subscribe(
      { query: `subscription { canvasOps(canvasId: "${args.canvas}") { version } }` },
      { next: () => (acknowledged = true), error: () => {}, complete: () => {} },
    );
    while (!acknowledged) await new Promise((r) => setTimeout(r, 50));
    const logout = await fetch(`${args.url}/v1/auth:logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: args['session-refresh'] }),
    });
    if (!logout.ok) fatal(`signing out: ${logout.status} ${await logout.text()}`);
    watchdog.step('the signed-out socket to close');
    while (!closed) await new Promise((r) => setTimeout(r, 50));
    signedOut = closed;
    await session.dispose();
  }

  watchdog.stop();

  const versions = ops.map((op) => Number(op.version));
  const received = ops.map((op) => op.op[0].si);
  const inOrder = versions.every((v, i) => v === i + 1);
  const same = JSON.stringify(received) === JSON.stringify(sent);
  const result = {
    ok: inOrder && same && !completedByItself,
    versions,
    received,
    sent,
    first: ops[0],
    mutation,
    activity,
    strangerError,
    viewerEnd,
    signedOut,
    refusals,
    protocol,
  };
  if (!result.ok) fatal(`ops out of order or not as sent: ${JSON.stringify(result)}`);
  succeed(result);
}

main().catch((error) => fatal(error && error.stack ? error.stack : String(error)));
