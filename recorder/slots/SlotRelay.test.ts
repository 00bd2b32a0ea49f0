// run-tests: alone (it checks timings against the clock)
// The slot relay is the UDP hop between mediasoup and the compositor's
// FFmpeg. These tests run the real relay over loopback: sockets stand in for
// FFmpeg (an RTP port per slot, its sender reports on port + 1) and for
// mediasoup (one socket sending the host streams), and check what reaches
// FFmpeg: filler and sender reports from the moment it runs, cameras only
// once it has built its graph and then from a key frame, microphones at once,
// strangers and RTCP dropped, key frame requests made at once but capped,
// and nothing at all once the relay is closed.
import dgram from 'node:dgram';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { waitFor } from '../../testkit/waitFor.ts';
import { reserveUdpPortPairs } from '../udpPortPair.ts';
import { OPUS_SILENCE } from './fillerMedia.ts';
import { buildRtpPacket, buildSenderReport, readRtpHeader, timestampDistance, type RtpHeader } from './rtpPacket.ts';
import { SlotRelay, type SlotSpec } from './SlotRelay.ts';

const MICROPHONE_SLOT = 0;
const CAMERA_SLOT = 1;
/** The relay numbers its slots' SSRCs from 0x5c000000, in slot order. */
const SLOT_SSRCS = [0x5c000000, 0x5c000001];
const AUDIO_PAYLOAD_TYPE = 111;
const VIDEO_PAYLOAD_TYPE = 96;
/** What mediasoup's consumers use; the relay rewrites it to the SDP's. */
const SOURCE_PAYLOAD_TYPE = 100;
/** Stands for the encoded still frame: a VP8 key frame tag (P = 0) and its start code. */
const STILL_KEY_FRAME = Buffer.from([0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x00, 0x24, 0x00]);
/** Slot specs as HlsRecorder builds them: a microphone slot, then a camera slot. */
const SPECS: SlotSpec[] = [
  {
    kind: 'audio',
    payloadType: AUDIO_PAYLOAD_TYPE,
    clockRate: 48000,
    filler: OPUS_SILENCE,
    startsAtKeyFrames: false,
  },
  {
    kind: 'video',
    payloadType: VIDEO_PAYLOAD_TYPE,
    clockRate: 90000,
    // VP8 payload descriptor: start of partition 0, then the frame.
    filler: Buffer.concat([Buffer.from([0x10]), STILL_KEY_FRAME]),
    startsAtKeyFrames: true,
  },
];
const PAYLOAD_TYPES = SPECS.map((spec) => spec.payloadType);
const FILLERS = SPECS.map((spec) => spec.filler!);
/** The relay asks a camera that keeps sending delta frames for a key frame again after this long... */
const KEY_FRAME_RETRY_MS = 1000;
/** ...and at most this many times in 6 s. */
const MAX_KEY_FRAME_REQUESTS = 3;
/** Other processes share the machine: timers may fire this much late. */
const SCHEDULING_SLACK_MS = 300;
const NTP_UNIX_OFFSET_S = 2_208_988_800;

/** One packet as FFmpeg's socket got it; `atMs` on the performance clock. */
interface Arrival {
  atMs: number;
  header: RtpHeader;
  payload: Buffer;
}

interface Report {
  atMs: number;
  ssrc: number;
  /** The wall clock the report states, in Unix ms. */
  wallMs: number;
  timestamp: number;
}

/** What one slot's FFmpeg input received. */
interface SlotInput {
  rtp: Arrival[];
  reports: Report[];
  /** Anything else: not RTP on the RTP port, not a sender report on port + 1. */
  strays: Buffer[];
}

function readReport(packet: Buffer, atMs: number): Report | undefined {
  if (packet.length !== 28 || packet[0]! >> 6 !== 2 || packet[1] !== 200) return undefined;
  return {
    atMs,
    ssrc: packet.readUInt32BE(4),
    wallMs: (packet.readUInt32BE(8) - NTP_UNIX_OFFSET_S) * 1000 + (packet.readUInt32BE(12) / 2 ** 32) * 1000,
    timestamp: packet.readUInt32BE(16),
  };
}

/** FFmpeg's end of the slots: for each, a socket on an even port P for RTP and one on P + 1 for RTCP. */
class FfmpegInputs {
  readonly ports: number[];
  readonly slots: SlotInput[];
  readonly #sockets: dgram.Socket[];

