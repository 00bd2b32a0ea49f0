// MediaRoom, MediaPeer and QualityController against the real mediasoup
// worker, without the Stagecast server: werift peers connect over real
// ICE/DTLS/SRTP, publish VP8 simulcast and Opus, and receive RTP. One pool
// serves every case; the worker-death case runs last (it kills the worker).
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RtpPacket } from 'werift';
import { openMediasoupLink, prepareCertificate, type MediasoupLink } from '../testkit/mediasoupLink.ts';
import { randomSsrc, syntheticReceiveCapabilities, TRANSPORT_CC_URI } from '../testkit/rtpParameters.ts';
import { SyntheticRtpPublisher } from '../testkit/syntheticRtpPublisher.ts';
import { TransportCcRecorder, transportSequenceNumberOf } from '../testkit/transportCc.ts';
import { waitFor } from '../testkit/waitFor.ts';
import { startLoopbackWorkerPool } from '../testkit/workerPool.ts';
import { MediaError } from './MediaError.ts';
import type { MediaPeer } from './MediaPeer.ts';
import { MediaRoom } from './MediaRoom.ts';
import type { ConsumerParams, PeerConsumer, TransportDirection } from './MediaRoomTypes.ts';
import { QualityController, type VideoDelivery } from './quality/QualityController.ts';
import type { WorkerPool } from './WorkerPool.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const CONNECT_TIMEOUT_MS = 5000;
const MEDIA_TIMEOUT_MS = 5000;
/** mediasoup's bandwidth probe packets (padding) come on this SSRC. */
const PROBATION_SSRC = 1234;

let pool: WorkerPool;
const links: MediasoupLink[] = [];
const publishers: SyntheticRtpPublisher[] = [];
const rooms: MediaRoom[] = [];
let nextRoom = 0;

test.before(async () => {
  pool = await startLoopbackWorkerPool(46000, logger);
  await prepareCertificate();
});

test.after.each(async () => {
  for (const publisher of publishers.splice(0)) publisher.stop();
  for (const room of rooms.splice(0)) room.close();
  await Promise.all(links.splice(0).map((link) => link.close()));
});

test.after(() => pool.close());

/** Receive capabilities of a werift peer; with transport-cc so mediasoup estimates its bandwidth. */
function receiveCapabilities() {
  return syntheticReceiveCapabilities(pool.routerRtpCapabilities, { transportCc: true });
}

async function openRoom(): Promise<MediaRoom> {
  const room = await MediaRoom.create(
    pool.leastLoaded(),
    // A generous starting estimate: the quality case decides on it before the estimator has grown.
    { roomId: `room-${++nextRoom}`, initialAvailableOutgoingBitrateBps: 3_000_000 },
    logger,
  );
  rooms.push(room);
  return room;
}

/** Creates the peer's transport and connects a werift link to it (ICE + DTLS). */
async function connect(peer: MediaPeer, direction: TransportDirection): Promise<MediasoupLink> {
  const params = await peer.createTransport(direction);
  const link = await openMediasoupLink(params);
  links.push(link);
  await peer.connectTransport(params.id, link.dtlsParameters);
  await link.connect(CONNECT_TIMEOUT_MS);
  return link;
}

/** RTP that arrived on a link, per SSRC. */
class RtpCounter {
  readonly #packetsBySsrc = new Map<number, number>();
  readonly #bytesBySsrc = new Map<number, number>();
  constructor(link: MediasoupLink) {
    link.onRtp((packet: RtpPacket) => {
      const { ssrc } = packet.header;
      this.#packetsBySsrc.set(ssrc, (this.#packetsBySsrc.get(ssrc) ?? 0) + 1);
      this.#bytesBySsrc.set(ssrc, (this.#bytesBySsrc.get(ssrc) ?? 0) + packet.payload.length);
    });
  }
  packets(ssrc: number): number {
    return this.#packetsBySsrc.get(ssrc) ?? 0;
  }
  bytes(ssrc: number): number {
    return this.#bytesBySsrc.get(ssrc) ?? 0;
  }
}

