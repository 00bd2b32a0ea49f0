// RouterPipe and NodePipeEnd against the real mediasoup worker: a host
// publishes RTP in room A (werift link, synthetic VP8 simulcast and Opus), a
// pipe forwards it into room B, and a viewer in B consumes the guests over its
// own werift link. Every RouterPipe case runs with both rooms on one worker
// and on two workers; the NodePipeEnd cases (a battle between two nodes) put
// the rooms on two workers and carry what the nodes' bus would between the
// ends in this process. The
// publisher sends key frames only when asked, so a key frame at the viewer
// proves that its request went back through the pipe. One pool serves all
// cases; the worker-death case runs last.
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { RtpPacket } from 'werift';
import { openMediasoupLink, prepareCertificate, type MediasoupLink } from '../testkit/mediasoupLink.ts';
import { syntheticReceiveCapabilities } from '../testkit/rtpParameters.ts';
import { SyntheticRtpPublisher } from '../testkit/syntheticRtpPublisher.ts';
import { isVp8KeyFrameData, VP8_DESCRIPTOR_LENGTH } from '../testkit/vp8Payload.ts';
import { waitFor } from '../testkit/waitFor.ts';
import { startLoopbackWorkerPool } from '../testkit/workerPool.ts';
import { MediaError } from './MediaError.ts';
import type { MediaPeer } from './MediaPeer.ts';
import { MediaRoom } from './MediaRoom.ts';
import type { ConsumerParams, PeerProducer, TransportDirection } from './MediaRoomTypes.ts';
import { NodePipeEnd } from './NodePipe.ts';
import { RouterPipe } from './RouterPipe.ts';
import type { WorkerPool } from './WorkerPool.ts';

const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const CONNECT_TIMEOUT_MS = 5000;
const MEDIA_TIMEOUT_MS = 5000;

type Placement = 'one worker' | 'two workers';
const placements: Placement[] = ['one worker', 'two workers'];

let pool: WorkerPool;
const links: MediasoupLink[] = [];
const publishers: SyntheticRtpPublisher[] = [];
const rooms: MediaRoom[] = [];
const pipes: (RouterPipe | NodePipeEnd)[] = [];
let nextRoom = 0;

test.before(async () => {
  pool = await startLoopbackWorkerPool(47000, logger, 2);
  await prepareCertificate();
});

test.after.each(async () => {
  for (const pipe of pipes.splice(0)) pipe.close();
  for (const publisher of publishers.splice(0)) publisher.stop();
  for (const room of rooms.splice(0)) room.close();
  await Promise.all(links.splice(0).map((link) => link.close()));
});

test.after(() => pool.close());

function receiveCapabilities() {
  return syntheticReceiveCapabilities(pool.routerRtpCapabilities, { transportCc: true });
}

async function openRoom(workerIndex: number): Promise<MediaRoom> {
  const worker = pool.workers[workerIndex];
  if (!worker) throw new Error(`no worker ${workerIndex}`);
  const room = await MediaRoom.create(worker, { roomId: `room-${++nextRoom}` }, logger);
  rooms.push(room);
  return room;
}

async function connect(peer: MediaPeer, direction: TransportDirection): Promise<MediasoupLink> {
  const params = await peer.createTransport(direction);
  const link = await openMediasoupLink(params);
  links.push(link);
  await peer.connectTransport(params.id, link.dtlsParameters);
  await link.connect(CONNECT_TIMEOUT_MS);
  return link;
}

async function openPipe(from: MediaRoom, to: MediaRoom): Promise<RouterPipe> {
  const pipe = await RouterPipe.open(from, to, logger);
  pipes.push(pipe);
  return pipe;
}

/** RTP at the viewer per SSRC, and the VP8 key frames among it. */
class Reception {
  readonly #packets = new Map<number, number>();
  readonly #keyFrames = new Map<number, number>();
  constructor(link: MediasoupLink) {
    link.onRtp((packet: RtpPacket) => {
      const { ssrc } = packet.header;
      this.#packets.set(ssrc, (this.#packets.get(ssrc) ?? 0) + 1);
      if (startsVp8KeyFrame(packet.payload)) this.#keyFrames.set(ssrc, (this.#keyFrames.get(ssrc) ?? 0) + 1);
    });
  }
  packets(params: ConsumerParams): number {
    return this.#packets.get(ssrcOf(params)) ?? 0;
  }
  keyFrames(params: ConsumerParams): number {
    return this.#keyFrames.get(ssrcOf(params)) ?? 0;
  }
}

