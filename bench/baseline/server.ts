// The baseline: bare mediasoup with just enough signalling for the bench's
// synthetic peers. One worker (or BASELINE_WORKERS) with a WebRtcServer, a
// router per room, WebRtcTransports and media socket buffers with the same
// settings as Stagecast, and the subset of Stagecast's Socket.io protocol
// the peers use (same event names and ack shapes), so the very same peers
// drive both servers.
// Nothing else: no accounts, database, speaking observers or quality
// controller. Stagecast ÷ this = what Stagecast's own work costs.
//
// Prints `BASELINE READY {"url":…,"workerPids":[…],"socketBufferBytes":…}`
// when listening; stops on SIGINT/SIGTERM.
/* eslint-disable no-console -- a command-line server reports readiness on stdout */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import { Server, type Socket } from 'socket.io';
import { routerMediaCodecs } from '../../sfu/mediaCodecs.ts';
import { mediaSocketBufferBytes, socketBufferListenOptions } from './socketBuffers.ts';

/** Same figures Stagecast's MediaRoom uses, so transports behave alike. */
const INITIAL_OUTGOING_BITRATE = 1_000_000;
const MAX_INCOMING_BITRATE = 4_000_000;

type Ack = (response: { ok: true; data: unknown } | { ok: false; error: { code: string; message: string } }) => void;

interface Room {
  router: types.Router;
  webRtcServer: types.WebRtcServer;
  peers: Map<string, Peer>;
}

interface Peer {
  id: string;
  socket: Socket;
  rtpCapabilities: types.RtpCapabilities | undefined;
  transports: Map<string, types.WebRtcTransport>;
  recvTransport: types.WebRtcTransport | undefined;
  producers: Map<string, types.Producer>;
  consumers: Map<string, types.Consumer>;
}

const workerCount = Math.max(1, Number(process.env.BASELINE_WORKERS ?? 1));
/**
 * Stagecast's media socket buffers (RTC_SOCKET_BUFFER_BYTES, 4 MiB by
 * default): on loopback the buffer, not the CPU, decides when datagrams are
 * dropped, so a baseline on the OS default would not be comparable.
 */
const socketBufferBytes = mediaSocketBufferBytes();
const socketBuffers = socketBufferListenOptions(socketBufferBytes);
const workers: { worker: types.Worker; webRtcServer: types.WebRtcServer }[] = [];
for (let index = 0; index < workerCount; index++) {
  const worker = await mediasoup.createWorker({ logLevel: 'warn' });
  worker.on('died', () => {
    console.error('baseline: mediasoup worker died');
    process.exit(1);
  });
  const webRtcServer = await worker.createWebRtcServer({
    listenInfos: [
      { protocol: 'udp', ip: '127.0.0.1', ...socketBuffers },
      { protocol: 'tcp', ip: '127.0.0.1', ...socketBuffers },
    ],
  });
  workers.push({ worker, webRtcServer });
}

const rooms = new Map<string, Promise<Room>>();
let nextWorker = 0;

function roomOf(roomId: string): Promise<Room> {
  let room = rooms.get(roomId);
  if (!room) {
    const { worker, webRtcServer } = workers[nextWorker++ % workers.length]!;
    room = worker
      .createRouter({ mediaCodecs: routerMediaCodecs })
      .then((router) => ({ router, webRtcServer, peers: new Map() }));
    rooms.set(roomId, room);
  }
  return room;
}

const httpServer = http.createServer();
const io = new Server(httpServer, { transports: ['websocket'] });

