// When a receiver could have shown each video frame, without decoding: a
// frame is complete once every packet from the one after the previous
// frame's last (marker) packet up to its own marker has arrived, and frames
// complete in order, as a VP8 decoder needs its reference. A gap that never
// fills (a retransmission lost too) stalls the stream until a key frame
// starts past it, as in a browser, which asks for one (`needsKeyFrame`).
// A frame is shown at its playout time: its RTP time on the receiver's clock
// plus a playout delay that grows to the lateness it sees and shrinks
// slowly, as a browser's jitter buffer waits for retransmissions; a frame
// completed later than that is shown when it completes. Freezes follow
// Chrome's `freezeCount` on those show times: an interval longer than
// max(3 × mean, mean + 150 ms). Pure: arrival times are passed in.

/** How long a stall may last before the receiver asks for a key frame (NACKs get their chance first). */
const STALL_BEFORE_KEY_FRAME_REQUEST_MS = 300;
/** A stalled receiver repeats its request this often (libwebrtc throttles similarly). */
const KEY_FRAME_REQUEST_INTERVAL_MS = 1000;
/** Intervals needed before a mean is trusted for freezes. */
const MIN_INTERVALS = 5;
/** The mean frame interval is taken over this many recent intervals (freezes left out), as Chrome's is over recent frames. */
const MEAN_OVER_INTERVALS = 30;
/** The playout delay shrinks by this factor per frame (half-life ~ 700 frames, ~ 23 s at 30 fps). */
const PLAYOUT_DELAY_DECAY = 0.999;
/** Browsers do not wait longer than this for a late frame. */
const MAX_PLAYOUT_DELAY_MS = 1000;
const VIDEO_CLOCK_PER_MS = 90;
/** A timestamp step larger than this is a discontinuity, not elapsed time. */
const MAX_TIMESTAMP_STEP_MS = 5000;
/** Freezes remembered with their times (a window reads the ones inside it). */
const FREEZE_LOG_SIZE = 256;

export interface FrameCounters {
  rendered: number;
  /** Time the server had this video paused (its quality controller): a placeholder, not a frozen picture. */
  pausedMs: number;
  freezes: number;
  freezeMs: number;
  longestFreezeMs: number;
  /** Times the stream jumped to a key frame past a gap that never filled. */
  resyncs: number;
}

export class FrameTracker {
  /** Extended sequence number → the RTP timestamp of a frame's last packet, or -1 for the others. */
  readonly #packets = new Map<number, number>();
  /** Receiver time (ms) at which the RTP clock below read 0. */
  #clockOffsetMs: number | undefined;
  #lastTimestamp: number | undefined;
  /** The stream's RTP clock in ms since the anchor frame. */
  #rtpMs = 0;
  #playoutDelayMs = 0;
  #lastShownAt = -Infinity;
  /** First packet of the next frame to complete; undefined until the first key frame. */
  #next: number | undefined;
  #highest = -Infinity;
  #lastRenderedAt: number | undefined;
  /** The latest intervals that were not freezes (a ring), for the mean. */
  readonly #recentIntervals: number[] = [];
  #stalledSince: number | undefined;
  #lastRequestAt = -Infinity;
  readonly counters: FrameCounters = {
    rendered: 0,
    pausedMs: 0,
    freezes: 0,
    freezeMs: 0,
    longestFreezeMs: 0,
    resyncs: 0,
  };
  #pausedSince: number | undefined;
  /** The latest freezes: when each became known (the frame after it completed) and how long it was. */
  readonly freezeLog: { endedAtMs: number; durationMs: number }[] = [];