/** The first packet of a VP8 key frame: S set, partition 0, key frame bit clear after the descriptor. */
function startsVp8KeyFrame(payload: Buffer): boolean {
  const first = payload[0] ?? 0;
  return (first & 0x17) === 0x10 && isVp8KeyFrameData(payload.subarray(VP8_DESCRIPTOR_LENGTH));
}

function ssrcOf(params: ConsumerParams): number {
  const ssrc = params.rtpParameters.encodings?.[0]?.ssrc;
  if (ssrc === undefined) throw new Error(`consumer ${params.id} has no SSRC`);
  return ssrc;
}

/** What a router holds, in a comparable order: its transports and which consumers each producer has. */
async function routerState(room: MediaRoom) {
  const dump = await room.router.dump();
  return {
    transportIds: [...dump.transportIds].sort(),
    consumersByProducer: dump.mapProducerIdConsumerIds
      .map(({ key, values }) => `${key} → ${[...values].sort().join(',')}`)
      .sort(),
  };
}

/**
 * Room A, where `host-a` publishes camera and microphone (RTP flowing), and
 * room B, where `viewer` has a connected recv transport. The routers' state is
 * read before any pipe exists.
 */
async function battleRooms(placement: Placement) {
  const roomA = await openRoom(0);
  const roomB = await openRoom(placement === 'one worker' ? 0 : 1);
  const host = roomA.addPeer('host-a', receiveCapabilities());
  const viewer = roomB.addPeer('viewer', receiveCapabilities());
  const sendLink = await connect(host, 'send');
  const recvLink = await connect(viewer, 'recv');
  const publisher = new SyntheticRtpPublisher(sendLink, { keyFrameIntervalMs: Infinity });
  publishers.push(publisher);
  const transportId = host.transport('send')!.id;
  const camera = await host.produce({
    transportId,
    kind: 'video',
    rtpParameters: publisher.videoRtpParameters(),
    source: 'camera',
  });
  const microphone = await host.produce({
    transportId,
    kind: 'audio',
    rtpParameters: publisher.audioRtpParameters(),
    source: 'microphone',
  });
  publisher.start();
  const reception = new Reception(recvLink);
  const before = { a: await routerState(roomA), b: await routerState(roomB) };
  return { roomA, roomB, host, viewer, publisher, camera, microphone, reception, before };
}

async function rejectsWith(promise: Promise<unknown>, code: MediaError['code']): Promise<void> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof MediaError)) throw error;
    assert.is(error.code, code, error.message);
    return;
  }
  assert.unreachable(`expected MediaError ${code}`);
}

/**
 * The viewer consumes a video and an audio guest and resumes them: RTP of
 * both arrives, the video starting with a key frame that the viewer's own
 * request brought (it crossed the pipe: the publisher sends none unasked).
 */
async function consumeGuests(
  viewer: MediaPeer,
  [videoGuest, audioGuest]: [PeerProducer, PeerProducer],
  publisher: SyntheticRtpPublisher,
  reception: Reception,
): Promise<{ video: ConsumerParams; audio: ConsumerParams }> {
  const video = await viewer.consume(videoGuest.id);
  const audio = await viewer.consume(audioGuest.id);
  // Let the key frame the pipe asked for at forward time go by: the viewer's must come from its own request.
  await sleep(200);
  const requestsBeforeResume = publisher.keyFrameRequests;
  await viewer.resumeConsumer(video.id);
  await viewer.resumeConsumer(audio.id);
  await waitFor(
    'video and audio RTP at the viewer',
    () => (reception.packets(video) >= 30 && reception.packets(audio) >= 30 ? true : undefined),
    MEDIA_TIMEOUT_MS,
  );
  assert.ok(publisher.keyFrameRequests > requestsBeforeResume, 'the viewer’s key frame request crossed the pipe');
  assert.ok(reception.keyFrames(video) >= 1, 'the viewer’s video starts with a key frame');
  return { video, audio };
}

async function videoFlows(reception: Reception, video: ConsumerParams, packets: number): Promise<void> {
  const start = reception.packets(video);
  await waitFor(
    `${packets} video packets at the viewer`,
    () => (reception.packets(video) >= start + packets ? true : undefined),
    MEDIA_TIMEOUT_MS,
    20,
  );
}