  private constructor(ports: number[], slots: SlotInput[], sockets: dgram.Socket[]) {
    this.ports = ports;
    this.slots = slots;
    this.#sockets = sockets;
  }

  static async listen(slotCount: number): Promise<FfmpegInputs> {
    // The way the recorder finds FFmpeg its ports, then binds them as FFmpeg would.
    const reservation = await reserveUdpPortPairs(slotCount);
    reservation.release();
    const slots = reservation.ports.map((): SlotInput => ({ rtp: [], reports: [], strays: [] }));
    const sockets = await Promise.all(
      reservation.ports.flatMap((port, index) => {
        const input = slots[index]!;
        return [
          bindSocket(port, (packet) => {
            const header = readRtpHeader(packet);
            if (!header) return void input.strays.push(packet);
            const payload = packet.subarray(header.payloadOffset, header.payloadOffset + header.payloadLength);
            input.rtp.push({ atMs: performance.now(), header, payload });
          }),
          bindSocket(port + 1, (packet) => {
            const report = readReport(packet, performance.now());
            if (report) input.reports.push(report);
            else input.strays.push(packet);
          }),
        ];
      }),
    );
    return new FfmpegInputs(reservation.ports, slots, sockets);
  }

  /** Every packet received so far, on any port. */
  get received(): number {
    return this.slots.reduce(
      (total, input) => total + input.rtp.length + input.reports.length + input.strays.length,
      0,
    );
  }

  close(): void {
    for (const socket of this.#sockets) socket.close();
  }
}

function bindSocket(port: number, onPacket: (packet: Buffer) => void): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', reject);
    socket.on('message', onPacket);
    socket.bind(port, '127.0.0.1', () => {
      socket.off('error', reject);
      resolve(socket);
    });
  });
}

/** Host streams: each packet's payload is unique, so what reaches FFmpeg can be traced back to it. */
abstract class HostStream {
  readonly ssrc: number;
  readonly #payloads = new Set<string>();
  protected sequenceNumber = 40_000;
  protected count = 0;

  constructor(ssrc: number) {
    this.ssrc = ssrc;
  }

  /** This stream sent that payload. */
  sent(arrival: Arrival): boolean {
    return this.#payloads.has(arrival.payload.toString('hex'));
  }

  protected packet(payload: Buffer, timestamp: number, marker: boolean): Buffer {
    this.#payloads.add(payload.toString('hex'));
    return buildRtpPacket(payload, {
      payloadType: SOURCE_PAYLOAD_TYPE,
      marker,
      sequenceNumber: this.sequenceNumber++,
      timestamp,
      ssrc: this.ssrc,
    });
  }
}

/** A VP8 camera, one packet per frame, stamped by the 90 kHz clock. */
class Camera extends HostStream {
  frame(key: boolean): Buffer {
    const index = this.count++;
    // Descriptor (start of partition 0), the frame tag (P = 0 on key frames), whose frame it is.
    const tag = [this.ssrc & 0xff, index >> 8, index & 0xff];
    const payload = Buffer.from([0x10, key ? 0x50 : 0x31, 0x42, 0x00, 0x9d, 0x01, 0x2a, ...tag]);
    return this.packet(payload, (0x30000 + Math.round(performance.now() * 90)) >>> 0, true);
  }
}

/** An Opus microphone, one 20 ms frame per packet. */
class Microphone extends HostStream {
  frame(): Buffer {
    const index = this.count++;
    const payload = Buffer.from([0xfc, this.ssrc & 0xff, index >> 8, index & 0xff]);
    return this.packet(payload, (0x20000 + index * 960) >>> 0, false);
  }
}

/** mediasoup's side: the PlainTransport sending every consumer's RTP to the relay. */
class Mediasoup {
  readonly #socket: dgram.Socket;
  readonly #relayPort: number;

  private constructor(socket: dgram.Socket, relayPort: number) {
    this.#socket = socket;
    this.#relayPort = relayPort;
  }

  static async open(relayPort: number): Promise<Mediasoup> {
    return new Mediasoup(await bindSocket(0, () => undefined), relayPort);
  }

  send(...packets: Buffer[]): void {
    for (const packet of packets) this.#socket.send(packet, this.#relayPort, '127.0.0.1');
  }

