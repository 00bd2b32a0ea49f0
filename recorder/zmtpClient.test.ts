// run-tests: alone (it checks timings against the clock)
// The ZMTP client against peers that are not FFmpeg: it must never leave
// its caller waiting (the scene commander retries on a rejection, but not
// on a promise that never settles). Real TCP sockets on loopback.
import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ZmtpClient } from './zmtpClient.ts';

/** The error a connection attempt ends with (fails the test if it connects). */
async function connectError(port: number, timeoutMs?: number): Promise<string> {
  const client = await ZmtpClient.connect(port, '127.0.0.1', timeoutMs).then(
    (connected) => connected,
    (error: unknown) => error,
  );
  if (client instanceof ZmtpClient) {
    client.close();
    assert.unreachable('connected');
  }
  return String(client);
}

async function listen(onConnection: (socket: net.Socket) => void): Promise<{ port: number; close(): void }> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close() {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

test('nobody listening: rejected at once', async () => {
  const { port, close } = await listen(() => undefined);
  close();
  assert.match(await connectError(port), /ECONNREFUSED/);
});

test('a peer that closes before the handshake: rejected', async () => {
  const peer = await listen((socket) => socket.end());
  try {
    assert.match(await connectError(peer.port), /closed/);
  } finally {
    peer.close();
  }
});

test('a peer that never answers the greeting: rejected after the timeout', async () => {
  const peer = await listen(() => undefined);
  try {
    const startedAt = Date.now();
    assert.match(await connectError(peer.port, 300), /timed out/);
    assert.ok(Date.now() - startedAt < 2000);
  } finally {
    peer.close();
  }
});

test('a peer that is not ZMTP: rejected', async () => {
  const peer = await listen((socket) => socket.write('HTTP/1.1 400 Bad Request\r\n\r\n'.padEnd(80, ' ')));
  try {
    assert.match(await connectError(peer.port), /not a ZMTP peer/);
  } finally {
    peer.close();
  }
});

test.run();
