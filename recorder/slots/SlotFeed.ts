// One input of the persistent compositor. FFmpeg reads a fixed set of RTP
// streams (one per slot); which host feeds a slot changes while it runs. A
// SlotFeed makes whatever arrives look like one uninterrupted stream to
// FFmpeg: one SSRC, sequence numbers without jumps, timestamps that keep to
// the wall clock, and filler (a still frame, silence) whenever no host is
// feeding it. Pure: the relay passes packets and the time in.
import { startsVp8KeyFrame } from './vp8KeyFrame.ts';
import { buildRtpPacket, buildSenderReport, rewriteRtpHeader, timestampDistance, type RtpHeader } from './rtpPacket.ts';

export interface SlotFeedOptions {
  kind: 'audio' | 'video';
  /** What FFmpeg's SDP says for this slot. */
  payloadType: number;
  clockRate: number;
  ssrc: number;
  /**
   * Payload of one filler frame (VP8 descriptor + key frame, or Opus
   * silence); none = the slot is only ever fed by a host (H.264 cameras).
   * A larger picture's frame spans packets: setFiller.
   */
  filler?: Buffer;
  /** VP8: a new source starts (and a stalled one resumes) at a key frame only. */
  startsAtKeyFrames: boolean;
  /** Video: a source silent this long is replaced by filler until its next key frame. Default VIDEO_STALL_MS (500). */
  stallMs?: number;
  /** The instant (ms, the relay's clock) the slot timeline counts from. */
  epochMs: number;
  /** Wall-clock ms of the relay's clock origin, for sender reports. */
  wallOriginMs: number;
}

/** `a` comes after `b` in 16-bit sequence number order. */
function isAhead(a: number, b: number): boolean {
  const distance = (a - b) & 0xffff;
  return distance !== 0 && distance < 0x8000;
}

/** How long a gap in a camera's sequence numbers may wait for the late packet (a repair) before it counts as lost. */
export const LOSS_WAIT_MS = 200;
/** Gaps larger than this are a loss at once (a source restart, a long outage). */
const MAX_TRACKED_GAP = 64;

/** A source whose packets all come this much later than their place on the slot's timeline... */
const MAX_SLIP_MS = 150;
/** ...over a whole window this long is moved forward (followWallClock). */
const SLIP_WINDOW_MS = 1000;
/** Silence padding for a microphone that went quiet stays this far behind real time. */
const AUDIO_PAD_SLACK_MS = 60;

/** Audio filler cadence: Opus frames of 20 ms. */
const AUDIO_FRAME_MS = 20;
/** A microphone silent this long (Opus DTX, a dropped packet run) is padded with silence. */
const AUDIO_GAP_MS = 100;
/**
 * Filler pictures per second, at most (the relay ticks every 20 ms: 25 in
 * practice). The compositor draws a frame only once every input has one at
 * or after its time, so a sparse filler would delay the whole picture.
 */
const VIDEO_FILLER_FPS = 30;
/** A camera silent this long is replaced by filler until its next key frame. */
const VIDEO_STALL_MS = 500;
/** Filler frames sent at most per call: after a long event-loop pause the slot jumps ahead instead. */
const MAX_FILL_BURST = 10;
/** Non-zero starting points: FFmpeg's RTP demuxer treats 0 as "unset". */
const TIMESTAMP_BASE = 1_000_000;
const SEQUENCE_BASE = 1000;

interface Source {
  ssrc: number;
  /** The source's own highest sequence number so far. */
  lastSourceSeq: number | undefined;
  /** Sequence numbers skipped by the source → when to give up waiting for them. */
  missing: Map<number, number>;
  /** Waiting for a key frame (VP8) before anything is forwarded. */
  waiting: boolean;
  seqOffset: number;
  tsOffset: number;
  lastPacketMs: number;
  /** Filler went out since this source's last packet: rejoin its timeline on the next one. */
  interrupted: boolean;
  /** The source's timeline has been tied to the slot's (tsOffset holds) since it was attached. */
  anchored: boolean;
  /** The offset of the source's own timeline (its anchor, moved by slips only); tsOffset may run ahead of it after late packets. */
  baseOffset: number;
  /** The current slip window (followWallClock): when it began, and its least delay so far. */
  slipWindowStartMs: number;
  slipMs: number;
}

/** What a slot did, for logs and the bench. */
export interface SlotFeedStats {
  forwarded: number;
  /** Packets of a camera dropped while its key frame was awaited. */
  heldBack: number;
  /** Gaps in a source's sequence numbers. */
  losses: number;
  filler: number;
  /** Times a source started (or resumed) being forwarded. */
  switches: number;
  /** Times a source that fell behind the wall clock was moved forward. */
  slips: number;
}