  close(): void {
    this.#socket.close();
  }
}

interface Rig {
  relay: SlotRelay;
  ffmpeg: FfmpegInputs;
  mediasoup: Mediasoup;
  microphone: Microphone;
  camera: Camera;
  /** When the camera's key frame requests were made (performance clock). */
  keyFrameRequests: number[];
}

async function withRelay(run: (rig: Rig) => Promise<void>): Promise<void> {
  const relay = await SlotRelay.open(SPECS);
  const ffmpeg = await FfmpegInputs.listen(SPECS.length);
  const mediasoup = await Mediasoup.open(relay.port);
  try {
    await run({
      relay,
      ffmpeg,
      mediasoup,
      microphone: new Microphone(0xa1a1a1a1),
      camera: new Camera(0xca0ca0ca),
      keyFrameRequests: [],
    });
  } finally {
    relay.close();
    ffmpeg.close();
    mediasoup.close();
  }
}

function until(what: string, done: () => boolean, timeoutMs = 2000): Promise<true> {
  return waitFor(what, () => done() || undefined, timeoutMs, 5);
}

let flushes = 0;

/**
 * Sends a packet of a microphone new to its slot (forwarded whatever its
 * timing) and waits for it at FFmpeg: the relay reads its socket in order,
 * so everything sent before has been dealt with.
 */
async function flush({ relay, mediasoup, ffmpeg }: Rig): Promise<void> {
  const microphone = new Microphone(0xf1000000 + flushes++);
  relay.attach(MICROPHONE_SLOT, microphone.ssrc);
  mediasoup.send(microphone.frame());
  await until('the microphone packet sent last', () =>
    ffmpeg.slots[MICROPHONE_SLOT]!.rtp.some((arrival) => microphone.sent(arrival)),
  );
}

/** Sends camera delta frames 25 times a second until stopped. */
function keepSendingDeltaFrames({ mediasoup, camera }: Rig): () => void {
  const timer = setInterval(() => mediasoup.send(camera.frame(false)), 40);
  return () => clearInterval(timer);
}

/** FFmpeg runs and is ready, and the camera is on air. */
async function cameraOnAir(rig: Rig): Promise<void> {
  const { relay, ffmpeg, mediasoup, camera, keyFrameRequests } = rig;
  relay.setTargets(ffmpeg.ports);
  relay.attach(CAMERA_SLOT, camera.ssrc, () => keyFrameRequests.push(performance.now()));
  relay.releaseCameras();
  mediasoup.send(camera.frame(true));
  await until('the camera on air', () => ffmpeg.slots[CAMERA_SLOT]!.rtp.some((arrival) => camera.sent(arrival)));
}

function filler(input: SlotInput, slot: number): Arrival[] {
  return input.rtp.filter((arrival) => arrival.payload.equals(FILLERS[slot]!));
}

/** One stream for FFmpeg on each slot: its SSRC and payload type, sequence numbers +1 each, timestamps never back. */
function assertOneStream(ffmpeg: FfmpegInputs): void {
  ffmpeg.slots.forEach((input, slot) => {
    assert.ok(input.rtp.length > 0, `slot ${slot}: nothing arrived`);
    input.rtp.forEach(({ header }, index) => {
      const where = `slot ${slot}, packet ${index}`;
      assert.is(header.ssrc, SLOT_SSRCS[slot], `${where}: SSRC`);
      assert.is(header.payloadType, PAYLOAD_TYPES[slot], `${where}: payload type`);
      if (index === 0) return;
      const previous = input.rtp[index - 1]!.header;
      assert.is(header.sequenceNumber, (previous.sequenceNumber + 1) & 0xffff, `${where}: sequence number`);
      const step = timestampDistance(header.timestamp, previous.timestamp);
      assert.ok(step >= 0, `${where}: timestamp went back by ${-step}`);
    });
    assert.equal(input.strays, [], `slot ${slot}: only RTP on its port, only sender reports on port + 1`);
  });
}

/** Waits for packets in flight to land, then checks that nothing more comes for a while. */
async function assertSilence(ffmpeg: FfmpegInputs, forMs: number, why: string): Promise<void> {
  await sleep(100);
  const before = ffmpeg.received;
  await sleep(forMs);
  assert.is(ffmpeg.received - before, 0, why);
}