for (const placement of placements) {
  test(`${placement}: forwarded camera and microphone reach a viewer in the other room; pause and close follow the source`, async () => {
    const { roomA, roomB, host, viewer, publisher, camera, microphone, reception } = await battleRooms(placement);
    const pipe = await openPipe(roomA, roomB);
    const announced: string[] = [];
    pipe.on('guest', (_guest, sourceId) => announced.push(sourceId));

    const videoGuest = await pipe.forward(camera);
    const audioGuest = await pipe.forward(microphone);
    assert.equal(announced, [camera.id, microphone.id]);
    assert.equal(videoGuest.appData, { peerId: 'host-a', source: 'camera' });
    assert.equal(audioGuest.appData, { peerId: 'host-a', source: 'microphone' });
    assert.is.not(videoGuest.id, camera.id, 'mediasoup gave the guest its own id');
    assert.is(videoGuest.type, 'simulcast', 'every simulcast layer is piped');
    assert.equal([...roomB.guestProducers.keys()].sort(), [videoGuest.id, audioGuest.id].sort());
    assert.is(pipe.forwarded.get(camera.id), videoGuest);

    // The viewer consumes the guests as it would a co-host's tracks.
    const { video, audio } = await consumeGuests(viewer, [videoGuest, audioGuest], publisher, reception);
    assert.equal([video.peerId, video.source, video.type], ['host-a', 'camera', 'simulcast']);
    assert.equal([audio.peerId, audio.source], ['host-a', 'microphone']);

    // Source paused: the guest pauses, the viewer's consumer learns it and nothing flows.
    const consumer = viewer.consumer(video.id);
    await host.setSourcePaused('camera', true);
    await waitFor('producerPaused at the viewer', () => (consumer.producerPaused ? true : undefined), 2000, 20);
    assert.ok(videoGuest.paused, 'guest paused');
    await sleep(100);
    const packetsWhilePaused = reception.packets(video);
    await sleep(300);
    assert.ok(reception.packets(video) - packetsWhilePaused <= 2, 'a paused source sends nothing through the pipe');

    // Resumed: media again, starting with a fresh key frame (the publisher sends none unasked).
    const keyFramesBeforeResume = reception.keyFrames(video);
    await host.setSourcePaused('camera', false);
    await waitFor('producer resumed at the viewer', () => (consumer.producerPaused ? undefined : true), 2000, 20);
    assert.not.ok(videoGuest.paused, 'guest resumed');
    await videoFlows(reception, video, 20);
    await waitFor(
      'a key frame after resume',
      () => (reception.keyFrames(video) > keyFramesBeforeResume ? true : undefined),
      MEDIA_TIMEOUT_MS,
      20,
    );

    // Source closed: its guest closes and the viewer's consumer with it; the microphone goes on.
    const guestClosed = once(pipe, 'guestclose');
    const consumerClosed = once(viewer, 'consumerclosed');
    host.closeProducer(camera.id);
    assert.equal(await consumerClosed, [video.id]);
    const [closedGuest, closedSourceId] = (await guestClosed) as [PeerProducer, string];
    assert.is(closedGuest, videoGuest);
    assert.is(closedSourceId, camera.id);
    assert.ok(videoGuest.closed);
    assert.not.ok(roomB.guestProducers.has(videoGuest.id));
    assert.not.ok(pipe.forwarded.has(camera.id));
    assert.ok(pipe.forwarded.has(microphone.id));
    const audioPackets = reception.packets(audio);
    await waitFor('audio still flows', () => (reception.packets(audio) > audioPackets + 10 ? true : undefined), 2000);
  });

  test(`${placement}: close() leaves both routers as they were before the battle`, async () => {
    const { roomA, roomB, viewer, camera, microphone, reception, before } = await battleRooms(placement);
    const pipe = await openPipe(roomA, roomB);
    const videoGuest = await pipe.forward(camera);
    const audioGuest = await pipe.forward(microphone);
    const video = await viewer.consume(videoGuest.id);
    await viewer.consume(audioGuest.id);
    await viewer.resumeConsumer(video.id);
    await videoFlows(reception, video, 10);
    const during = await routerState(roomA);
    assert.is(during.transportIds.length, before.a.transportIds.length + 1, 'the pipe transport in A');

    const closedConsumers: string[] = [];
    viewer.on('consumerclosed', (consumerId) => closedConsumers.push(consumerId));
    const guestsClosed: string[] = [];
    pipe.on('guestclose', (guest) => guestsClosed.push(guest.id));
    const closed = once(pipe, 'close');
    pipe.close();
    assert.equal(await closed, ['closed']);
    assert.ok(pipe.closed);
    assert.equal(guestsClosed.sort(), [videoGuest.id, audioGuest.id].sort());
    assert.is(roomB.guestProducers.size, 0);
    assert.is(pipe.forwarded.size, 0);
    assert.equal(await routerState(roomA), before.a);
    assert.equal(await routerState(roomB), before.b);
    await waitFor('the viewer’s consumers closed', () => (closedConsumers.length === 2 ? true : undefined), 2000, 20);
    assert.is(viewer.consumers.size, 0);

    // Idempotent, and the rooms stay as they were.
    pipe.close();
    assert.not.ok(roomA.closed || roomB.closed || camera.closed);
    await rejectsWith(pipe.forward(camera), 'UNAVAILABLE');
  });

  test(`${placement}: closing room B while piped closes the pipe; a forward in flight is undone`, async () => {
    const { roomA, roomB, viewer, camera, microphone, reception, before } = await battleRooms(placement);
    const pipe = await openPipe(roomA, roomB);
    const guest = await pipe.forward(camera);
    const video = await viewer.consume(guest.id);
    await viewer.resumeConsumer(video.id);
    await videoFlows(reception, video, 10);

    const closed = once(pipe, 'close');
    const inFlight = pipe.forward(microphone);
    roomB.close();
    assert.equal(await closed, ['room-closed']);
    assert.ok(pipe.closed && guest.closed);
    await rejectsWith(inFlight, 'UNAVAILABLE');
    // Room A keeps its host's tracks, with no pipe transport and no pipe consumer left.
    assert.not.ok(roomA.closed || camera.closed || microphone.closed);
    await sleep(50);
    assert.equal(await routerState(roomA), before.a);
    pipe.close();
  });

  test(`${placement}: concurrent forwards of one producer give one guest; stop() undoes it`, async () => {
    const { roomA, roomB, camera, before } = await battleRooms(placement);
    const pipe = await openPipe(roomA, roomB);
    const first = pipe.forward(camera);
    const second = pipe.forward(camera);
    assert.is(first, second, 'the same promise');
    const guest = await first;
    assert.is(await pipe.forward(camera), guest, 'a done forward gives its guest');
    assert.is(roomB.guestProducers.size, 1);
    const stateA = await routerState(roomA);
    assert.ok(stateA.consumersByProducer.some((entry) => entry.startsWith(`${camera.id} → `) && !entry.endsWith('→ ')));
    assert.equal((await routerState(roomB)).consumersByProducer, [`${guest.id} → `]);

    pipe.stop(camera.id);
    assert.ok(guest.closed);
    assert.is(roomB.guestProducers.size, 0);
    // Stopping a forward in flight: it rejects and leaves nothing behind.
    const stopped = pipe.forward(camera);
    pipe.stop(camera.id);
    await rejectsWith(stopped, 'NOT_FOUND');
    await sleep(50);
    const stateAfter = await routerState(roomA);
    assert.equal(stateAfter.consumersByProducer, before.a.consumersByProducer, 'no pipe consumer left in A');
    assert.equal((await routerState(roomB)).consumersByProducer, [], 'no guest left in B');
    const again = await pipe.forward(camera);
    assert.is.not(again, guest, 'a stopped forward can be made again');
  });

  test(`${placement}: bad pipes and bad forwards are refused and leave nothing open`, async () => {
    const { roomA, roomB, camera, before } = await battleRooms(placement);
    await rejectsWith(RouterPipe.open(roomA, roomA, logger), 'INVALID_INPUT');
    const there = await openPipe(roomA, roomB);
    const back = await openPipe(roomB, roomA);
    const guest = await there.forward(camera);
    // The opponent's own track is not sent back to it, and a producer of another room is not piped.
    await rejectsWith(back.forward(guest), 'INVALID_INPUT');
    await rejectsWith(there.forward(guest), 'NOT_FOUND');
    there.close();
    back.close();
    assert.equal(await routerState(roomA), before.a);
    assert.equal(await routerState(roomB), before.b);
    const closedRoom = await openRoom(0);
    closedRoom.close();
    await rejectsWith(RouterPipe.open(roomA, closedRoom, logger), 'UNAVAILABLE');
    assert.equal(await routerState(roomA), before.a);
  });
}