export class SlotFeed {
  readonly #options: SlotFeedOptions;
  readonly stats: SlotFeedStats = { forwarded: 0, heldBack: 0, losses: 0, filler: 0, switches: 0, slips: 0 };
  #source: Source | undefined;
  #lastSeq = SEQUENCE_BASE - 1;
  #lastTs = 0;
  #sentAny = false;
  #lastFillMs = -Infinity;
  /** The filler frame's packet payloads (one, unless setFiller gave a larger picture). */
  #filler: readonly Buffer[] | undefined;
  #packets = 0;
  #octets = 0;

  constructor(options: SlotFeedOptions) {
    this.#options = options;
    this.#filler = options.filler && [options.filler];
  }

  /**
   * A new filler frame, as packet payloads (VP8: each with its descriptor,
   * the first starting the key frame), from the next filler tick on: a
   * picture slot shows a still picture this way (pictureFrames.ts).
   */
  setFiller(payloads: readonly Buffer[]): void {
    if (payloads.length === 0) throw new RangeError('a filler frame needs at least one packet');
    this.#filler = payloads;
  }

  get #stallMs(): number {
    return this.#options.stallMs ?? VIDEO_STALL_MS;
  }

  get kind(): 'audio' | 'video' {
    return this.#options.kind;
  }

  get ssrc(): number {
    return this.#options.ssrc;
  }

  /** The SSRC of the host stream feeding (or about to feed) this slot. */
  get sourceSsrc(): number | undefined {
    return this.#source?.ssrc;
  }

  /** A source is attached but not forwarded until its next key frame: ask for one. */
  get awaitingKeyFrame(): boolean {
    return this.#source?.waiting === true;
  }

  /** The source sent packets lately (a key frame request that got no answer is worth repeating). */
  sourceActive(nowMs: number): boolean {
    return this.#source !== undefined && nowMs - this.#source.lastPacketMs < this.#stallMs;
  }

  /** A new decoder reads this slot (FFmpeg restarted): hold the camera back until its next key frame. */
  awaitKeyFrame(): void {
    if (this.#source && this.#options.startsAtKeyFrames) {
      this.#source.waiting = true;
      this.#source.interrupted = true;
      // Packets the relay held back meanwhile never reached this feed: they
      // are not losses, and the camera restarts at a key frame anyway.
      this.#source.missing.clear();
      this.#source.lastSourceSeq = undefined;
    }
  }

  /** Feed the slot from a host stream (replacing any other) from its next usable packet. */
  attach(ssrc: number, nowMs: number): void {
    if (this.#source?.ssrc === ssrc) return;
    this.#source = {
      ssrc,
      lastSourceSeq: undefined,
      missing: new Map(),
      waiting: this.#options.startsAtKeyFrames,
      seqOffset: 0,
      tsOffset: 0,
      lastPacketMs: nowMs,
      interrupted: true,
      anchored: false,
      baseOffset: 0,
      slipWindowStartMs: nowMs,
      slipMs: Infinity,
    };
  }

  /** Back to filler. */
  detach(): void {
    this.#source = undefined;
  }

  /**
   * A packet from the relay's socket. Rewrites it in place for FFmpeg and
   * returns true when it should be sent on; false = not this slot's source,
   * or a delta frame of a source still waiting for its key frame.
   */
  forward(packet: Buffer, header: RtpHeader, nowMs: number): boolean {
    const source = this.#source;
    if (!source || header.ssrc !== source.ssrc) return false;
    source.lastPacketMs = nowMs;
    this.#noteSequence(source, header.sequenceNumber, nowMs);
    this.#checkLosses(source, nowMs);
    if (source.waiting) {
      const payload = packet.subarray(header.payloadOffset, header.payloadOffset + header.payloadLength);
      if (!startsVp8KeyFrame(payload)) {
        this.stats.heldBack++;
        return false;
      }
      source.waiting = false;
      source.interrupted = true;
      // A key frame needs nothing before it: older gaps no longer matter.
      source.missing.clear();
    }
    if (source.interrupted) {
      this.#rejoin(source, header, nowMs);
      source.seqOffset = (this.#lastSeq + 1 - header.sequenceNumber) & 0xffff;
      source.interrupted = false;
      this.stats.switches++;
    } else {
      this.#followWallClock(source, header, nowMs);
    }
    this.stats.forwarded++;
    const sequenceNumber = (header.sequenceNumber + source.seqOffset) & 0xffff;
    const timestamp = (header.timestamp + source.tsOffset) >>> 0;
    rewriteRtpHeader(packet, {
      payloadType: this.#options.payloadType,
      sequenceNumber,
      timestamp,
      ssrc: this.#options.ssrc,
    });
    // RFC 3550 6.4.1: the sender report's octet count is payload octets, without headers.
    this.#noteSent(sequenceNumber, timestamp, header.payloadLength);
    return true;
  }

  /** Filler packets due now (none while a host feeds the slot). */
  fill(nowMs: number): Buffer[] {
    const { kind } = this.#options;
    const filler = this.#filler;
    if (!filler) return [];
    const source = this.#source;
    if (source) this.#checkLosses(source, nowMs);
    if (kind === 'audio') {
      if (source && !source.waiting && nowMs - source.lastPacketMs < AUDIO_GAP_MS) return [];
      if (source) source.interrupted = true;
      return this.#fillAudio(nowMs, filler[0]!);
    }
    if (source && !source.waiting) {
      if (nowMs - source.lastPacketMs < this.#stallMs) return [];
      // The camera stopped: show filler until it sends a key frame again.
      source.waiting = this.#options.startsAtKeyFrames;
      source.interrupted = true;
      if (!source.waiting) return [];
    }
    if (nowMs - this.#lastFillMs < 1000 / VIDEO_FILLER_FPS) return [];
    this.#lastFillMs = nowMs;
    // One frame: every packet carries its timestamp, the last one the marker.
    const timestamp = this.#nextTimestamp(nowMs, 1);
    return filler.map((payload, index) => this.#fillerPacket(payload, timestamp, index === filler.length - 1));
  }

  /** An RTCP sender report tying this slot's timestamps to the wall clock. */
  senderReport(nowMs: number): Buffer {
    return buildSenderReport(
      this.#options.ssrc,
      this.#options.wallOriginMs + nowMs,
      this.#timestampAt(nowMs),
      this.#packets,
      this.#octets,
    );
  }

  /**
   * Ties a source's timeline to the slot's when it starts or comes back
   * after filler. A source new to the slot starts at the wall-clock position
   * of its packet. One coming back keeps its own timeline when that still
   * fits after what was sent (a microphone after DTX silence, a camera after
   * a stall): re-tying it to the arrival time at every gap would shift its
   * sound against its picture by however late the packet came. When its
   * packet falls on time the filler already covered, it moves on just enough
   * to follow it; a timeline that jumped by a second or more starts afresh.
   */
  #rejoin(source: Source, header: RtpHeader, nowMs: number): void {
    const { clockRate } = this.#options;
    const next = (this.#lastTs + this.#minStep()) >>> 0;
    if (source.anchored && this.#sentAny) {
      // Measured from the source's own timeline (baseOffset), not from where
      // earlier late packets pushed it: one late burst must not leave the
      // sound later than the picture for the rest of the show.
      const kept = (header.timestamp + source.baseOffset) >>> 0;
      if (Math.abs(timestampDistance(kept, this.#timestampAt(nowMs))) < clockRate) {
        source.tsOffset = timestampDistance(kept, next) < 0 ? (next - header.timestamp) | 0 : source.baseOffset;
        return;
      }
    }
    source.tsOffset = (this.#nextTimestamp(nowMs, this.#minStep()) - header.timestamp) | 0;
    source.baseOffset = source.tsOffset;
    source.anchored = true;
    source.slipWindowStartMs = nowMs;
    source.slipMs = Infinity;
  }

  /**
   * Keeps a source from falling behind the wall clock. A sender whose clock
   * runs slow, or that skips time without advancing its timestamps (an
   * overloaded encoder), would otherwise hold the whole compositor back:
   * FFmpeg draws a picture only when every input has reached its time, so
   * the broadcast would drift further behind real time for as long as that
   * host is on stage. Each SLIP_WINDOW_MS, if even the least delayed packet
   * of the window came more than MAX_SLIP_MS after its place on the slot's
   * timeline, the source jumps forward by that much (a short freeze or
   * silence, then real time again).
   */
  #followWallClock(source: Source, header: RtpHeader, nowMs: number): void {
    const mapped = (header.timestamp + source.tsOffset) >>> 0;
    const behindMs = (timestampDistance(this.#timestampAt(nowMs), mapped) * 1000) / this.#options.clockRate;
    source.slipMs = Math.min(source.slipMs, behindMs);
    if (nowMs - source.slipWindowStartMs < SLIP_WINDOW_MS) return;
    if (source.slipMs > MAX_SLIP_MS) {
      const slip = Math.round((source.slipMs * this.#options.clockRate) / 1000);
      source.tsOffset = (source.tsOffset + slip) | 0;
      source.baseOffset = (source.baseOffset + slip) | 0;
      this.stats.slips++;
    }
    source.slipWindowStartMs = nowMs;
    source.slipMs = Infinity;
  }

  /** Notes the gaps a packet reveals, and the late arrival of a packet a gap was waiting for. */
  #noteSequence(source: Source, sequenceNumber: number, nowMs: number): void {
    if (source.missing.delete(sequenceNumber)) return;
    if (source.lastSourceSeq === undefined) {
      source.lastSourceSeq = sequenceNumber;
      return;
    }
    if (!isAhead(sequenceNumber, source.lastSourceSeq)) return; // a duplicate or a late one
    const skipped = (sequenceNumber - source.lastSourceSeq - 1) & 0xffff;
    if (skipped > MAX_TRACKED_GAP) {
      source.missing.set(-1, nowMs); // too many to wait for: a loss now
    } else {
      for (let i = 1; i <= skipped; i++) source.missing.set((source.lastSourceSeq + i) & 0xffff, nowMs + LOSS_WAIT_MS);
    }
    source.lastSourceSeq = sequenceNumber;
  }

  /**
   * A camera packet that never came leaves FFmpeg's VP8 decoder without a
   * reference until the next key frame, and a compositor input without
   * frames stalls the whole picture: show filler until a key frame comes.
   * Packets mediasoup repairs (NACK/RTX) arrive late and out of order, so a
   * gap counts as a loss only when it is not filled within LOSS_WAIT_MS
   * (FFmpeg's reorder buffer waits a little longer, RTP_MAX_DELAY_US).
   */
  #checkLosses(source: Source, nowMs: number): void {
    if (source.missing.size === 0) return;
    let lost = false;
    for (const [sequenceNumber, deadline] of source.missing) {
      if (deadline > nowMs) continue;
      source.missing.delete(sequenceNumber);
      lost = true;
    }
    if (!lost) return;
    this.stats.losses++;
    if (this.#options.startsAtKeyFrames && !source.waiting) {
      source.missing.clear();
      source.waiting = true;
      source.interrupted = true;
    }
  }

  #fillAudio(nowMs: number, silence: Buffer): Buffer[] {
    const step = (this.#options.clockRate * AUDIO_FRAME_MS) / 1000;
    // Padding for a live microphone stays a little behind real time, so a
    // packet that comes somewhat late still finds its place free.
    const due = this.#timestampAt(this.#source ? nowMs - AUDIO_PAD_SLACK_MS : nowMs);
    if (!this.#sentAny || timestampDistance(due, this.#lastTs) > step * MAX_FILL_BURST) {
      return [this.#fillerPacket(silence, due, false)];
    }
    const packets: Buffer[] = [];
    while (timestampDistance(due, this.#lastTs) >= step) {
      packets.push(this.#fillerPacket(silence, (this.#lastTs + step) >>> 0, false));
    }
    return packets;
  }

  #fillerPacket(payload: Buffer, timestamp: number, marker: boolean): Buffer {
    const sequenceNumber = (this.#lastSeq + 1) & 0xffff;
    const packet = buildRtpPacket(payload, {
      payloadType: this.#options.payloadType,
      marker,
      sequenceNumber,
      timestamp,
      ssrc: this.#options.ssrc,
    });
    this.#noteSent(sequenceNumber, timestamp, payload.length);
    this.stats.filler++;
    return packet;
  }

  /** The wall-clock timestamp of `nowMs`, but at least `minStep` after what was sent last. */
  #nextTimestamp(nowMs: number, minStep: number): number {
    const due = this.#timestampAt(nowMs);
    if (!this.#sentAny || timestampDistance(due, this.#lastTs) >= minStep) return due;
    return (this.#lastTs + minStep) >>> 0;
  }

  /** Audio may not overlap what was sent (one Opus frame); video only has to move on. */
  #minStep(): number {
    return this.#options.kind === 'audio' ? (this.#options.clockRate * AUDIO_FRAME_MS) / 1000 : 1;
  }

  #timestampAt(nowMs: number): number {
    return (TIMESTAMP_BASE + Math.round(((nowMs - this.#options.epochMs) * this.#options.clockRate) / 1000)) >>> 0;
  }

  #noteSent(sequenceNumber: number, timestamp: number, payloadBytes: number): void {
    if (!this.#sentAny || ((sequenceNumber - this.#lastSeq) & 0xffff) < 0x8000) this.#lastSeq = sequenceNumber;
    if (!this.#sentAny || timestampDistance(timestamp, this.#lastTs) > 0) this.#lastTs = timestamp;
    this.#sentAny = true;
    this.#packets++;
    this.#octets += payloadBytes;
  }
}