test('nothing is sent before FFmpeg runs; then each slot gets its filler and, on port + 1, its sender reports', () =>
  withRelay(async ({ relay, ffmpeg }) => {
    await sleep(200);
    assert.is(ffmpeg.received, 0);
    assert.equal(
      relay.stats().map((stats) => stats.filler),
      [0, 0],
      'no filler is used up while nobody reads it',
    );

    relay.setTargets(ffmpeg.ports);
    // Sender reports every 100 ms at first, video filler about 25 times a second.
    await until('filler and sender reports on every slot', () =>
      ffmpeg.slots.every((input) => input.rtp.length >= 4 && input.reports.length >= 4),
    );
    assertOneStream(ffmpeg);
    ffmpeg.slots.forEach((input, slot) => {
      for (const arrival of input.rtp) assert.equal(arrival.payload, FILLERS[slot], `slot ${slot}: filler`);
      for (const report of input.reports) {
        assert.is(report.ssrc, SLOT_SSRCS[slot], `slot ${slot}: the report is about the slot's stream`);
        // performance.now() is the relay's clock; its origin makes it wall time.
        const wallNowMs = performance.timeOrigin + report.atMs;
        assert.ok(Math.abs(report.wallMs - wallNowMs) < 100, `slot ${slot}: report wall clock ${report.wallMs}`);
      }
      // The report maps its instant to the RTP timestamp the filler uses for it.
      const report = input.reports.at(-1)!;
      const before = input.rtp.filter((arrival) => arrival.atMs <= report.atMs).at(-1)!;
      const expected = before.header.timestamp + ((report.atMs - before.atMs) * SPECS[slot]!.clockRate) / 1000;
      const offBy = (Math.abs(report.timestamp - expected) * 1000) / SPECS[slot]!.clockRate;
      assert.ok(offBy < 100, `slot ${slot}: the report's timestamp is ${offBy} ms off the filler's timeline`);
    });
    assert.ok(
      ffmpeg.slots[CAMERA_SLOT]!.rtp.every((arrival) => arrival.header.marker),
      'each still frame is a whole frame',
    );

    relay.setTargets(undefined);
    await assertSilence(ffmpeg, 300, 'nothing once FFmpeg is gone');
  }));

test('a camera waits until FFmpeg has built its graph, then joins at its next key frame, numbered on from the filler', () =>
  withRelay(async (rig) => {
    const { relay, ffmpeg, mediasoup, camera, keyFrameRequests } = rig;
    relay.setTargets(ffmpeg.ports);
    relay.attach(CAMERA_SLOT, camera.ssrc, () => keyFrameRequests.push(performance.now()));
    for (const key of [true, false, false, true, false]) {
      mediasoup.send(camera.frame(key));
      await sleep(40);
    }
    await flush(rig);
    const cameraInput = ffmpeg.slots[CAMERA_SLOT]!;
    const fromCamera = () => cameraInput.rtp.filter((arrival) => camera.sent(arrival));
    assert.equal(fromCamera(), [], 'nothing of the camera, not even a key frame, before FFmpeg is ready');
    assert.ok(filler(cameraInput, CAMERA_SLOT).length >= 2, 'the slot carries filler meanwhile');
    assert.equal(keyFrameRequests, [], 'no key frame is asked for that could not be used');

    relay.releaseCameras();
    assert.is(keyFrameRequests.length, 1, 'released: a key frame is asked for at once');
    mediasoup.send(camera.frame(false), camera.frame(false));
    await flush(rig);
    assert.equal(fromCamera(), [], 'delta frames are no use to a new decoder');

    const keyFrame = camera.frame(true);
    mediasoup.send(keyFrame, camera.frame(false), camera.frame(false));
    await until('the key frame and what follows', () => fromCamera().length === 3);
    const first = cameraInput.rtp.findIndex((arrival) => camera.sent(arrival));
    assert.equal(cameraInput.rtp[first]!.payload, keyFrame.subarray(12), 'the camera starts at its key frame');
    assert.ok(first > 0, 'after filler');
    assert.ok(
      cameraInput.rtp.slice(first).every((arrival) => camera.sent(arrival)),
      'no filler between its frames',
    );
    // Rewritten to the slot's SSRC and payload type, numbered on from the filler.
    assertOneStream(ffmpeg);

    // On air: no more filler, no more key frame requests.
    const fillerBefore = filler(cameraInput, CAMERA_SLOT).length;
    const stop = keepSendingDeltaFrames(rig);
    await sleep(KEY_FRAME_RETRY_MS + SCHEDULING_SLACK_MS);
    stop();
    assert.is(keyFrameRequests.length, 1, 'the key frame came: nothing more to ask for');
    assert.is(filler(cameraInput, CAMERA_SLOT).length, fillerBefore, 'the camera feeds the slot');
    assert.ok(fromCamera().length >= 25);
    assertOneStream(ffmpeg);
  }));