/** Sends transport-cc feedback for what arrives on `link` every 100 ms, as a browser does; returns a stop. */
function sendTransportCcFeedback(link: MediasoupLink, consumer: ConsumerParams): () => void {
  const extensionId = consumer.rtpParameters.headerExtensions?.find((ext) => ext.uri === TRANSPORT_CC_URI)?.id;
  if (extensionId === undefined) throw new Error('the consumer has no transport-cc extension');
  const recorder = new TransportCcRecorder(randomSsrc());
  link.onRtp((packet: RtpPacket) => {
    const sequenceNumber = transportSequenceNumberOf(packet.header, extensionId);
    if (sequenceNumber !== undefined) recorder.onPacket(sequenceNumber, performance.now() * 1000);
  });
  const timer = setInterval(() => {
    const feedback = recorder.takeFeedback(ssrcOf(consumer));
    if (feedback && link.connected) link.sendRtcpBytes(feedback);
  }, 100);
  return () => clearInterval(timer);
}

function ssrcOf(params: ConsumerParams): number {
  const ssrc = params.rtpParameters.encodings?.[0]?.ssrc;
  if (ssrc === undefined) throw new Error(`consumer ${params.id} has no SSRC`);
  return ssrc;
}

/** A room where `alice` publishes camera (3-layer simulcast) and microphone, and `bob` has a connected recv transport. */
async function publishingRoom() {
  const room = await openRoom();
  const alice = room.addPeer('alice', receiveCapabilities());
  const bob = room.addPeer('bob', receiveCapabilities());
  const sendLink = await connect(alice, 'send');
  const recvLink = await connect(bob, 'recv');
  const publisher = new SyntheticRtpPublisher(sendLink);
  publishers.push(publisher);
  const transportId = alice.transport('send')!.id;
  const camera = await alice.produce({
    transportId,
    kind: 'video',
    rtpParameters: publisher.videoRtpParameters(),
    source: 'camera',
  });
  const microphone = await alice.produce({
    transportId,
    kind: 'audio',
    rtpParameters: publisher.audioRtpParameters(),
    source: 'microphone',
  });
  publisher.start();
  return { room, alice, bob, recvLink, publisher, camera, microphone, received: new RtpCounter(recvLink) };
}

async function rejectsWith(promise: Promise<unknown>, code: MediaError['code']): Promise<void> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof MediaError)) throw error;
    assert.is(error.code, code);
    return;
  }
  assert.unreachable(`expected MediaError ${code}`);
}

test('a room router has exactly the pool capabilities, and reading them opened no router', async () => {
  const routersBefore = pool.counts.routers;
  const capabilities = pool.routerRtpCapabilities;
  assert.is(pool.counts.routers, routersBefore);
  const room = await openRoom();
  assert.equal(room.router.rtpCapabilities, capabilities);
  assert.equal(room.rtpCapabilities, capabilities);
});

