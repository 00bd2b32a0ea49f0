// One Stagecast node in-process: /health, /metrics and the typed socket
// protocol, including what a client gets for bad input.
// run-tests: shares the machine
import { io } from 'socket.io-client';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startTestServer, type TestServer } from '../testkit/testServer.ts';

let server: TestServer;

test.before(async () => {
  server = await startTestServer({ MEDIASOUP_WORKERS: '2', CORS_ORIGINS: 'https://studio.example.com' });
});
test.after(async () => {
  await server.close();
});

test('GET /health lists every worker with its pid and liveness', async () => {
  const response = await fetch(`${server.url}/health`);
  assert.is(response.status, 200);
  const body = (await response.json()) as {
    status: string;
    database: string;
    workers: { pid: number; alive: boolean }[];
  };
  assert.is(body.status, 'ok');
  assert.is(body.database, 'up');
  assert.is(body.workers.length, 2);
  assert.ok(body.workers.every((worker) => worker.alive && worker.pid > 0));
});

test('GET /metrics exposes mediasoup and signalling gauges in Prometheus format', async () => {
  const response = await fetch(`${server.url}/metrics`);
  assert.is(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  const text = await response.text();
  assert.match(text, /^stagecast_mediasoup_workers 2$/m);
  for (const name of ['routers', 'transports', 'producers', 'consumers']) {
    assert.match(text, new RegExp(`^stagecast_mediasoup_${name} 0$`, 'm'));
  }
  assert.match(text, /^stagecast_socket_connections \d+$/m);
  for (const cause of ['exited', 'stalled', 'lagging']) {
    assert.match(text, new RegExp(`^stagecast_compositor_restarts_total\\{cause="${cause}"\\} 0$`, 'm'));
  }
});

test('the home page is served, and unknown paths fall back to the app', async () => {
  for (const path of ['/', '/watch/some-session']) {
    const response = await fetch(`${server.url}${path}`);
    assert.is(response.status, 200);
    assert.match(await response.text(), /<title>Stagecast<\/title>/);
  }
});

test('server:info answers over Socket.io; bad input gets INVALID_INPUT and the server stays up', async () => {
  const socket = io(server.url, { transports: ['websocket'], forceNew: true });
  try {
    const info = await socket.timeout(5000).emitWithAck('server:info', {});
    assert.equal(info, { ok: true, data: { version: '0.1.0', workers: 2 } });

    const bad = await socket.timeout(5000).emitWithAck('server:info', { unexpected: true } as never);
    assert.is(bad.ok, false);
    assert.is(!bad.ok && bad.error.code, 'INVALID_INPUT');

    // A request without an ack callback is ignored, not a crash.
    socket.emit('server:info' as never);
    const again = await socket.timeout(5000).emitWithAck('server:info', {});
    assert.is(again.ok, true);
  } finally {
    socket.disconnect();
  }
});

test('a client flooding requests is rate limited, others are not', async () => {
  const flooder = io(server.url, { transports: ['websocket'], forceNew: true });
  const other = io(server.url, { transports: ['websocket'], forceNew: true });
  try {
    const responses = await Promise.all(
      Array.from({ length: 150 }, () => flooder.timeout(5000).emitWithAck('server:info', {})),
    );
    const limited = responses.filter((response) => !response.ok && response.error.code === 'RATE_LIMITED').length;
    assert.ok(limited >= 40 && limited <= 50, `limited ${limited} of 150`);
    assert.is((await other.timeout(5000).emitWithAck('server:info', {})).ok, true);
  } finally {
    flooder.disconnect();
    other.disconnect();
  }
});

test('security headers everywhere; CORS only for the configured origins', async () => {
  const page = await fetch(`${server.url}/`);
  // The policy exactly (helmet's defaults would add directives).
  assert.is(
    page.headers.get('content-security-policy'),
    [
      "default-src 'self'",
      // WebAssembly for the studio's segmentation model (docs/effects.md); no JS eval.
      "script-src 'self' 'wasm-unsafe-eval'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data: blob:",
      "media-src 'self' blob:",
      "worker-src 'self' blob:",
      "connect-src 'self' ws: wss:",
      "frame-ancestors 'none'",
      "base-uri 'self'",
      "form-action 'self'",
    ].join(';'),
  );
  assert.is(page.headers.get('referrer-policy'), 'strict-origin-when-cross-origin');
  assert.is(page.headers.get('cross-origin-opener-policy'), 'same-origin');
  assert.is(page.headers.get('x-content-type-options'), 'nosniff');
  assert.is(page.headers.get('x-frame-options'), 'DENY');

  const preflight = (origin: string) =>
    fetch(`${server.url}/api/multihost`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST' },
    });
  const allowed = await preflight('https://studio.example.com');
  assert.is(allowed.status, 204);
  assert.is(allowed.headers.get('access-control-allow-origin'), 'https://studio.example.com');
  const other = await preflight('https://evil.example.net');
  assert.is(other.headers.get('access-control-allow-origin'), null);
});

test.run();