/**
 * Two NodePipeEnds, one in each room, connected to each other; what the
 * cluster bus carries between nodes (a track's parameters, a source's pause
 * and close) is handed across here.
 */
async function nodePipePair(roomA: MediaRoom, roomB: MediaRoom) {
  const listen = { ip: '127.0.0.1' };
  const a = await NodePipeEnd.open(roomA, roomB.id, listen, logger);
  pipes.push(a);
  const b = await NodePipeEnd.open(roomB, roomA.id, listen, logger);
  pipes.push(b);
  await Promise.all([a.connect(b.address), b.connect(a.address)]);
  for (const [from, to] of [
    [a, b],
    [b, a],
  ] as const) {
    from.on('sourcepaused', (sourceId, paused) => to.setGuestPaused(sourceId, paused));
    from.on('sourceclose', (sourceId) => to.closeGuest(sourceId));
  }
  const sendAtoB = (producer: PeerProducer) => a.send(producer, (track) => b.receive(track));
  return { a, b, sendAtoB };
}

test('node pipe: tracks reach a viewer in the other room with RTX; pause, resume and close follow the source', async () => {
  const { roomA, roomB, host, viewer, publisher, camera, microphone, reception } = await battleRooms('two workers');
  const { a, b, sendAtoB } = await nodePipePair(roomA, roomB);
  const first = sendAtoB(camera);
  assert.is(sendAtoB(camera), first, 'a send on its way is shared');
  await first;
  await sendAtoB(microphone);
  const videoGuest = b.guests.get(camera.id);
  const audioGuest = b.guests.get(microphone.id);
  assert.ok(videoGuest && audioGuest, 'both tracks have a guest in B');
  assert.equal(videoGuest.appData, { peerId: 'host-a', source: 'camera' });
  assert.is(videoGuest.type, 'simulcast', 'every simulcast layer is piped');
  assert.ok(
    videoGuest.rtpParameters.codecs.some((codec) => codec.mimeType.toLowerCase() === 'video/rtx'),
    'RTX is on across the link',
  );
  assert.equal([...roomB.guestProducers.keys()].sort(), [videoGuest.id, audioGuest.id].sort());

  const { video } = await consumeGuests(viewer, [videoGuest, audioGuest], publisher, reception);

  const consumer = viewer.consumer(video.id);
  await host.setSourcePaused('camera', true);
  await waitFor('producerPaused at the viewer', () => (consumer.producerPaused ? true : undefined), 2000, 20);
  await host.setSourcePaused('camera', false);
  await waitFor('producer resumed at the viewer', () => (consumer.producerPaused ? undefined : true), 2000, 20);
  await videoFlows(reception, video, 20);

  const consumerClosed = once(viewer, 'consumerclosed');
  host.closeProducer(camera.id);
  assert.equal(await consumerClosed, [video.id]);
  assert.ok(videoGuest.closed);
  assert.not.ok(b.guests.has(camera.id));
  assert.ok(b.guests.has(microphone.id), 'the microphone goes on');
  // The other direction shares the pair: A has nothing from B, and nothing of its own came back.
  assert.is(a.guests.size, 0);
  assert.is(roomA.guestProducers.size, 0);
});

