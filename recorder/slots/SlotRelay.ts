// The UDP hop between mediasoup and the persistent compositor. Every
// recorder consumer sends its RTP here (one PlainTransport, one socket); the
// relay finds each packet's slot by SSRC, rewrites it (SlotFeed) and sends it
// to that slot's FFmpeg port. It also keeps empty slots flowing with filler,
// sends each slot's sender reports (so FFmpeg puts all slots on one
// timeline) and asks for key frames while a camera is waited for.
import dgram from 'node:dgram';
import { isRtcp, readRtpHeader } from './rtpPacket.ts';
import { SlotFeed, type SlotFeedOptions, type SlotFeedStats } from './SlotFeed.ts';

export type SlotSpec = Omit<SlotFeedOptions, 'epochMs' | 'wallOriginMs' | 'ssrc'>;

/** How often filler and stalls are looked at. */
const TICK_MS = 20;
/** Sender reports per slot: often right after FFmpeg starts (its first one sets the timeline), then every second. */
const REPORT_EARLY_MS = 100;
const REPORT_EARLY_FOR_MS = 2000;
const REPORT_MS = 1000;
/**
 * A camera that keeps sending delta frames while its key frame is awaited
 * is asked again this often (the request or the answer was lost). A camera
 * that sends nothing is the stall watch's business (videoStallWatch.ts).
 */
const KEY_FRAME_RETRY_MS = 1000;
/** However a camera behaves, its slot asks for at most this many key frames in KEY_FRAME_WINDOW_MS (each one costs every viewer of that camera a large frame). */
const MAX_KEY_FRAME_REQUESTS = 3;
const KEY_FRAME_WINDOW_MS = 6000;
const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;
/** Slot SSRCs: fixed, so FFmpeg sees the same stream whoever feeds it. */
const SSRC_BASE = 0x5c000000;

interface SlotState {
  index: number;
  feed: SlotFeed;
  requestKeyFrame: (() => void) | undefined;
  lastKeyFrameRequestMs: number;
  /** When this slot asked for key frames lately (the cap's window). */
  keyFrameRequestsMs: number[];
}

export class SlotRelay {
  readonly #socket: dgram.Socket;
  readonly #slots: SlotState[];
  readonly #slotBySourceSsrc = new Map<number, SlotState>();
  readonly #timer: NodeJS.Timeout;
  /** FFmpeg's RTP port per slot (RTCP on port + 1); undefined while no FFmpeg runs. */
  #targets: readonly number[] | undefined;
  #targetsSetMs = 0;
  #lastReportMs = -Infinity;
  /** Cameras are not forwarded to a new FFmpeg until it has built its graph (see releaseCameras). */
  #camerasHeld = true;
  #closed = false;