test('a new FFmpeg holds the camera back again until it is ready, and the camera stays on air after it joins', () =>
  withRelay(async (rig) => {
    const { relay, ffmpeg, mediasoup, camera, keyFrameRequests } = rig;
    await cameraOnAir(rig);
    const cameraInput = ffmpeg.slots[CAMERA_SLOT]!;
    const fromCamera = () => cameraInput.rtp.filter((arrival) => camera.sent(arrival));
    const stop = keepSendingDeltaFrames(rig);
    try {
      await sleep(200);
      // FFmpeg restarted on the same ports: new decoders, a graph not built yet.
      relay.setTargets([...ffmpeg.ports]);
      // Camera packets the relay sent before may still be on their way.
      await flush(rig);
      const forwardedBefore = fromCamera().length;
      mediasoup.send(camera.frame(true));
      await sleep(150);
      await flush(rig);
      assert.is(fromCamera().length, forwardedBefore, 'not even a key frame while the new FFmpeg starts');
      assert.ok(cameraInput.rtp.at(-1)!.payload.equals(FILLERS[CAMERA_SLOT]!), 'the slot went back to filler');
      assert.is(keyFrameRequests.length, 1, 'no key frame asked for while held');

      relay.releaseCameras();
      assert.is(keyFrameRequests.length, 2, 'released: a key frame is asked for at once');
      mediasoup.send(camera.frame(true));
      await until('the camera back on air', () => camera.sent(cameraInput.rtp.at(-1)!));
      const fillerBefore = filler(cameraInput, CAMERA_SLOT).length;
      // The packets dropped while held are no loss to wait for or act on.
      await sleep(600);
      assert.is(filler(cameraInput, CAMERA_SLOT).length, fillerBefore, 'the camera keeps the slot');
      assert.is(keyFrameRequests.length, 2, 'and needs no second key frame');
    } finally {
      stop();
    }
    assertOneStream(ffmpeg);
  }));

test('a microphone is forwarded at once, while cameras are still held, in its own timing', () =>
  withRelay(async ({ relay, ffmpeg, mediasoup, microphone }) => {
    relay.setTargets(ffmpeg.ports);
    const input = ffmpeg.slots[MICROPHONE_SLOT]!;
    await until('silence on the microphone slot', () => input.rtp.length >= 3);
    relay.attach(MICROPHONE_SLOT, microphone.ssrc);
    const frames = Array.from({ length: 5 }, () => microphone.frame());
    mediasoup.send(...frames);
    await until('the microphone', () => input.rtp.filter((arrival) => microphone.sent(arrival)).length === 5);
    const forwarded = input.rtp.filter((arrival) => microphone.sent(arrival));
    assert.equal(
      forwarded.map((arrival) => arrival.payload),
      frames.map((frame) => frame.subarray(12)),
      'every frame, in order, untouched',
    );
    const first = input.rtp.indexOf(forwarded[0]!);
    assert.ok(first > 0, 'after silence');
    const afterSilence = timestampDistance(forwarded[0]!.header.timestamp, input.rtp[first - 1]!.header.timestamp);
    assert.ok(afterSilence >= 960, `the first frame does not overlap the silence before it (${afterSilence} ticks on)`);
    for (let index = 1; index < forwarded.length; index++) {
      const step = timestampDistance(forwarded[index]!.header.timestamp, forwarded[index - 1]!.header.timestamp);
      assert.is(step, 960, "the microphone's own 20 ms steps");
    }
    assertOneStream(ffmpeg);
  }));