test('two peers: VP8 simulcast and Opus published by one arrive as RTP at the other', async () => {
  const { room, bob, camera, microphone, received, publisher } = await publishingRoom();
  // The speaking observers name the peer from the producer's typed appData.
  const speaker = once(room, 'activespeaker');
  const levels = once(room, 'audiolevels');
  assert.is(camera.type, 'simulcast');
  assert.is(camera.rtpParameters.encodings?.length, 3);
  assert.equal(camera.appData, { peerId: 'alice', source: 'camera' });

  const video = await bob.consume(camera.id);
  const audio = await bob.consume(microphone.id);
  // Asked again (the first answer came after the client gave up): the same consumer, not a second one.
  assert.is((await bob.consume(camera.id)).id, video.id);
  assert.is(video.type, 'simulcast');
  assert.equal([video.peerId, video.source, audio.source], ['alice', 'camera', 'microphone']);
  await bob.resumeConsumer(video.id);
  await bob.resumeConsumer(audio.id);

  await waitFor(
    'video and audio RTP at the receiver',
    () => {
      return received.packets(ssrcOf(video)) >= 30 && received.packets(ssrcOf(audio)) >= 30 ? true : undefined;
    },
    MEDIA_TIMEOUT_MS,
  );
  assert.ok(received.bytes(ssrcOf(video)) > 30 * 100, 'video bytes');
  assert.ok(received.bytes(ssrcOf(audio)) > 30 * 30, 'audio bytes');
  // A viewer's key frame request reaches the publisher through the producer. (Asked
  // again on every poll: mediasoup holds back a request while an earlier one is pending.)
  const requestsBefore = publisher.keyFrameRequests;
  const viewerConsumer = bob.consumer(video.id);
  await waitFor(
    'a key frame request at the publisher',
    async () => {
      if (publisher.keyFrameRequests > requestsBefore) return true;
      await viewerConsumer.requestKeyFrame();
      return undefined;
    },
    5000,
    250,
  );
  const [stats] = (await bob.consumer(video.id).getStats()).filter((entry) => entry.type === 'outbound-rtp');
  assert.ok((stats?.packetCount ?? 0) > 0, 'mediasoup counted the packets it sent');
  assert.equal(await speaker, ['alice']);
  const [[loudest]] = await levels;
  assert.is(loudest?.peerId, 'alice');
});

test('closing a peer closes its transports and producers, and the consumers of its tracks', async () => {
  const { alice, bob, camera, microphone } = await publishingRoom();
  const video = await bob.consume(camera.id);
  const audio = await bob.consume(microphone.id);
  const sendTransport = alice.transport('send')!;
  const closedConsumerIds: string[] = [];
  bob.on('consumerclosed', (consumerId) => closedConsumerIds.push(consumerId));

  alice.close();
  assert.ok(alice.closed);
  assert.ok(sendTransport.closed, 'send transport closed');
  assert.ok(camera.closed && microphone.closed, 'producers closed');
  assert.is(alice.producers.size, 0);
  // The producers' close reaches bob's consumers through the worker.
  await waitFor('consumerclosed for both tracks', () => (closedConsumerIds.length === 2 ? true : undefined), 2000, 20);
  assert.equal(closedConsumerIds.sort(), [video.id, audio.id].sort());
  assert.is(bob.consumers.size, 0);
  assert.not.ok(bob.closed, 'the other peer stays');
  assert.ok(bob.transport('recv') && !bob.transport('recv')!.closed);
});

test('closing the room closes the router, every peer and every transport', async () => {
  const { room, alice, bob, camera } = await publishingRoom();
  await bob.consume(camera.id);
  const transports = [alice.transport('send')!, bob.transport('recv')!];
  const consumers = [...bob.consumers.values()];
  const counts = { ...pool.counts };
  const reason = once(room, 'close');

  room.close();
  assert.equal(await reason, ['closed']);
  assert.ok(room.closed && room.router.closed);
  assert.ok(alice.closed && bob.closed);
  assert.is(room.peers.size, 0);
  assert.ok(transports.every((transport) => transport.closed));
  assert.ok(camera.closed && consumers.every((consumer) => consumer.closed));
  assert.equal(
    { routers: pool.counts.routers, transports: pool.counts.transports, producers: pool.counts.producers },
    { routers: counts.routers - 1, transports: counts.transports - 2, producers: counts.producers - 2 },
  );
  assert.throws(
    () => room.addPeer('carol', receiveCapabilities()),
    (error: unknown) => error instanceof MediaError,
  );
});

test('a peer closed while createTransport, produce or consume is in flight leaves nothing behind', async () => {
  const room = await openRoom();
  const before = { ...pool.counts };

  const early = room.addPeer('early', receiveCapabilities());
  const creating = early.createTransport('send');
  early.close();
  await rejectsWith(creating, 'NOT_FOUND');

  const producer = room.addPeer('producing', receiveCapabilities());
  const producerLink = await connect(producer, 'send');
  const producing = producer.produce({
    transportId: producer.transport('send')!.id,
    kind: 'audio',
    rtpParameters: new SyntheticRtpPublisher(producerLink).audioRtpParameters(),
    source: 'microphone',
  });
  producer.close();
  await rejectsWith(producing, 'NOT_FOUND');

  const { bob, camera } = await publishingRoom();
  const consuming = bob.consume(camera.id);
  bob.close();
  await rejectsWith(consuming, 'NOT_FOUND');

  // Let the worker answer the closes, then only publishingRoom's room, alice's transport and producers remain.
  await sleep(100);
  assert.equal(
    { transports: pool.counts.transports, producers: pool.counts.producers, consumers: pool.counts.consumers },
    { transports: before.transports + 1, producers: before.producers + 2, consumers: before.consumers },
  );
  assert.is(room.peers.size, 0);
});

