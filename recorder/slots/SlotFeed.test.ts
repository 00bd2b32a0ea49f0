// A slot must look like one uninterrupted RTP stream to FFmpeg whoever feeds
// it: one SSRC, sequence numbers without jumps, timestamps that never go back
// and keep to the wall clock, filler while nobody feeds it, cameras only from
// a key frame (at the start, and again after a stall or a lost packet), audio
// gaps padded with silence that nothing overlaps. FFmpeg reacts to a broken
// stream with dropped frames, smeared pictures or audio out of sync, long
// after the cause: these tests drive a SlotFeed the way the relay does
// (packets as they arrive, a tick every 20 ms, time passed in) and check the
// stream that comes out.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildRtpPacket, readRtpHeader, timestampDistance, type RtpHeader } from './rtpPacket.ts';
import { LOSS_WAIT_MS, SlotFeed, type SlotFeedOptions } from './SlotFeed.ts';
import { startsVp8KeyFrame } from './vp8KeyFrame.ts';

const SLOT_SSRC = 0x5c000004;
const VIDEO_PAYLOAD_TYPE = 96;
const AUDIO_PAYLOAD_TYPE = 111;
/** What mediasoup's consumers use; the slot rewrites it to the SDP's. */
const SOURCE_PAYLOAD_TYPE = 100;
/** performance.timeOrigin has fractions of a millisecond. */
const WALL_ORIGIN_MS = 1_700_000_000_000.375;
/** The relay's tick. */
const TICK_MS = 20;
/** Cameras here send 25 frames a second, so their RTP clock is 3600 ticks a frame. */
const FRAME_MS = 40;

/** VP8 frame tags: a shown 640×360 key frame (P = 0) with its start code, and an inter frame (P = 1). */
const KEY_FRAME = [0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01];
const DELTA_FRAME = [0x31, 0x0a, 0x00, 0x12, 0x34];
/** What the recorder sends while a camera slot is empty: descriptor 0x10 and a small key frame. */
const FILLER_KEY_FRAME = Buffer.from([0x10, 0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x00, 0x24, 0x00]);
/** 20 ms of Opus silence. */
const SILENCE = Buffer.from([0xfc, 0xff, 0xfe]);

function videoFeed(options: Partial<SlotFeedOptions> = {}): SlotFeed {
  return new SlotFeed({
    kind: 'video',
    payloadType: VIDEO_PAYLOAD_TYPE,
    clockRate: 90_000,
    ssrc: SLOT_SSRC,
    filler: FILLER_KEY_FRAME,
    startsAtKeyFrames: true,
    epochMs: 0,
    wallOriginMs: WALL_ORIGIN_MS,
    ...options,
  });
}

function audioFeed(): SlotFeed {
  return new SlotFeed({
    kind: 'audio',
    payloadType: AUDIO_PAYLOAD_TYPE,
    clockRate: 48_000,
    ssrc: SLOT_SSRC,
    filler: SILENCE,
    startsAtKeyFrames: false,
    epochMs: 0,
    wallOriginMs: WALL_ORIGIN_MS,
  });
}

/**
 * A VP8 camera as mediasoup relays Chrome's: every frame in two packets, the
 * first starting partition 0 (its VP8 header says key or delta), the second
 * continuing it with the marker; the descriptor has a 15-bit PictureID,
 * TL0PICIDX and TID. Its RTP clock runs `clockScale` times the wall clock.
 */
class Camera {
  readonly ssrc: number;
  readonly #firstTimestamp: number;
  readonly #clockScale: number;
  #sequenceNumber: number;
  #pictureId = 0x1234;

  constructor(ssrc: number, { sequenceNumber = 1, timestamp = 0x10000, clockScale = 1 } = {}) {
    this.ssrc = ssrc;
    this.#sequenceNumber = sequenceNumber;
    this.#firstTimestamp = timestamp;
    this.#clockScale = clockScale;
  }

  /** The own RTP timestamp of a frame captured at `atMs`. */
  timestampAt(atMs: number): number {
    return (this.#firstTimestamp + Math.round(atMs * 90 * this.#clockScale)) >>> 0;
  }

  frame(atMs: number, key: boolean): Buffer[] {
    const pictureId = this.#pictureId++ & 0x7fff;
    const descriptor = (start: boolean) => [
      0x80 | (start ? 0x10 : 0),
      0xe0,
      0x80 | (pictureId >> 8),
      pictureId & 0xff,
      pictureId & 0xff,
      0x20,
    ];
    const payloads = [
      Buffer.from([...descriptor(true), ...(key ? KEY_FRAME : DELTA_FRAME)]),
      Buffer.from([...descriptor(false), 0x00, 0x11, 0x22, 0x33]),
    ];
    return payloads.map((payload, index) =>
      buildRtpPacket(payload, {
        payloadType: SOURCE_PAYLOAD_TYPE,
        marker: index === payloads.length - 1,
        sequenceNumber: this.#sequenceNumber++,
        timestamp: this.timestampAt(atMs),
        ssrc: this.ssrc,
      }),
    );
  }
}

/** An Opus microphone: one 20 ms packet per call, stamped by its own 48 kHz clock. */
class Microphone {
  readonly ssrc: number;
  readonly #firstTimestamp: number;
  #sequenceNumber: number;

  constructor(ssrc: number, { sequenceNumber = 1, timestamp = 0x20000 } = {}) {
    this.ssrc = ssrc;
    this.#sequenceNumber = sequenceNumber;
    this.#firstTimestamp = timestamp;
  }

  /** The packet holding the 20 ms captured from `capturedMs`. */
  packet(capturedMs: number): Buffer {
    // TOC 0xfc (CELT, 20 ms), then some audio: not a VP8 key frame start, should anything look.
    return buildRtpPacket(Buffer.from([0xfc, 0x0b, 0xad, 0xf0, 0x0d]), {
      payloadType: SOURCE_PAYLOAD_TYPE,
      marker: false,
      sequenceNumber: this.#sequenceNumber++,
      timestamp: (this.#firstTimestamp + capturedMs * 48) >>> 0,
      ssrc: this.ssrc,
    });
  }
}

interface Sent {
  atMs: number;
  /** 'filler', or the SSRC of the host stream it was forwarded from. */
  from: 'filler' | number;
  header: RtpHeader;
  payload: Buffer;
}

/** What leaves the slot for FFmpeg, in order. */
class Wire {
  readonly feed: SlotFeed;
  readonly sent: Sent[] = [];