test('packets from unknown streams, RTCP and garbage reaching the relay go nowhere', () =>
  withRelay(async (rig) => {
    const { relay, ffmpeg, mediasoup, microphone } = rig;
    relay.setTargets(ffmpeg.ports);
    relay.attach(MICROPHONE_SLOT, microphone.ssrc);
    const stranger = new Microphone(0x57a4);
    const strangerCamera = new Camera(0x57a5);
    // mediasoup's sender report for the microphone's consumer...
    const senderReport = buildSenderReport(microphone.ssrc, Date.now(), 12345, 10, 100);
    // ...and a receiver report whose report block names the microphone where RTP has its SSRC.
    const receiverReport = Buffer.alloc(32);
    receiverReport[0] = 0x81;
    receiverReport[1] = 201;
    receiverReport.writeUInt16BE(7, 2);
    receiverReport.writeUInt32BE(0x1234, 4);
    receiverReport.writeUInt32BE(microphone.ssrc, 8);
    const garbage = Buffer.from([0x00, 0x01, 0x02]);
    mediasoup.send(stranger.frame(), strangerCamera.frame(true), senderReport, receiverReport, garbage);
    relay.releaseCameras();
    // The microphone's first packet, last: when it is through, so is the rest.
    mediasoup.send(stranger.frame(), strangerCamera.frame(true), microphone.frame());
    await until('the microphone', () => ffmpeg.slots[MICROPHONE_SLOT]!.rtp.some((arrival) => microphone.sent(arrival)));

    const allRtp = ffmpeg.slots.flatMap((input) => input.rtp);
    assert.equal(
      allRtp.filter((arrival) => stranger.sent(arrival) || strangerCamera.sent(arrival)),
      [],
      'unknown streams',
    );
    const microphoneInput = ffmpeg.slots[MICROPHONE_SLOT]!;
    assert.equal(
      microphoneInput.rtp.filter((arrival) => !microphone.sent(arrival) && !arrival.payload.equals(OPUS_SILENCE)),
      [],
      'RTCP is not passed on as RTP',
    );
    assert.equal(
      microphoneInput.reports.filter((report) => report.ssrc !== SLOT_SSRCS[MICROPHONE_SLOT]),
      [],
      "mediasoup's reports are not passed on",
    );
    assert.is(relay.stats()[MICROPHONE_SLOT]!.forwarded, 1, 'only the microphone packet');
    assertOneStream(ffmpeg);
  }));

test('a camera sending only delta frames is asked for a key frame at once, again a second later, at most 3 times', () =>
  withRelay(async (rig) => {
    const { relay, ffmpeg, camera, keyFrameRequests } = rig;
    relay.setTargets(ffmpeg.ports);
    relay.attach(CAMERA_SLOT, camera.ssrc, () => keyFrameRequests.push(performance.now()));
    const stop = keepSendingDeltaFrames(rig);
    try {
      await sleep(100);
      const releasedAtMs = performance.now();
      relay.releaseCameras();
      assert.is(keyFrameRequests.length, 1, 'at once');
      assert.ok(keyFrameRequests[0]! - releasedAtMs < 50);
      await until(
        `${MAX_KEY_FRAME_REQUESTS} requests`,
        () => keyFrameRequests.length >= MAX_KEY_FRAME_REQUESTS,
        (MAX_KEY_FRAME_REQUESTS - 1) * (KEY_FRAME_RETRY_MS + SCHEDULING_SLACK_MS),
      );
      // A 4th would be due a second after the 3rd.
      await sleep(KEY_FRAME_RETRY_MS + SCHEDULING_SLACK_MS);
    } finally {
      stop();
    }
    assert.is(keyFrameRequests.length, MAX_KEY_FRAME_REQUESTS, 'capped');
    for (let index = 1; index < keyFrameRequests.length; index++) {
      const gapMs = keyFrameRequests[index]! - keyFrameRequests[index - 1]!;
      assert.ok(
        gapMs >= KEY_FRAME_RETRY_MS - 1 && gapMs < KEY_FRAME_RETRY_MS + SCHEDULING_SLACK_MS,
        `request ${index + 1} came ${gapMs} ms after the one before`,
      );
    }
    const cameraInput = ffmpeg.slots[CAMERA_SLOT]!;
    assert.not.ok(
      cameraInput.rtp.some((arrival) => camera.sent(arrival)),
      'its delta frames were not forwarded',
    );
    assert.ok(filler(cameraInput, CAMERA_SLOT).length >= 30, 'filler all along');
    assertOneStream(ffmpeg);
  }));

