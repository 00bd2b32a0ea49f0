// When to ask a recorded camera for a key frame because its RTP stopped.
// FFmpeg's decoder cannot recover from a gap on its own: after lost or
// missing packets it needs a key frame, and a browser sends one only when
// asked. Pure: the watch (videoStallWatch.ts) feeds it packet counts and the
// time, and does what it answers.

export interface VideoStallPolicyOptions {
  /** No new packet for this long, while not paused, is a stall. Default 500. */
  stallMs?: number;
  /** Asking again while the stall lasts, this long after the last ask. Default 2000. */
  retryMs?: number;
  /** At most this many asks… Default 3. */
  maxRequests?: number;
  /** …within any window this long. Default 6000. */
  windowMs?: number;
}

export interface VideoStallSample {
  nowMs: number;
  /** RTP packets sent to FFmpeg so far (the consumer's counter). */
  packetCount: number;
  /** The producer or the consumer is paused: silence is expected, not a stall. */
  paused: boolean;
}

/** Why a key frame is wanted now; undefined: not now. */
export type KeyFrameReason = 'stalled' | 'still-stalled' | 'resumed';

export class VideoStallPolicy {
  readonly #stallMs: number;
  readonly #retryMs: number;
  readonly #maxRequests: number;
  readonly #windowMs: number;
  #lastPacketCount: number | undefined;
  #lastFlowAtMs = 0;
  #stalled = false;
  /** Asks made in the current stall (the episode is over once packets flow again). */
  #asksThisStall = 0;
  #lastAskAtMs = Number.NEGATIVE_INFINITY;
  /** When the recent asks were made, oldest first (for the sliding window). */
  readonly #askTimesMs: number[] = [];

  constructor(options: VideoStallPolicyOptions = {}) {
    this.#stallMs = options.stallMs ?? 500;
    this.#retryMs = options.retryMs ?? 2000;
    this.#maxRequests = options.maxRequests ?? 3;
    this.#windowMs = options.windowMs ?? 6000;
  }

  get stalled(): boolean {
    return this.#stalled;
  }

  /** Feeds one sample; answers whether to request a key frame now, and why. */
  observe(sample: VideoStallSample): KeyFrameReason | undefined {
    const { nowMs, packetCount, paused } = sample;
    const flowed = this.#lastPacketCount !== undefined && packetCount > this.#lastPacketCount;
    const first = this.#lastPacketCount === undefined;
    this.#lastPacketCount = packetCount;
    if (first || paused) {
      // A paused camera is silent on purpose, and mediasoup asks for a key
      // frame itself on resume; the stall clock starts again from here.
      this.#lastFlowAtMs = nowMs;
      this.#endStall();
      return undefined;
    }
    if (flowed) {
      this.#lastFlowAtMs = nowMs;
      if (!this.#stalled) return undefined;
      this.#endStall();
      // The sender may not have heard the asks made during the gap (the same
      // outage can eat them): ask once more now that it is reachable.
      return this.#ask(nowMs, 'resumed');
    }
    if (nowMs - this.#lastFlowAtMs < this.#stallMs) return undefined;
    if (!this.#stalled) {
      this.#stalled = true;
      return this.#ask(nowMs, 'stalled');
    }
    if (this.#asksThisStall >= this.#maxRequests || nowMs - this.#lastAskAtMs < this.#retryMs) return undefined;
    return this.#ask(nowMs, 'still-stalled');
  }

  #endStall(): void {
    this.#stalled = false;
    this.#asksThisStall = 0;
  }

  #ask(nowMs: number, reason: KeyFrameReason): KeyFrameReason | undefined {
    while (this.#askTimesMs.length > 0 && nowMs - this.#askTimesMs[0]! >= this.#windowMs) this.#askTimesMs.shift();
    if (this.#askTimesMs.length >= this.#maxRequests) return undefined;
    this.#askTimesMs.push(nowMs);
    this.#lastAskAtMs = nowMs;
    if (reason !== 'resumed') this.#asksThisStall++;
    return reason;
  }
}