  constructor(feed: SlotFeed) {
    this.feed = feed;
  }

  /** The relay's tick: the filler due now goes out. Returns how many packets that was. */
  tick(nowMs: number): number {
    const packets = this.feed.fill(nowMs);
    for (const packet of packets) this.#record(packet, nowMs, 'filler');
    return packets.length;
  }

  /** Packets arriving from mediasoup; for each, whether it went on to FFmpeg. */
  deliver(packets: Buffer | Buffer[], nowMs: number): boolean[] {
    return [packets].flat().map((packet) => {
      const header = readRtpHeader(packet)!;
      if (!this.feed.forward(packet, header, nowMs)) return false;
      this.#record(packet, nowMs, header.ssrc);
      return true;
    });
  }

  /** Filler sent in [fromMs, toMs). */
  fillers(fromMs = -Infinity, toMs = Infinity): Sent[] {
    return this.sent.filter((sent) => sent.from === 'filler' && sent.atMs >= fromMs && sent.atMs < toMs);
  }

  forwarded(ssrc: number): Sent[] {
    return this.sent.filter((sent) => sent.from === ssrc);
  }

  get last(): Sent {
    return this.sent.at(-1)!;
  }

  #record(packet: Buffer, atMs: number, from: Sent['from']): void {
    const header = readRtpHeader(packet);
    assert.ok(header, `the slot sent something that is not RTP at ${atMs} ms`);
    const payload = Buffer.from(packet.subarray(header.payloadOffset, header.payloadOffset + header.payloadLength));
    this.sent.push({ atMs, from, header, payload });
  }
}

/**
 * Runs the relay's clock over [fromMs, toMs) in 1 ms steps: at each instant
 * `arrive` (packets reaching the relay) first, then the tick every 20 ms.
 */
function play(wire: Wire, fromMs: number, toMs: number, arrive: (nowMs: number) => void = () => undefined): void {
  for (let nowMs = fromMs; nowMs < toMs; nowMs++) {
    arrive(nowMs);
    if (nowMs % TICK_MS === 0) wire.tick(nowMs);
  }
}

/** One stream for FFmpeg: the slot's SSRC and payload type, sequence numbers +1 each, timestamps never back. */
function assertOneStream(sent: readonly Sent[], payloadType = VIDEO_PAYLOAD_TYPE): void {
  assert.ok(sent.length > 0, 'nothing was sent');
  sent.forEach(({ header, atMs, from }, index) => {
    const where = `packet ${index} (${from} at ${atMs} ms)`;
    assert.is(header.ssrc, SLOT_SSRC, `${where}: SSRC`);
    assert.is(header.payloadType, payloadType, `${where}: payload type`);
    if (index === 0) return;
    const previous = sent[index - 1]!.header;
    assert.is(header.sequenceNumber, (previous.sequenceNumber + 1) & 0xffff, `${where}: sequence number`);
    const step = timestampDistance(header.timestamp, previous.timestamp);
    assert.ok(step >= 0, `${where}: timestamp went back by ${-step}`);
  });
}

/** Audio frames are 20 ms: each must start at least 960 ticks after the previous one, or they overlap. */
function assertNoOverlap(sent: readonly Sent[]): void {
  for (let index = 1; index < sent.length; index++) {
    const step = timestampDistance(sent[index]!.header.timestamp, sent[index - 1]!.header.timestamp);
    assert.ok(step >= 960, `packet ${index} (${sent[index]!.from} at ${sent[index]!.atMs} ms) is ${step} ticks on`);
  }
}

function steps(sent: readonly Sent[]): number[] {
  return sent
    .slice(1)
    .map((packet, index) => timestampDistance(packet.header.timestamp, sent[index]!.header.timestamp));
}

/** Sender report fields: NTP time as Unix ms, and the RTP timestamp and counts. */
function readReport(report: Buffer) {
  return {
    ssrc: report.readUInt32BE(4),
    wallMs: (report.readUInt32BE(8) - 2_208_988_800) * 1000 + (report.readUInt32BE(12) / 2 ** 32) * 1000,
    timestamp: report.readUInt32BE(16),
    packets: report.readUInt32BE(20),
    octets: report.readUInt32BE(24),
  };
}

/** A camera feeding the slot from a key frame at 0 ms, a frame every 40 ms until (not at) `untilMs`. */
function cameraFeeding(untilMs: number, wire = new Wire(videoFeed()), camera = new Camera(0xca)) {
  wire.feed.attach(camera.ssrc, 0);
  play(wire, 0, untilMs, (t) => {
    if (t % FRAME_MS === 0) wire.deliver(camera.frame(t, t === 0), t);
  });
  return { wire, camera };
}

// ---- cameras ----

test('an empty camera slot sends the still key frame about 25 times a second, stamped by the wall clock', () => {
  const wire = new Wire(videoFeed());
  play(wire, 0, 1001);
  assert.equal(
    wire.sent.map((sent) => sent.atMs),
    Array.from({ length: 26 }, (_, index) => index * 40),
    'every 2nd 20 ms tick: the first one at least 1/30 s after the last filler',
  );
  for (const { header, payload, atMs } of wire.sent) {
    assert.equal(payload, FILLER_KEY_FRAME);
    assert.ok(startsVp8KeyFrame(payload), 'a decoder can start at any filler packet');
    assert.is(header.marker, true, 'each filler packet is a whole frame');
    assert.is(timestampDistance(header.timestamp, wire.sent[0]!.header.timestamp), atMs * 90);
  }
  // FFmpeg's RTP demuxer takes 0 for "unset".
  assert.is.not(wire.sent[0]!.header.sequenceNumber, 0);
  assert.is.not(wire.sent[0]!.header.timestamp, 0);
  assertOneStream(wire.sent);
});

test('a new camera is not forwarded until its key frame; the still frame fills in meanwhile', () => {
  const wire = new Wire(videoFeed());
  const camera = new Camera(0xca);
  play(wire, 0, 200);
  wire.feed.attach(camera.ssrc, 200);
  assert.is(wire.feed.sourceSsrc, camera.ssrc);
  assert.ok(wire.feed.awaitingKeyFrame, 'attached, waiting for a key frame');

  const outcomes = new Map<number, boolean[]>();
  let activeWhileWaiting = false;
  play(wire, 200, 1400, (t) => {
    if (t % FRAME_MS === 0) outcomes.set(t, wire.deliver(camera.frame(t, t === 800), t));
    // 599 ms after attach: only its delta frames keep it "active" (worth asking again for a key frame).
    if (t === 799) activeWhileWaiting = wire.feed.sourceActive(t);
  });
  for (const [atMs, forwarded] of outcomes) {
    assert.equal(forwarded, atMs < 800 ? [false, false] : [true, true], `frame at ${atMs} ms`);
  }
  assert.ok(activeWhileWaiting, 'delta frames count as activity while the key frame is awaited');
  assert.not.ok(wire.feed.awaitingKeyFrame);
  assert.ok(wire.fillers(200, 800).length >= 7, 'filler went on while the camera sent only delta frames');
  assert.equal(wire.fillers(800), [], 'no filler once the camera is forwarded');
  const first = wire.forwarded(camera.ssrc)[0]!;
  assert.is(first.atMs, 800);
  assert.ok(startsVp8KeyFrame(first.payload), 'the first forwarded packet starts the key frame');
  assertOneStream(wire.sent);
});

test('a key frame whose first packet was lost does not start the camera', () => {
  const wire = new Wire(videoFeed());
  const camera = new Camera(0xca);
  wire.feed.attach(camera.ssrc, 0);
  const [, keyFrameRest] = camera.frame(0, true);
  assert.equal(wire.deliver(keyFrameRest!, 0), [false], 'the rest of a key frame');
  assert.equal(wire.deliver(camera.frame(40, false), 40), [false, false], 'the delta frame after it');
  assert.ok(wire.feed.awaitingKeyFrame);
  assert.equal(wire.deliver(camera.frame(80, true), 80), [true, true], 'the next whole key frame');
});

test('a picture slot: a new filler frame of several packets goes out whole from the next tick, one timestamp, the marker on its last packet', () => {
  const wire = new Wire(videoFeed());
  play(wire, 0, 41);
  const picture = [
    Buffer.from([0x10, 0x50, 0x42, 0x00, 0x9d, 0x01, 0x2a]),
    Buffer.from([0x00, 1, 2]),
    Buffer.from([0x00, 3]),
  ];
  wire.feed.setFiller(picture);
  play(wire, 60, 141);
  const frames = wire.sent.filter((sent) => sent.atMs >= 60);
  assert.is(frames.length, 6, 'two frames of three packets');
  for (const [index, { header, payload }] of frames.entries()) {
    assert.equal(payload, picture[index % 3]);
    assert.is(header.marker, index % 3 === 2, `packet ${index}: the marker on the frame's last only`);
    assert.is(header.timestamp, frames[index - (index % 3)]!.header.timestamp, 'one timestamp per frame');
  }
  assert.ok(startsVp8KeyFrame(frames[0]!.payload), 'a decoder can start at the frame');
  assertOneStream(wire.sent);
  assert.throws(() => wire.feed.setFiller([]), /at least one packet/);
});

test('sequence numbers continue without a jump through filler, camera A, camera B and filler again', () => {
  const wire = new Wire(videoFeed());
  const a = new Camera(0xa, { sequenceNumber: 40_000, timestamp: 123_456 });
  // B's own sequence numbers wrap at 65535 while it is forwarded.
  const b = new Camera(0xb, { sequenceNumber: 65_520, timestamp: 0xffff_f000 });
  play(wire, 0, 200);
  wire.feed.attach(a.ssrc, 200);
  play(wire, 200, 1000, (t) => {
    if (t % FRAME_MS === 0) wire.deliver(a.frame(t, t === 200), t);
  });
  wire.feed.attach(b.ssrc, 1000);
  play(wire, 1000, 2000, (t) => {
    if (t % FRAME_MS === 0) wire.deliver(b.frame(t, t === 1200), t);
  });
  wire.feed.detach();
  play(wire, 2000, 2500);

  assert.is(wire.forwarded(a.ssrc).length, 40);
  assert.is(wire.forwarded(b.ssrc).length, 40);
  for (const [fromMs, toMs] of [
    [0, 200],
    [1000, 1200],
    [2000, 2500],
  ] as const) {
    assert.ok(wire.fillers(fromMs, toMs).length > 0, `filler between ${fromMs} and ${toMs} ms`);
  }
  assertOneStream(wire.sent);
});

test('a slot running for 13 hours crosses its own 32-bit timestamp wrap without a jump', () => {
  // The slot clock started long ago: its timestamps wrap about 600 ms from now.
  const epochMs = -(2 ** 32 - 1_000_000 - 600 * 90) / 90;
  const wire = new Wire(videoFeed({ epochMs }));
  const camera = new Camera(0xca);
  play(wire, 0, 200);
  wire.feed.attach(camera.ssrc, 200);
  play(wire, 200, 1000, (t) => {
    if (t % FRAME_MS === 0) wire.deliver(camera.frame(t, t === 200), t);
  });
  wire.feed.detach();
  play(wire, 1000, 1500);
  const timestamps = wire.sent.map((sent) => sent.header.timestamp);
  assert.ok(timestamps[0]! > 0xfff00000 && timestamps.at(-1)! < 0x00100000, 'the wrap happened');
  assertOneStream(wire.sent);
  const frames = wire.forwarded(camera.ssrc).filter((sent) => sent.header.marker);
  assert.ok(steps(frames).every((step) => step === FRAME_MS * 90));
});

test('timestamps never go backwards across a switch, even from a camera whose clock runs fast', () => {
  const wire = new Wire(videoFeed());
  // A's clock runs 10% fast: after 3 s its timestamps are 300 ms ahead of the wall clock.
  const a = new Camera(0xa, { clockScale: 1.1 });
  const b = new Camera(0xb, { timestamp: 0 });
  cameraFeeding(3000, wire, a);
  const lastOfA = wire.last;
  wire.feed.attach(b.ssrc, 3000);
  assert.equal(wire.deliver(b.frame(3000, true), 3000), [true, true]);
  const firstOfB = wire.last;
  assert.ok(
    timestampDistance(firstOfB.header.timestamp, lastOfA.header.timestamp) > 0,
    'B starts after the last frame of A, not at the (earlier) wall-clock position',
  );
  play(wire, 3001, 3500, (t) => {
    if (t % FRAME_MS === 0) wire.deliver(b.frame(t, false), t);
  });
  wire.feed.detach();
  play(wire, 3500, 4000);
  assert.ok(wire.fillers(3500).length > 0);
  assertOneStream(wire.sent);
  // Frames of one camera are never stamped alike: only packets of one frame share a timestamp.
  const frameStarts = wire.sent.filter((sent) => sent.from === 'filler' || !sent.header.marker);
  assert.ok(steps(frameStarts).every((step) => step > 0));
});

test('a camera is stamped at the wall-clock instant of its key frame, whatever its own timestamps', () => {
  const wire = new Wire(videoFeed());
  // Its own timestamps wrap past 2^32 a few frames in.
  const camera = new Camera(0xca, { timestamp: 0xffff_8000 });
  play(wire, 0, 500);
  const firstFiller = wire.sent[0]!;
  wire.feed.attach(camera.ssrc, 500);
  play(wire, 500, 2000, (t) => {
    if (t % FRAME_MS === 0 && t >= 520) wire.deliver(camera.frame(t, t === 520), t);
  });
  const frames = wire.forwarded(camera.ssrc).filter((sent) => sent.header.marker);
  assert.is(
    timestampDistance(frames[0]!.header.timestamp, firstFiller.header.timestamp),
    520 * 90,
    'the same timeline as the filler: 520 ms after it',
  );
  assert.ok(frames.length > 30);
  assert.ok(
    steps(frames).every((step) => step === FRAME_MS * 90),
    'its frames keep their spacing, through its own wrap',
  );
  assertOneStream(wire.sent);
});

test('filler stops while a camera feeds the slot and resumes 500 ms after its last packet', () => {
  const { wire, camera } = cameraFeeding(1000);
  assert.equal(wire.fillers(), [], 'no filler while the camera sends');
  // Its last frame went out at 960 ms.
  assert.ok(wire.feed.sourceActive(1459));
  assert.is(wire.tick(1459), 0, '499 ms of silence is not a stall yet');
  assert.not.ok(wire.feed.awaitingKeyFrame);
  assert.is(wire.tick(1460), 1, 'at 500 ms the still frame is back');
  assert.not.ok(wire.feed.sourceActive(1460));
  assert.ok(wire.feed.awaitingKeyFrame, 'and the camera must start again at a key frame');
  assert.is(wire.feed.sourceSsrc, camera.ssrc, 'the camera still owns the slot');
  play(wire, 1461, 2000);
  assert.ok(wire.fillers(1460).length >= 6, 'filler keeps coming while the camera is silent');
  assert.ok(wire.fillers(1460).every((sent) => sent.payload.equals(FILLER_KEY_FRAME)));
  assertOneStream(wire.sent);
});

test('a screen slot (stallMs 2500) keeps a still share on air through a second without packets', () => {
  // Chromium sends an unchanged screen about once a second: that is no stall.
  const { wire } = cameraFeeding(1000, new Wire(videoFeed({ stallMs: 2500 })));
  play(wire, 1000, 2000);
  assert.equal(wire.fillers(), [], 'no filler a second after its last frame');
  assert.ok(wire.feed.sourceActive(3459));
  assert.is(wire.tick(3459), 0);
  assert.is(wire.tick(3460), 1, 'at 2.5 s it counts as stalled');
  assert.ok(wire.feed.awaitingKeyFrame);
  assertOneStream(wire.sent);
});

test('a stalled camera comes back only at its next key frame, after the filler, without a jump', () => {
  const { wire, camera } = cameraFeeding(1000);
  play(wire, 1000, 2000);
  assert.is(wire.last.from, 'filler');
  assert.equal(
    wire.deliver(camera.frame(2000, false), 2000),
    [false, false],
    'delta frames after a stall are held back',
  );
  wire.tick(2000);
  assert.equal(wire.deliver(camera.frame(2040, false), 2040), [false, false]);
  wire.tick(2040);
  const lastFiller = wire.last;
  assert.is(lastFiller.atMs, 2040);
  assert.equal(wire.deliver(camera.frame(2080, true), 2080), [true, true], 'its key frame brings it back');
  const resumed = wire.forwarded(camera.ssrc).filter((sent) => sent.atMs >= 2000);
  assert.ok(timestampDistance(resumed[0]!.header.timestamp, lastFiller.header.timestamp) > 0);
  play(wire, 2081, 3000, (t) => {
    if (t % FRAME_MS === 0) wire.deliver(camera.frame(t, false), t);
  });
  assert.equal(wire.fillers(2080), []);
  assertOneStream(wire.sent);
});

test('a camera packet that never comes brings the filler back until the next key frame, without a jump after it', () => {
  const { wire, camera } = cameraFeeding(1000);
  // The second packet of this frame is lost: the next frame shows the gap.
  const [frameStart] = camera.frame(1000, false);
  assert.equal(wire.deliver(frameStart!, 1000), [true]);
  assert.equal(
    wire.deliver(camera.frame(1040, false), 1040),
    [true, true],
    'a gap may still be repaired: FFmpeg reorders what comes late',
  );
  assert.is(wire.tick(1040), 0);
  assert.not.ok(wire.feed.awaitingKeyFrame);
  wire.deliver(camera.frame(1080, false), 1080);
  wire.deliver(camera.frame(1120, false), 1120);
  wire.deliver(camera.frame(1160, false), 1160);
  wire.deliver(camera.frame(1200, false), 1200);
  assert.is(wire.tick(1040 + LOSS_WAIT_MS), 1, 'given up for lost: the still frame shows');
  assert.ok(wire.feed.awaitingKeyFrame, 'a key frame is asked for');
  assert.equal(
    wire.deliver(camera.frame(1280, false), 1280),
    [false, false],
    'a decoder missing a reference is not fed',
  );
  assert.equal(wire.deliver(camera.frame(1320, true), 1320), [true, true]);
  assert.equal(wire.deliver(camera.frame(1360, false), 1360), [true, true], 'its frames flow again');
  // The loss itself stays a gap for FFmpeg to see; from the filler on, no jump.
  assertOneStream(wire.sent.filter((sent) => sent.atMs >= 1040 + LOSS_WAIT_MS));
});

test('a camera packet that comes late (a repair) keeps the camera on', () => {
  const { wire, camera } = cameraFeeding(1000);
  const [frameStart, repaired] = camera.frame(1000, false);
  assert.equal(wire.deliver(frameStart!, 1000), [true]);
  assert.equal(wire.deliver(camera.frame(1040, false), 1040), [true, true]);
  assert.equal(wire.deliver([repaired!], 1100), [true], 'the late packet is passed on for FFmpeg to reorder');
  assert.is(wire.tick(1040 + LOSS_WAIT_MS + 100), 0, 'no filler');
  assert.not.ok(wire.feed.awaitingKeyFrame);
  assert.is(wire.feed.stats.losses, 0);
});

test('a camera pausing under 500 ms keeps its own timing: no filler, no key frame wait', () => {
  const { wire, camera } = cameraFeeding(1000);
  // Last frame at 960 ms, the next one 480 ms later.
  play(wire, 1000, 1440);
  assert.equal(wire.deliver(camera.frame(1440, false), 1440), [true, true]);
  assert.equal(wire.fillers(), []);
  const frames = wire.sent.filter((sent) => sent.header.marker);
  const [beforePause, afterPause] = frames.slice(-2);
  assert.is(timestampDistance(afterPause!.header.timestamp, beforePause!.header.timestamp), 480 * 90);
  assertOneStream(wire.sent);
});

test('when FFmpeg restarts, the camera is held back until its next key frame', () => {
  const { wire, camera } = cameraFeeding(1000);
  wire.feed.awaitKeyFrame();
  assert.ok(wire.feed.awaitingKeyFrame);
  assert.equal(wire.deliver(camera.frame(1000, false), 1000), [false, false]);
  assert.is(wire.tick(1000), 1, 'the new decoder gets the still frame meanwhile');
  assert.equal(wire.deliver(camera.frame(1040, true), 1040), [true, true]);
  assert.not.ok(wire.feed.awaitingKeyFrame);
  assertOneStream(wire.sent);
});

test('awaitKeyFrame on an empty slot, or attaching the camera that already feeds it, changes nothing', () => {
  const empty = videoFeed();
  empty.awaitKeyFrame();
  assert.not.ok(empty.awaitingKeyFrame);
  assert.is(empty.sourceSsrc, undefined);

  const { wire, camera } = cameraFeeding(1000);
  wire.feed.attach(camera.ssrc, 1000);
  assert.not.ok(wire.feed.awaitingKeyFrame);
  assert.equal(wire.deliver(camera.frame(1000, false), 1000), [true, true], 'its delta frames still go through');
  assertOneStream(wire.sent);
});

test('after detach the camera is refused and the still frame returns at the next tick', () => {
  const { wire, camera } = cameraFeeding(1000);
  wire.feed.detach();
  assert.is(wire.feed.sourceSsrc, undefined);
  assert.not.ok(wire.feed.awaitingKeyFrame);
  assert.not.ok(wire.feed.sourceActive(1000));
  assert.equal(wire.deliver(camera.frame(1000, true), 1000), [false, false], 'even its key frames');
  assert.is(wire.tick(1000), 1);
  assertOneStream(wire.sent);
});

test('packets of other streams are refused and left as they were', () => {
  const feed = videoFeed();
  const [stray] = new Camera(0xbad).frame(0, true);
  const original = Buffer.from(stray!);
  assert.not.ok(feed.forward(stray!, readRtpHeader(stray!)!, 0), 'nobody attached');
  feed.attach(0xca, 0);
  assert.not.ok(feed.forward(stray!, readRtpHeader(stray!)!, 0), 'another camera attached');
  assert.equal(stray, original);
  assert.ok(
    feed.sourceActive(0) && feed.sourceActive(499),
    'attaching counts as activity: the first key frame request has time',
  );
});

test('a forwarded packet takes the slot SSRC and payload type and keeps its marker, header extension and payload', () => {
  const feed = videoFeed();
  const camera = new Camera(0xca);
  feed.attach(camera.ssrc, 0);
  for (const packet of camera.frame(0, true)) {
    // Add a one-byte header extension (abs-send-time, 3 bytes) as mediasoup does.
    const extension = Buffer.from([0xbe, 0xde, 0x00, 0x01, 0x32, 0x12, 0x34, 0x56]);
    const withExtension = Buffer.concat([packet.subarray(0, 12), extension, packet.subarray(12)]);
    withExtension[0] = withExtension[0]! | 0x10;
    const before = readRtpHeader(withExtension)!;
    const payload = Buffer.from(withExtension.subarray(before.payloadOffset));
    assert.ok(feed.forward(withExtension, before, 0));
    const after = readRtpHeader(withExtension)!;
    assert.is(after.ssrc, SLOT_SSRC);
    assert.is(after.payloadType, VIDEO_PAYLOAD_TYPE);
    assert.is(after.marker, before.marker);
    assert.equal(withExtension.subarray(12, 20), extension);
    assert.equal(withExtension.subarray(after.payloadOffset), payload);
  }
});

test('an H.264 slot (no filler) sends nothing while empty and forwards a camera from its first packet, after a stall too', () => {
  const wire = new Wire(videoFeed({ filler: undefined, startsAtKeyFrames: false, payloadType: 102 }));
  play(wire, 0, 1000);
  assert.equal(wire.sent, []);
  const h264 = (sequenceNumber: number, atMs: number) =>
    buildRtpPacket(Buffer.from([0x41, 0x9a, 0x02, 0x03]), {
      payloadType: SOURCE_PAYLOAD_TYPE,
      marker: true,
      sequenceNumber,
      timestamp: atMs * 90,
      ssrc: 0x264,
    });
  wire.feed.attach(0x264, 1000);
  assert.not.ok(wire.feed.awaitingKeyFrame);
  assert.equal(wire.deliver(h264(7, 1000), 1000), [true], 'a non-IDR slice goes straight through');
  play(wire, 1001, 3000);
  assert.equal(wire.deliver(h264(8, 3000), 3000), [true], 'a 2 s stall does not hold it back');
  assert.is(wire.sent.length, 2);
  assert.is(timestampDistance(wire.sent[1]!.header.timestamp, wire.sent[0]!.header.timestamp), 2000 * 90);
  assertOneStream(wire.sent, 102);
});

// ---- microphones ----

test('an empty microphone slot sends 20 ms of silence per 20 ms, however irregular the ticks', () => {
  const wire = new Wire(audioFeed());
  for (const nowMs of [0, 20, 45, 50, 110, 130, 199, 200]) wire.tick(nowMs);
  assert.is(wire.sent.length, 11, '200 ms of silence and the first frame');
  assert.ok(
    steps(wire.sent).every((step) => step === 960),
    'frames 960 ticks apart: no gap, no overlap',
  );
  assert.is(timestampDistance(wire.last.header.timestamp, wire.sent[0]!.header.timestamp), 200 * 48);
  for (const { payload, header } of wire.sent) {
    assert.equal(payload, SILENCE);
    assert.is(header.marker, false);
  }
  assertOneStream(wire.sent, AUDIO_PAYLOAD_TYPE);
});

test('a long pause in the ticks is skipped, not replayed: more than 10 missing frames jump to now', () => {
  const wire = new Wire(audioFeed());
  wire.tick(0);
  assert.is(wire.tick(200), 10, '10 frames late are caught up');
  assert.is(wire.tick(420), 1, '11 frames late: one frame, at the current time');
  assert.is(timestampDistance(wire.last.header.timestamp, wire.sent[0]!.header.timestamp), 420 * 48);
  assert.is(wire.tick(440), 1, 'and the 20 ms cadence goes on from there');
  assertOneStream(wire.sent, AUDIO_PAYLOAD_TYPE);
});

test('a microphone feeding the slot silences the filler; a DTX pause under 100 ms keeps its own timing', () => {
  const wire = new Wire(audioFeed());
  const microphone = new Microphone(0xa1);
  wire.feed.attach(microphone.ssrc, 0);
  assert.not.ok(wire.feed.awaitingKeyFrame, 'audio never waits for a key frame');
  // Every 20 ms, except nothing between 500 and 580 ms.
  play(wire, 0, 1001, (t) => {
    if (t % 20 === 0 && (t <= 500 || t >= 580)) assert.equal(wire.deliver(microphone.packet(t), t), [true]);
  });
  assert.equal(wire.fillers(), []);
  const resumed = wire.sent.findIndex((sent) => sent.atMs === 580);
  assert.is(timestampDistance(wire.sent[resumed]!.header.timestamp, wire.sent[resumed - 1]!.header.timestamp), 80 * 48);
  assertOneStream(wire.sent, AUDIO_PAYLOAD_TYPE);
});

test('a lost microphone packet is passed on as a gap in the sequence numbers for the decoder to conceal', () => {
  const wire = new Wire(audioFeed());
  const microphone = new Microphone(0xa1);
  wire.feed.attach(microphone.ssrc, 0);
  play(wire, 0, 201, (t) => {
    if (t % 20 !== 0) return;
    const packet = microphone.packet(t);
    if (t !== 100) assert.equal(wire.deliver(packet, t), [true], `${t} ms`);
  });
  assert.not.ok(wire.feed.awaitingKeyFrame);
  assert.equal(wire.fillers(), [], 'a 40 ms hole is no gap to pad');
  const afterLoss = wire.sent.findIndex((sent) => sent.atMs === 120);
  const [before, after] = [wire.sent[afterLoss - 1]!.header, wire.sent[afterLoss]!.header];
  assert.is(after.sequenceNumber, (before.sequenceNumber + 2) & 0xffff);
  assert.is(timestampDistance(after.timestamp, before.timestamp), 2 * 960);
});

test('microphone packets reordered on the way keep their numbers, and what follows continues after the highest', () => {
  const wire = new Wire(audioFeed());
  const microphone = new Microphone(0xa1);
  wire.feed.attach(microphone.ssrc, 0);
  play(wire, 0, 1001, (t) => {
    if (t % 20 === 0) wire.deliver(microphone.packet(t), t);
  });
  const [early, late] = [microphone.packet(1020), microphone.packet(1040)];
  assert.equal(wire.deliver([late, early], 1040), [true, true]);
  const [higher, lower] = wire.sent.slice(-2);
  assert.is(lower!.header.sequenceNumber, (higher!.header.sequenceNumber - 1) & 0xffff, 'their order is kept');
  assert.is(timestampDistance(higher!.header.timestamp, lower!.header.timestamp), 960);
  const highest = higher!;
  wire.feed.detach();
  assert.is(wire.tick(1060), 1);
  assert.is(
    wire.last.header.sequenceNumber,
    (highest.header.sequenceNumber + 1) & 0xffff,
    'not a repeat of a sent number',
  );
  assert.is(timestampDistance(wire.last.header.timestamp, highest.header.timestamp), 960, 'nor on top of sent audio');
});

test('an audio gap is padded at 20 ms steps from the last packet, and the microphone resumes right after the padding', () => {
  const wire = new Wire(audioFeed());
  const microphone = new Microphone(0xa1);
  wire.feed.attach(microphone.ssrc, 0);
  play(wire, 0, 1081, (t) => {
    if (t % 20 === 0 && t <= 1000) wire.deliver(microphone.packet(t), t);
  });
  const lastPacket = wire.last;
  assert.is(lastPacket.atMs, 1000);
  assert.is(wire.tick(1099), 0, 'a 99 ms gap is not padded yet');
  // Padding stays 60 ms behind real time: a late packet still finds its place.
  assert.is(wire.tick(1100), 2, 'at 100 ms the gap is padded, from just after the last packet, up to 60 ms ago');
  play(wire, 1101, 1300);
  const padding = wire.fillers();
  assert.is(padding.length, 11, '1020 to 1220 ms');
  assert.ok(
    steps([lastPacket, ...padding]).every((step) => step === 960),
    'silence picks up exactly where the microphone stopped',
  );
  play(wire, 1300, 1600, (t) => {
    if (t % 20 === 0) wire.deliver(microphone.packet(t), t);
  });
  assert.equal(wire.fillers(1300), [], 'no more padding once it is back');
  const resumed = wire.forwarded(microphone.ssrc).find((sent) => sent.atMs === 1300)!;
  assert.is(
    timestampDistance(resumed.header.timestamp, lastPacket.header.timestamp),
    300 * 48,
    'on its own timeline: no shift of the sound against the picture',
  );
  assertNoOverlap(wire.sent);
  assertOneStream(wire.sent, AUDIO_PAYLOAD_TYPE);
});

test('after a gap, packets that come later than the padding moved it on just enough to follow it', () => {
  const wire = new Wire(audioFeed());
  const microphone = new Microphone(0xa1);
  wire.feed.attach(microphone.ssrc, 0);
  play(wire, 0, 1001, (t) => {
    if (t % 20 === 0) wire.deliver(microphone.packet(t), t);
  });
  // The network holds back everything captured from 1020 ms and lets it through at 1500 ms.
  play(wire, 1001, 1500);
  const padding = wire.fillers();
  assert.is(padding.length, 21, '1020 to 1420 ms padded (60 ms behind real time)');
  const burst = Array.from({ length: 25 }, (_, index) => microphone.packet(1020 + index * 20));
  assert.ok(wire.deliver(burst, 1500).every(Boolean), 'nothing is dropped');
  const firstLate = wire.forwarded(microphone.ssrc).find((sent) => sent.atMs === 1500)!;
  assert.is(
    timestampDistance(firstLate.header.timestamp, padding.at(-1)!.header.timestamp),
    960,
    'the first late packet goes right after the padding',
  );
  play(wire, 1500, 1700, (t) => {
    if (t % 20 === 0 && t > 1500) wire.deliver(microphone.packet(t), t);
  });
  assertNoOverlap(wire.sent);
  assertOneStream(wire.sent, AUDIO_PAYLOAD_TYPE);
});

test('a microphone pushed on by a late burst returns to its own timeline at the next silence', () => {
  const wire = new Wire(audioFeed());
  const microphone = new Microphone(0xa1);
  wire.feed.attach(microphone.ssrc, 0);
  play(wire, 0, 1001, (t) => {
    if (t % 20 === 0) wire.deliver(microphone.packet(t), t);
  });
  const first = wire.forwarded(microphone.ssrc)[0]!;
  // Held back from 1020 ms, all let through at 1500 ms: pushed on behind the padding.
  play(wire, 1001, 1500);
  wire.deliver(
    Array.from({ length: 25 }, (_, index) => microphone.packet(1020 + index * 20)),
    1500,
  );
  play(wire, 1500, 2001, (t) => {
    if (t % 20 === 0 && t > 1500) wire.deliver(microphone.packet(t), t);
  });
  const pushed = wire.forwarded(microphone.ssrc).at(-1)!;
  assert.ok(timestampDistance(pushed.header.timestamp, first.header.timestamp) > 2000 * 48, 'pushed on');
  // DTX silence from 2020 ms (longer than the push), speech again at 2700 ms, on time.
  play(wire, 2001, 2700);
  assert.equal(wire.deliver(microphone.packet(2700), 2700), [true]);
  assert.is(
    timestampDistance(wire.last.header.timestamp, first.header.timestamp),
    2700 * 48,
    'back on its own timeline: the burst left no lasting offset against the picture',
  );
  assertNoOverlap(wire.sent);
});

test('a source whose packets keep coming later than their place (a slow sender clock) is moved forward', () => {
  const wire = new Wire(audioFeed());
  const microphone = new Microphone(0xa1);
  wire.feed.attach(microphone.ssrc, 0);
  // Its timestamps advance 20 ms per packet, but packets come every 25 ms:
  // left alone it would be 800 ms behind real time after 4 s.
  play(wire, 0, 4000, (t) => {
    if (t % 25 === 0) wire.deliver(microphone.packet((t * 20) / 25), t);
  });
  assert.ok(wire.feed.stats.slips >= 1, `moved forward ${wire.feed.stats.slips} times`);
  const last = wire.forwarded(microphone.ssrc).at(-1)!;
  const wallTs = wire.feed.senderReport(last.atMs).readUInt32BE(16);
  const behindMs = timestampDistance(wallTs, last.header.timestamp) / 48;
  assert.ok(behindMs < 450, `about two windows' slip behind real time at most: ${behindMs} ms`);
  assertNoOverlap(wire.sent);
});

test('a microphone whose timeline jumped by a second or more is tied to the wall clock afresh', () => {
  const wire = new Wire(audioFeed());
  const microphone = new Microphone(0xa1);
  wire.feed.attach(microphone.ssrc, 0);
  play(wire, 0, 1001, (t) => {
    if (t % 20 === 0) wire.deliver(microphone.packet(t), t);
  });
  play(wire, 1001, 1300);
  // The sender restarted its clock: the next packet claims to be 5 s old.
  assert.equal(wire.deliver(microphone.packet(-4000), 1300), [true]);
  assert.ok(
    Math.abs(timestampDistance(wire.last.header.timestamp, wire.fillers().at(-1)!.header.timestamp)) <= 4 * 960,
    'it continues at real time, just after the padding',
  );
  assertNoOverlap(wire.sent);
  assertOneStream(wire.sent, AUDIO_PAYLOAD_TYPE);
});

test('a new microphone starts one frame after the previous one, never on top of it', () => {
  const wire = new Wire(audioFeed());
  const a = new Microphone(0xa1);
  const b = new Microphone(0xb1, { sequenceNumber: 9000, timestamp: 0x7fff_0000 });
  wire.feed.attach(a.ssrc, 0);
  play(wire, 0, 1001, (t) => {
    if (t % 20 === 0) wire.deliver(a.packet(t), t);
  });
  const lastOfA = wire.last;
  // B starts 5 ms after A's last packet: the wall clock says 5 ms, but A's last frame lasts 20.
  wire.feed.attach(b.ssrc, 1005);
  assert.equal(wire.deliver(a.packet(1005), 1005), [false], 'A no longer feeds the slot');
  assert.equal(wire.deliver(b.packet(1005), 1005), [true]);
  assert.is(timestampDistance(wire.last.header.timestamp, lastOfA.header.timestamp), 960);
  play(wire, 1006, 1500, (t) => {
    if (t % 20 === 5) wire.deliver(b.packet(t), t);
  });
  assert.equal(wire.fillers(), []);
  assertNoOverlap(wire.sent);
  assertOneStream(wire.sent, AUDIO_PAYLOAD_TYPE);
});

test('a newly attached microphone that stays silent is padded 100 ms later, without a hole in the silence', () => {
  const wire = new Wire(audioFeed());
  play(wire, 0, 201);
  wire.feed.attach(0xa1, 200);
  for (const nowMs of [220, 240, 260, 280]) assert.is(wire.tick(nowMs), 0, `${nowMs} ms`);
  assert.is(wire.tick(300), 2, 'padding from the attach, up to 60 ms ago');
  assert.ok(steps(wire.sent).every((step) => step === 960));
  assertOneStream(wire.sent, AUDIO_PAYLOAD_TYPE);
});

test('audio is never held back for a key frame, not even after FFmpeg restarts', () => {
  const wire = new Wire(audioFeed());
  const microphone = new Microphone(0xa1);
  wire.feed.attach(microphone.ssrc, 0);
  assert.equal(wire.deliver(microphone.packet(0), 0), [true]);
  wire.feed.awaitKeyFrame();
  assert.not.ok(wire.feed.awaitingKeyFrame);
  assert.equal(wire.deliver(microphone.packet(20), 20), [true]);
  assert.is(steps(wire.sent)[0], 960, 'and its timing is untouched');
});

// ---- sender reports ----

test('a sender report maps the wall clock to the same timestamp the filler uses', () => {
  for (const feed of [videoFeed(), audioFeed()]) {
    const wire = new Wire(feed);
    play(wire, 0, 1240);
    const filler = wire.last;
    const report = readReport(feed.senderReport(filler.atMs));
    assert.is(report.ssrc, SLOT_SSRC);
    assert.is(report.timestamp, filler.header.timestamp, `${feed.kind}: RTP time of ${filler.atMs} ms`);
    assert.ok(Math.abs(report.wallMs - (WALL_ORIGIN_MS + filler.atMs)) < 0.01, `${feed.kind}: wall clock`);
  }
});

test('sender reports run at the slot clock rate: 2.5 s of wall clock is 2.5 s of RTP time', () => {
  for (const [feed, clockRate] of [
    [videoFeed(), 90_000],
    [audioFeed(), 48_000],
  ] as const) {
    const first = readReport(feed.senderReport(1000));
    const second = readReport(feed.senderReport(3500));
    assert.ok(Math.abs(second.wallMs - first.wallMs - 2500) < 0.01);
    assert.is(timestampDistance(second.timestamp, first.timestamp), 2.5 * clockRate, feed.kind);
  }
});

test("a camera's first frame is stamped where the sender report puts that instant", () => {
  const wire = new Wire(videoFeed());
  const camera = new Camera(0xca, { timestamp: 42 });
  play(wire, 0, 700);
  wire.feed.attach(camera.ssrc, 700);
  wire.deliver(camera.frame(777, true), 777);
  const first = wire.forwarded(camera.ssrc)[0]!;
  assert.is(first.header.timestamp, readReport(wire.feed.senderReport(777)).timestamp);
});

test('a sender report counts every packet the slot sent, filler and forwarded, and their payload octets', () => {
  const wire = new Wire(videoFeed());
  const camera = new Camera(0xca);
  play(wire, 0, 300);
  wire.feed.attach(camera.ssrc, 300);
  play(wire, 300, 500, (t) => {
    if (t % FRAME_MS === 0) wire.deliver(camera.frame(t, t === 320), t);
  });
  assert.ok(wire.fillers().length > 0 && wire.forwarded(camera.ssrc).length > 0);
  const report = readReport(wire.feed.senderReport(500));
  assert.is(report.packets, wire.sent.length);
  // RFC 3550 6.4.1: payload octets, without RTP headers.
  assert.is(
    report.octets,
    wire.sent.reduce((total, sent) => total + sent.payload.length, 0),
  );
});

// ---- stats ----

test('stats count packets forwarded and held back, source gaps, filler and (re)starts', () => {
  const wire = new Wire(videoFeed());
  const camera = new Camera(0xca, { sequenceNumber: 30_000 });
  play(wire, 0, 200);
  wire.feed.attach(camera.ssrc, 200);
  wire.deliver(camera.frame(200, false), 200); // held back: 2
  wire.deliver(camera.frame(240, true), 240); // a start: 2 forwarded
  camera.frame(280, false); // lost
  wire.deliver(camera.frame(320, false), 320); // a gap, still forwarded: 2
  wire.tick(320 + LOSS_WAIT_MS); // given up: one loss
  wire.deliver(camera.frame(560, false), 560); // held back: 2
  wire.deliver(camera.frame(600, true), 600); // a restart: 2 forwarded
  assert.equal(wire.feed.stats, {
    forwarded: 6,
    heldBack: 4,
    losses: 1,
    filler: wire.fillers().length,
    switches: 2,
    slips: 0,
  });
  assert.ok(wire.fillers().length >= 4);
});

test.run();