  onPacket(
    extendedSequence: number,
    rtpTimestamp: number,
    marker: boolean,
    startsKeyFrame: boolean,
    arrivalMs: number,
  ): void {
    if (this.#next === undefined) {
      if (!startsKeyFrame) return; // nothing decodable before the first key frame
      this.#next = extendedSequence;
    } else if (extendedSequence < this.#next) {
      return; // a late copy of something already shown
    } else if (startsKeyFrame && extendedSequence > this.#next && this.#hasGapBefore(extendedSequence)) {
      // A key frame past a gap: the decoder starts again from it.
      for (const sequence of this.#packets.keys()) if (sequence < extendedSequence) this.#packets.delete(sequence);
      this.#next = extendedSequence;
      this.counters.resyncs++;
    }
    this.#packets.set(extendedSequence, marker ? rtpTimestamp : -1);
    this.#highest = Math.max(this.#highest, extendedSequence);
    this.#advance(arrivalMs);
  }

  /**
   * The server paused (or resumed) this video. A paused tile shows a placeholder, so the time
   * without frames from the pause to the first frame after the resume is no freeze.
   */
  setPaused(paused: boolean, nowMs: number): void {
    if (paused) {
      this.#pausedSince ??= nowMs;
      return;
    }
    if (this.#pausedSince === undefined) return;
    this.counters.pausedMs += nowMs - this.#pausedSince;
    this.#pausedSince = undefined;
    this.#stalledSince = undefined;
    // The next frame starts a new run of intervals.
    this.#lastRenderedAt = undefined;
    this.#lastShownAt = -Infinity;
    this.#clockOffsetMs = undefined;
    this.#lastTimestamp = undefined;
    this.#playoutDelayMs = 0;
  }

  /** True when the stream has been stalled on a gap long enough to ask for a key frame (then not again for a while). */
  needsKeyFrame(nowMs: number): boolean {
    if (this.#pausedSince !== undefined) return false;
    if (this.#stalledSince === undefined || nowMs - this.#stalledSince < STALL_BEFORE_KEY_FRAME_REQUEST_MS) {
      return false;
    }
    if (nowMs - this.#lastRequestAt < KEY_FRAME_REQUEST_INTERVAL_MS) return false;
    this.#lastRequestAt = nowMs;
    return true;
  }

  #advance(arrivalMs: number): void {
    let sequence = this.#next!;
    while (this.#packets.has(sequence)) {
      const endTimestamp = this.#packets.get(sequence)!;
      sequence++;
      if (endTimestamp < 0) continue;
      for (let shown = this.#next!; shown < sequence; shown++) this.#packets.delete(shown);
      this.#next = sequence;
      this.#render(this.#showTime(endTimestamp, arrivalMs), arrivalMs);
    }
    // Packets beyond the first missing one: stalled until the gap fills or a key frame comes.
    if (this.#highest > sequence) this.#stalledSince ??= arrivalMs;
    else this.#stalledSince = undefined;
  }

  #hasGapBefore(sequence: number): boolean {
    for (let candidate = this.#next!; candidate < sequence; candidate++) {
      if (!this.#packets.has(candidate)) return true;
    }
    return false;
  }

  /** When a frame completed at `completedAt` is shown (never before the previous one). */
  #showTime(rtpTimestamp: number, completedAt: number): number {
    // The RTP clock in ms, from signed 32-bit steps; a step of more than a few seconds either way
    // (a new layer's or a resumed stream's timestamps) starts the clock again from this frame.
    const stepMs =
      this.#lastTimestamp === undefined ? Infinity : ((rtpTimestamp - this.#lastTimestamp) | 0) / VIDEO_CLOCK_PER_MS;
    this.#lastTimestamp = rtpTimestamp;
    if (Math.abs(stepMs) > MAX_TIMESTAMP_STEP_MS || this.#clockOffsetMs === undefined) {
      this.#rtpMs = 0;
      this.#clockOffsetMs = completedAt;
    } else {
      this.#rtpMs += stepMs;
    }
    const due = this.#rtpMs + this.#clockOffsetMs;
    const lateness = completedAt - due;
    this.#playoutDelayMs = Math.min(
      MAX_PLAYOUT_DELAY_MS,
      Math.max(this.#playoutDelayMs * PLAYOUT_DELAY_DECAY, lateness),
    );
    const shownAt = Math.max(completedAt, due + this.#playoutDelayMs, this.#lastShownAt);
    this.#lastShownAt = shownAt;
    return shownAt;
  }

  /** A frame shown at `shownAt`, completed at `completedAt` (freezes are logged by the latter: when they were known). */
  #render(shownAt: number, completedAt: number): void {
    this.counters.rendered++;
    this.#stalledSince = undefined;
    if (this.#lastRenderedAt !== undefined) {
      const interval = shownAt - this.#lastRenderedAt;
      const recent = this.#recentIntervals;
      const mean = recent.length > 0 ? recent.reduce((sum, value) => sum + value, 0) / recent.length : 0;
      if (recent.length >= MIN_INTERVALS && interval > Math.max(3 * mean, mean + 150)) {
        this.counters.freezes++;
        this.counters.freezeMs += interval;
        this.counters.longestFreezeMs = Math.max(this.counters.longestFreezeMs, interval);
        this.freezeLog.push({ endedAtMs: completedAt, durationMs: interval });
        if (this.freezeLog.length > FREEZE_LOG_SIZE) this.freezeLog.shift();
      } else {
        recent.push(interval);
        if (recent.length > MEAN_OVER_INTERVALS) recent.shift();
      }
    }
    this.#lastRenderedAt = shownAt;
  }
}