test('a camera attached while FFmpeg runs is asked for a key frame at once and takes the slot over at it', () =>
  withRelay(async (rig) => {
    const { relay, ffmpeg, mediasoup, camera, keyFrameRequests } = rig;
    await cameraOnAir(rig);
    const cameraInput = ffmpeg.slots[CAMERA_SLOT]!;
    const next = new Camera(0xcb0cb0cb);
    const nextRequests: number[] = [];
    const attachedAtIndex = cameraInput.rtp.length;
    relay.attach(CAMERA_SLOT, next.ssrc, () => nextRequests.push(performance.now()));
    assert.is(nextRequests.length, 1, 'at once');
    mediasoup.send(camera.frame(true), camera.frame(false), next.frame(false), next.frame(false));
    await flush(rig);
    const keyFrame = next.frame(true);
    mediasoup.send(camera.frame(false), keyFrame, next.frame(false));
    await until('the new camera', () => cameraInput.rtp.filter((arrival) => next.sent(arrival)).length === 2);
    const fromNext = cameraInput.rtp.filter((arrival) => next.sent(arrival));
    assert.equal(fromNext[0]!.payload, keyFrame.subarray(12), 'it starts at its key frame');
    assert.ok(
      cameraInput.rtp.slice(attachedAtIndex).every((arrival) => !camera.sent(arrival)),
      'the camera it replaced is no longer forwarded',
    );
    assert.is(keyFrameRequests.length, 1, 'nor asked for key frames');
    assertOneStream(ffmpeg);
  }));

test('detached slots go back to filler, and their former sources are no longer forwarded', () =>
  withRelay(async (rig) => {
    const { relay, ffmpeg, mediasoup, microphone, camera } = rig;
    await cameraOnAir(rig);
    relay.attach(MICROPHONE_SLOT, microphone.ssrc);
    mediasoup.send(camera.frame(false), microphone.frame());
    await until('the microphone on air', () => microphone.sent(ffmpeg.slots[MICROPHONE_SLOT]!.rtp.at(-1)!));
    relay.detach(CAMERA_SLOT);
    relay.detach(MICROPHONE_SLOT);
    const detachedAtMs = performance.now();
    mediasoup.send(camera.frame(true), camera.frame(false), microphone.frame(), microphone.frame());
    await until('filler on both slots again', () =>
      ffmpeg.slots.every((input, slot) => filler(input, slot).filter((a) => a.atMs > detachedAtMs).length >= 3),
    );
    const resumedAtMs = filler(ffmpeg.slots[CAMERA_SLOT]!, CAMERA_SLOT).find((a) => a.atMs > detachedAtMs)!.atMs;
    assert.ok(
      resumedAtMs - detachedAtMs < 1000 / 15 + SCHEDULING_SLACK_MS,
      `the still frame is back at once, not when the camera counts as stalled (${resumedAtMs - detachedAtMs} ms)`,
    );
    ffmpeg.slots.forEach((input, slot) => {
      const lastForwarded = input.rtp.findLastIndex((arrival) => !arrival.payload.equals(FILLERS[slot]!));
      assert.ok(lastForwarded >= 0, `slot ${slot}: was fed`);
      assert.ok(input.rtp[lastForwarded]!.atMs <= detachedAtMs, `slot ${slot}: nothing forwarded after detach`);
    });
    // Filler numbered on from the last forwarded packet.
    assertOneStream(ffmpeg);
  }));

test('close(): nothing more is sent, and the port is free', () =>
  withRelay(async (rig) => {
    const { relay, ffmpeg, mediasoup, microphone } = rig;
    await cameraOnAir(rig);
    relay.attach(MICROPHONE_SLOT, microphone.ssrc);
    const relayPort = relay.port;
    relay.close();
    relay.close();
    const stop = keepSendingDeltaFrames(rig);
    try {
      mediasoup.send(microphone.frame());
      await assertSilence(ffmpeg, 300, 'no filler, reports or forwarding after close');
    } finally {
      stop();
    }
    const socket = await bindSocket(relayPort, () => undefined);
    socket.close();
  }));

test.run();