  private constructor(socket: dgram.Socket, specs: readonly SlotSpec[]) {
    this.#socket = socket;
    const epochMs = performance.now();
    this.#slots = specs.map((spec, index) => ({
      index,
      feed: new SlotFeed({ ...spec, ssrc: SSRC_BASE + index, epochMs, wallOriginMs: performance.timeOrigin }),
      requestKeyFrame: undefined,
      lastKeyFrameRequestMs: -Infinity,
      keyFrameRequestsMs: [],
    }));
    socket.on('message', (packet) => this.#receive(packet));
    // A send to a port FFmpeg has not bound yet comes back as an error on a
    // later call; filler repeats, so it is nothing to act on.
    socket.on('error', () => undefined);
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
  }

  static open(specs: readonly SlotSpec[]): Promise<SlotRelay> {
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket('udp4');
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        socket.setRecvBufferSize(RECEIVE_BUFFER_BYTES);
        resolve(new SlotRelay(socket, specs));
      });
    });
  }

  /** Where mediasoup should send the recorder's RTP. */
  get port(): number {
    return this.#socket.address().port;
  }

  /** FFmpeg's RTP port for each slot, in slot order; undefined = stop sending. */
  setTargets(ports: readonly number[] | undefined): void {
    // A new FFmpeg has new decoders: cameras restart at their next key frame.
    if (ports !== this.#targets) {
      for (const slot of this.#slots) {
        slot.feed.awaitKeyFrame();
        slot.lastKeyFrameRequestMs = -Infinity;
      }
    }
    this.#targets = ports;
    this.#camerasHeld = true;
    this.#targetsSetMs = performance.now();
    this.#lastReportMs = -Infinity;
    this.#tick();
  }

  /**
   * A new FFmpeg reads every slot and has built its graph: cameras may join,
   * each at its next key frame (asked for now). Until then its slots carry
   * filler: a key frame sent before FFmpeg listened, or while it was still
   * starting and not reading its sockets, would be lost, and a camera input
   * that cannot decode stalls the whole composition.
   */
  releaseCameras(): void {
    this.#camerasHeld = false;
    const nowMs = performance.now();
    for (const slot of this.#slots) {
      slot.feed.awaitKeyFrame();
      slot.lastKeyFrameRequestMs = -Infinity;
    }
    this.#askForKeyFrames(nowMs);
  }

  /**
   * Feed slot `index` from the consumer stream `ssrc`. A VP8 camera is
   * forwarded from its next key frame; `requestKeyFrame` asks for one (now,
   * and again while none has come).
   */
  attach(index: number, ssrc: number, requestKeyFrame?: () => void): void {
    const slot = this.#slots[index]!;
    const previous = slot.feed.sourceSsrc;
    if (previous !== undefined && previous !== ssrc) this.#slotBySourceSsrc.delete(previous);
    slot.feed.attach(ssrc, performance.now());
    slot.requestKeyFrame = requestKeyFrame;
    slot.lastKeyFrameRequestMs = -Infinity;
    this.#slotBySourceSsrc.set(ssrc, slot);
    this.#askForKeyFrames(performance.now());
  }

  /** Slot `index` goes back to filler. */
  detach(index: number): void {
    const slot = this.#slots[index]!;
    const previous = slot.feed.sourceSsrc;
    if (previous !== undefined) this.#slotBySourceSsrc.delete(previous);
    slot.feed.detach();
    slot.requestKeyFrame = undefined;
  }

  /** Slot `index` shows this frame whenever nobody feeds it (a picture slot: its picture). */
  setFiller(index: number, payloads: readonly Buffer[]): void {
    this.#slots[index]!.feed.setFiller(payloads);
  }

  /** Per slot (microphones, then cameras): what it forwarded, held back and filled. */
  stats(): SlotFeedStats[] {
    return this.#slots.map((slot) => ({ ...slot.feed.stats }));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#socket.close();
  }

  #receive(packet: Buffer): void {
    // mediasoup's own RTCP (sender reports in its timeline) is replaced by the slots' reports.
    if (isRtcp(packet)) return;
    const header = readRtpHeader(packet);
    if (!header) return;
    const slot = this.#slotBySourceSsrc.get(header.ssrc);
    const port = slot && this.#targets?.[slot.index];
    if (!slot || port === undefined || (this.#camerasHeld && slot.feed.kind === 'video')) return;
    if (slot.feed.forward(packet, header, performance.now())) this.#send(packet, port);
  }

  #tick(): void {
    if (this.#closed) return;
    const nowMs = performance.now();
    const targets = this.#targets;
    this.#askForKeyFrames(nowMs);
    if (!targets) return;
    // Reports first: FFmpeg takes its timeline from the first one it reads.
    const reportEvery = nowMs - this.#targetsSetMs < REPORT_EARLY_FOR_MS ? REPORT_EARLY_MS : REPORT_MS;
    if (nowMs - this.#lastReportMs >= reportEvery) {
      this.#lastReportMs = nowMs;
      for (const slot of this.#slots) this.#send(slot.feed.senderReport(nowMs), targets[slot.index]! + 1);
    }
    for (const slot of this.#slots) {
      for (const packet of slot.feed.fill(nowMs)) this.#send(packet, targets[slot.index]!);
    }
  }

  #askForKeyFrames(nowMs: number): void {
    if (this.#camerasHeld) return;
    for (const slot of this.#slots) {
      if (!slot.feed.awaitingKeyFrame || !slot.requestKeyFrame) continue;
      const first = slot.lastKeyFrameRequestMs === -Infinity;
      if (!first && (nowMs - slot.lastKeyFrameRequestMs < KEY_FRAME_RETRY_MS || !slot.feed.sourceActive(nowMs))) {
        continue;
      }
      slot.keyFrameRequestsMs = slot.keyFrameRequestsMs.filter((atMs) => nowMs - atMs < KEY_FRAME_WINDOW_MS);
      if (slot.keyFrameRequestsMs.length >= MAX_KEY_FRAME_REQUESTS) continue;
      slot.keyFrameRequestsMs.push(nowMs);
      slot.lastKeyFrameRequestMs = nowMs;
      slot.requestKeyFrame();
    }
  }

  #send(packet: Buffer, port: number): void {
    if (!this.#closed) this.#socket.send(packet, port, '127.0.0.1');
  }
}