io.on('connection', (socket) => {
  const token = (socket.handshake.auth as { token?: unknown }).token;
  const peer: Peer = {
    id: typeof token === 'string' && token ? token : socket.id,
    socket,
    rtpCapabilities: undefined,
    transports: new Map(),
    recvTransport: undefined,
    producers: new Map(),
    consumers: new Map(),
  };
  let roomId: string | undefined;
  let room: Room | undefined;

  const on = (event: string, handler: (payload: Record<string, unknown>) => Promise<unknown> | unknown) => {
    socket.on(event, async (payload: Record<string, unknown>, ack: Ack) => {
      if (typeof ack !== 'function') return;
      try {
        ack({ ok: true, data: await handler(payload ?? {}) });
      } catch (error) {
        ack({ ok: false, error: { code: 'INVALID_INPUT', message: (error as Error).message } });
      }
    });
  };
  const joined = (): Room => {
    if (!room) throw new Error('join first');
    return room;
  };

  on('webrtc:router-capabilities', async ({ sessionId }) => (await roomOf(String(sessionId))).router.rtpCapabilities);

  on('multihost:join', async ({ sessionId, rtpCapabilities }) => {
    roomId = String(sessionId);
    room = await roomOf(roomId);
    peer.rtpCapabilities = rtpCapabilities as types.RtpCapabilities;
    room.peers.set(peer.id, peer);
    await socket.join(roomId);
    const hosts = [...room.peers.values()].map((other) => ({
      userId: other.id,
      tracks: [...other.producers.values()].map((producer) => ({
        producerId: producer.id,
        source: producer.kind === 'video' ? 'camera' : 'microphone',
        kind: producer.kind,
        paused: producer.paused,
      })),
    }));
    return { session: { id: roomId, hosts }, you: { userId: peer.id, role: 'co-host' }, iceServers: [] };
  });

  on('webrtc:create-transport', async ({ direction }) => {
    const { router, webRtcServer } = joined();
    const transport = await router.createWebRtcTransport({
      webRtcServer,
      enableUdp: true,
      enableTcp: true,
      preferUdp: true,
      initialAvailableOutgoingBitrate: INITIAL_OUTGOING_BITRATE,
    });
    if (direction === 'send') await transport.setMaxIncomingBitrate(MAX_INCOMING_BITRATE);
    else peer.recvTransport = transport;
    peer.transports.set(transport.id, transport);
    return {
      id: transport.id,
      iceParameters: transport.iceParameters,
      iceCandidates: transport.iceCandidates,
      dtlsParameters: transport.dtlsParameters,
    };
  });

  on('webrtc:connect-transport', async ({ transportId, dtlsParameters }) => {
    await transportOf(String(transportId)).connect({ dtlsParameters: dtlsParameters as types.DtlsParameters });
    return null;
  });

  on('webrtc:produce', async ({ transportId, kind, rtpParameters }) => {
    const producer = await transportOf(String(transportId)).produce({
      kind: kind as types.MediaKind,
      rtpParameters: rtpParameters as types.RtpParameters,
    });
    peer.producers.set(producer.id, producer);
    const track = {
      producerId: producer.id,
      source: producer.kind === 'video' ? 'camera' : 'microphone',
      kind: producer.kind,
      paused: false,
    };
    socket.to(roomId!).emit('webrtc:new-producer', { sessionId: roomId, userId: peer.id, track });
    return { producerId: producer.id };
  });

  on('webrtc:consume', async ({ producerId }) => {
    joined();
    const recv = peer.recvTransport;
    if (!recv || !peer.rtpCapabilities) throw new Error('create the recv transport first');
    const consumer = await recv.consume({
      producerId: String(producerId),
      rtpCapabilities: peer.rtpCapabilities,
      paused: true,
    });
    peer.consumers.set(consumer.id, consumer);
    consumer.on('producerclose', () => {
      peer.consumers.delete(consumer.id);
      socket.emit('webrtc:consumer-closed', { consumerId: consumer.id });
    });
    return {
      id: consumer.id,
      producerId: consumer.producerId,
      userId: '',
      source: consumer.kind === 'video' ? 'camera' : 'microphone',
      kind: consumer.kind,
      rtpParameters: consumer.rtpParameters,
      producerPaused: consumer.producerPaused,
    };
  });

  on('webrtc:resume-consumer', async ({ consumerId }) => {
    await consumerOf(String(consumerId)).resume();
    return null;
  });

  // The tile height picks the spatial layer, as Stagecast's decision does
  // without a bandwidth estimate: the smallest layer covering the tile with
  // ≤ 25 % upscaling (180 → up to 225 px, 360 → up to 450 px, else 720).
  on('webrtc:adapt-quality', async ({ consumers }) => {
    for (const tile of (consumers ?? []) as { consumerId: string; height: number }[]) {
      const consumer = peer.consumers.get(tile.consumerId);
      if (!consumer || consumer.type !== 'simulcast') continue;
      const spatialLayer = tile.height <= 225 ? 0 : tile.height <= 450 ? 1 : 2;
      await consumer.setPreferredLayers({ spatialLayer });
    }
    return null;
  });

  on('multihost:leave', () => {
    leave();
    return null;
  });

  socket.on('disconnect', () => leave());

  function transportOf(transportId: string): types.WebRtcTransport {
    const transport = peer.transports.get(transportId);
    if (!transport) throw new Error(`no transport ${transportId}`);
    return transport;
  }

  function consumerOf(consumerId: string): types.Consumer {
    const consumer = peer.consumers.get(consumerId);
    if (!consumer) throw new Error(`no consumer ${consumerId}`);
    return consumer;
  }

  function leave(): void {
    for (const transport of peer.transports.values()) transport.close();
    peer.transports.clear();
    peer.recvTransport = undefined;
    peer.producers.clear();
    peer.consumers.clear();
    if (room?.peers.get(peer.id) === peer) room.peers.delete(peer.id);
    if (room && room.peers.size === 0 && roomId) {
      room.router.close();
      rooms.delete(roomId);
    }
    room = undefined;
  }
});

await new Promise<void>((resolve) => httpServer.listen(Number(process.env.PORT ?? 0), '127.0.0.1', resolve));
const { port } = httpServer.address() as AddressInfo;
console.log(
  `BASELINE READY ${JSON.stringify({ url: `http://127.0.0.1:${port}`, workerPids: workers.map(({ worker }) => worker.pid), socketBufferBytes })}`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    io.close();
    for (const { worker } of workers) worker.close();
    process.exit(0);
  });
}