test('node pipe: close() leaves both routers as they were; a closed end refuses work; a closing room closes its end', async () => {
  const { roomA, roomB, camera, microphone, before } = await battleRooms('two workers');
  const { a, b, sendAtoB } = await nodePipePair(roomA, roomB);
  await sendAtoB(camera);
  await sendAtoB(microphone);
  // A guest is not piped back where it came from.
  await rejectsWith(
    b.send(b.guests.get(camera.id)!, (track) => a.receive(track)),
    'INVALID_INPUT',
  );
  const guestsClosed: string[] = [];
  b.on('guestclose', (_guest, sourceId) => guestsClosed.push(sourceId));
  a.close();
  b.close();
  assert.equal(guestsClosed.sort(), [camera.id, microphone.id].sort());
  assert.equal(await routerState(roomA), before.a);
  assert.equal(await routerState(roomB), before.b);
  await rejectsWith(sendAtoB(camera), 'UNAVAILABLE');
  await rejectsWith(
    b.receive({ sourceId: 'x', kind: 'audio', rtpParameters: { codecs: [] }, paused: false, appData: camera.appData }),
    'UNAVAILABLE',
  );

  // A track on its way when the other room closes: the send fails and leaves nothing in A.
  const pair = await nodePipePair(roomA, roomB);
  const closedB = once(pair.b, 'close');
  const inFlight = pair.sendAtoB(camera);
  roomB.close();
  assert.equal(await closedB, ['room-closed']);
  await inFlight.then(
    () => assert.unreachable('the send should fail'),
    () => undefined,
  );
  pair.a.close();
  await sleep(50);
  assert.equal(await routerState(roomA), before.a);
});

// Last: it kills the second worker.
test('two workers: the worker of room B dies, the pipe closes and room A is clean', async () => {
  const { roomA, roomB, camera, before } = await battleRooms('two workers');
  const pipe = await openPipe(roomA, roomB);
  await pipe.forward(camera);
  const closed = once(pipe, 'close');
  const worker = pool.workers[1];
  assert.ok(worker);
  process.kill(worker.worker.pid, 'SIGKILL');
  assert.equal(await closed, ['room-closed']);
  assert.ok(roomB.closed);
  assert.not.ok(roomA.closed);
  await sleep(50);
  assert.equal(await routerState(roomA), before.a);
});

test.run();