test('quality: a small tile gets the lowest layer, a large one more; hidden pauses, visible resumes', async () => {
  const { bob, camera, received } = await publishingRoom();
  const video = await bob.consume(camera.id);
  const consumer: PeerConsumer = bob.consumer(video.id);
  const decisions: VideoDelivery[] = [];
  // The synthetic layers' bitrates, so the decision's budget sees what is really sent.
  const quality = new QualityController(
    bob,
    { adapted: (decision) => decisions.push(decision), tierChanged: () => undefined },
    logger,
    {
      layers: [
        { heightPx: 180, bitrateBps: 50_000 },
        { heightPx: 360, bitrateBps: 150_000 },
        { heightPx: 720, bitrateBps: 450_000 },
      ],
    },
  );
  try {
    await quality.resume(video.id);
    const tile = (height: number, visible = true) => [{ consumerId: video.id, visible, height, main: true }];

    // A large tile: once the first network sample (bandwidth estimate) is in, the top layer.
    quality.setViewports(tile(720));
    await waitFor('top layer preferred', () => (consumer.preferredLayers?.spatialLayer === 2 ? true : undefined), 6000);
    await waitFor('top layer flowing', () => (consumer.currentLayers?.spatialLayer === 2 ? true : undefined), 3000);

    quality.setViewports(tile(120));
    await waitFor(
      'lowest layer preferred',
      () => (consumer.preferredLayers?.spatialLayer === 0 ? true : undefined),
      2000,
      20,
    );
    await waitFor('lowest layer flowing', () => (consumer.currentLayers?.spatialLayer === 0 ? true : undefined), 3000);
    assert.ok(decisions.some((decision) => !decision.paused && decision.spatialLayer === 0));

    quality.setViewports(tile(120, false));
    await waitFor('paused', () => (consumer.paused ? true : undefined), 2000, 20);
    assert.ok(decisions.at(-1)?.paused, 'the viewer is told its tile is paused');
    const packetsWhilePaused = received.packets(ssrcOf(video));
    await sleep(300);
    assert.ok(received.packets(ssrcOf(video)) - packetsWhilePaused <= 2, 'a paused consumer sends nothing');

    quality.setViewports(tile(120));
    await waitFor('resumed', () => (consumer.paused ? undefined : true), 2000, 20);
    const packetsAtResume = received.packets(ssrcOf(video));
    await waitFor('RTP again', () => (received.packets(ssrcOf(video)) > packetsAtResume + 10 ? true : undefined), 3000);
  } finally {
    quality.close();
  }
});

test('quality: a video mediasoup stops forwarding for want of bandwidth is reported paused, and flowing again', async () => {
  const { bob, camera, recvLink } = await publishingRoom();
  const video = await bob.consume(camera.id);
  const consumer: PeerConsumer = bob.consumer(video.id);
  // Like a browser, bob tells the estimator what arrived, so it grows back once the link does.
  const stopFeedback = sendTransportCcFeedback(recvLink, video);
  const told: VideoDelivery[] = [];
  const quality = new QualityController(
    bob,
    { adapted: (delivery) => told.push(delivery), tierChanged: () => undefined },
    logger,
  );
  try {
    await quality.resume(video.id);
    quality.setViewports([{ consumerId: video.id, visible: true, height: 360, main: true }]);
    await waitFor('flowing', () => (consumer.currentLayers ? true : undefined), MEDIA_TIMEOUT_MS);
    await waitFor('told it flows', () => (told.at(-1)?.paused === false ? true : undefined), 3000);

    // Less than the lowest layer: mediasoup's allocator drops the video; the decision keeps the main tile.
    const recv = bob.transport('recv')!;
    await recv.setMaxOutgoingBitrate(30_000);
    await waitFor('dropped by mediasoup', () => (consumer.currentLayers ? undefined : true), MEDIA_TIMEOUT_MS, 20);
    await waitFor('told it is paused', () => (told.at(-1)?.paused ? true : undefined), 3000, 20);
    assert.not.ok(consumer.paused, 'held by the allocator, not paused: the transport still wants its bitrate');
    assert.is(told.at(-1)?.spatialLayer, null);

    await recv.setMaxOutgoingBitrate(0);
    await waitFor('forwarded again', () => (consumer.currentLayers ? true : undefined), 15_000, 20);
    await waitFor('told it flows again', () => (told.at(-1)?.paused === false ? true : undefined), 3000, 20);
    assert.is(told.at(-1)?.spatialLayer, consumer.currentLayers?.spatialLayer);
  } finally {
    stopFeedback();
    quality.close();
  }
});

test('each recv transport probes on its own probe stream: contiguous sequence numbers, none refused by SRTP', async () => {
  // mediasoup's probe packets (SSRC 1234) once shared one buffer per worker, so
  // a new transport reset every other transport's probe sequence number and
  // libsrtp refused to protect the jumped-back ones (scripts/mediasoup-worker).
  const { room, camera } = await publishingRoom();
  const probes = new Map<string, number[]>();
  // Viewers joining together: their transports probe at the same time.
  await Promise.all(
    ['carol', 'dave', 'erin', 'frank'].map(async (name) => {
      const viewer = room.addPeer(name, receiveCapabilities());
      const link = await connect(viewer, 'recv');
      const sequenceNumbers: number[] = [];
      probes.set(name, sequenceNumbers);
      link.onRtp((packet: RtpPacket) => {
        if (packet.header.ssrc === PROBATION_SSRC) sequenceNumbers.push(packet.header.sequenceNumber);
      });
      await viewer.resumeConsumer((await viewer.consume(camera.id)).id);
    }),
  );
  await waitFor(
    'every viewer probed',
    () => ([...probes.values()].every((sequenceNumbers) => sequenceNumbers.length >= 10) ? true : undefined),
    MEDIA_TIMEOUT_MS,
  );
  await sleep(1000);
  for (const [name, sequenceNumbers] of probes) {
    const jumps = sequenceNumbers.filter((sequenceNumber, index) => {
      const previous = sequenceNumbers[index - 1];
      return previous !== undefined && sequenceNumber !== ((previous + 1) & 0xffff);
    });
    assert.equal(jumps, [], `${name}'s probe sequence numbers jump (${sequenceNumbers.length} probes)`);
  }
});

test('negotiating transport-cc gives the recv transport a bandwidth estimate', async () => {
  const { bob, camera } = await publishingRoom();
  const video = await bob.consume(camera.id);
  assert.ok(video.rtpParameters.headerExtensions?.some((extension) => extension.uri === TRANSPORT_CC_URI));
  await bob.resumeConsumer(video.id);
  const [stats] = await bob.transport('recv')!.getStats();
  assert.ok((stats?.availableOutgoingBitrate ?? 0) > 0);
});

// Last: it kills the pool's only worker.
test('a worker that dies closes its rooms with reason worker-died', async () => {
  const { room, alice, bob } = await publishingRoom();
  const reason = once(room, 'close');
  process.kill(pool.leastLoaded().worker.pid, 'SIGKILL');
  assert.equal(await reason, ['worker-died']);
  assert.ok(room.closed && room.router.closed);
  assert.ok(alice.closed && bob.closed);
  assert.is(room.peers.size, 0);
  assert.throws(
    () => pool.leastLoaded(),
    (error: unknown) => error instanceof MediaError && error.code === 'UNAVAILABLE',
  );
});

test.run();
