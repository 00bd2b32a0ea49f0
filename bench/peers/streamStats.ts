// What a receiver measures on one RTP stream without decoding it: packets,
// loss from sequence numbers (RFC 3550 A.1, 16-bit wrap handled), inter-
// arrival jitter (RFC 3550 A.8), bytes, and the first and last arrival.
// Pure: arrival times are passed in, so tests drive it directly.

/** Packets older than this behind the highest one cannot be told apart from duplicates. */
const REORDER_WINDOW = 4096;
/** Gaps longer than this are not NACKed (a browser would ask for a key frame instead). */
const MAX_NACK_PER_GAP = 64;

export interface StreamCounters {
  /** Packets expected from the first to the highest sequence number. */
  expected: number;
  /** Distinct packets received (retransmissions fill gaps; duplicates do not count). */
  received: number;
  bytes: number;
  /** Packets that arrived after a higher one and filled their gap: retransmissions and reordered packets. */
  lateFilled: number;
}

export interface ReceiverReportFigures {
  /** Loss since the previous report, in 1/256 (RFC 3550 fraction lost). */
  fractionLost: number;
  cumulativeLost: number;
  extendedHighestSequence: number;
  /** Interarrival jitter in timestamp units. */
  jitter: number;
}

export class StreamStats {
  readonly #clockRate: number;
  #baseExtended = -1;
  #highestExtended = -1;
  #cycles = 0;
  #received = 0;
  #duplicates = 0;
  #lateFilled = 0;
  #bytes = 0;
  /** The extended sequence number of the packet just recorded. */
  lastExtended = -1;
  #jitter = 0;
  #lastTimestamp: number | undefined;
  #lastTimestampArrivalMs = 0;
  #firstArrivalMs: number | undefined;
  #lastArrivalMs: number | undefined;
  readonly #seen = new Float64Array(REORDER_WINDOW).fill(-1);
  #reportedExpected = 0;
  #reportedReceived = 0;

  constructor(clockRate: number) {
    this.#clockRate = clockRate;
  }

  /**
   * Records one packet. Returns the sequence numbers (16-bit) found missing
   * by it, for a NACK; empty when it arrived in order.
   */
  onPacket(sequenceNumber: number, rtpTimestamp: number, arrivalMs: number, bytes: number): number[] {
    this.#firstArrivalMs ??= arrivalMs;
    this.#lastArrivalMs = arrivalMs;
    this.#bytes += bytes;
    if (this.#highestExtended < 0) {
      this.#baseExtended = this.#highestExtended = sequenceNumber;
      this.lastExtended = sequenceNumber;
      this.#markSeen(sequenceNumber);
      this.#received = 1;
      this.#lastTimestamp = rtpTimestamp;
      this.#lastTimestampArrivalMs = arrivalMs;
      return [];
    }
    const extended = this.#extend(sequenceNumber);
    this.lastExtended = extended;
    if (extended <= this.#highestExtended) {
      // Late (reordered or retransmitted): fills its gap unless already seen.
      if (this.#highestExtended - extended >= REORDER_WINDOW || this.#isSeen(extended)) {
        this.#duplicates++;
        return [];
      }
      if (extended < this.#baseExtended) this.#baseExtended = extended;
      else this.#lateFilled++;
      this.#markSeen(extended);
      this.#received++;
      return [];
    }
    const missing: number[] = [];
    for (let gap = Math.max(this.#highestExtended + 1, extended - MAX_NACK_PER_GAP); gap < extended; gap++) {
      missing.push(gap & 0xffff);
    }
    this.#highestExtended = extended;
    this.#markSeen(extended);
    this.#received++;
    // Jitter from in-order packets only: a retransmission's delay is not network jitter.
    if (this.#lastTimestamp !== undefined) {
      // D(i,j) = (Rj − Ri) − (Sj − Si), in timestamp units; the RTP difference is taken modulo 2^32.
      const sentDelta = (rtpTimestamp - this.#lastTimestamp) | 0;
      const arrivalDelta = ((arrivalMs - this.#lastTimestampArrivalMs) * this.#clockRate) / 1000;
      this.#jitter += (Math.abs(arrivalDelta - sentDelta) - this.#jitter) / 16;
    }
    this.#lastTimestamp = rtpTimestamp;
    this.#lastTimestampArrivalMs = arrivalMs;
    return missing;
  }

  get counters(): StreamCounters {
    return { expected: this.expected, received: this.#received, bytes: this.#bytes, lateFilled: this.#lateFilled };
  }

  get expected(): number {
    return this.#highestExtended < 0 ? 0 : this.#highestExtended - this.#baseExtended + 1;
  }

  get received(): number {
    return this.#received;
  }

  get lost(): number {
    return Math.max(0, this.expected - this.#received);
  }

  get duplicates(): number {
    return this.#duplicates;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get jitterMs(): number {
    return (this.#jitter / this.#clockRate) * 1000;
  }

  get firstArrivalMs(): number | undefined {
    return this.#firstArrivalMs;
  }

  get lastArrivalMs(): number | undefined {
    return this.#lastArrivalMs;
  }

  /** Figures for an RTCP receiver report block; starts the next reporting interval. */
  takeReport(): ReceiverReportFigures {
    const expected = this.expected;
    const expectedInterval = expected - this.#reportedExpected;
    const lostInterval = expectedInterval - (this.#received - this.#reportedReceived);
    this.#reportedExpected = expected;
    this.#reportedReceived = this.#received;
    return {
      fractionLost:
        expectedInterval > 0 && lostInterval > 0
          ? Math.min(255, Math.floor((lostInterval * 256) / expectedInterval))
          : 0,
      cumulativeLost: this.lost,
      extendedHighestSequence: Math.max(0, this.#highestExtended),
      jitter: Math.round(this.#jitter),
    };
  }

  /** Extends a 16-bit sequence number relative to the highest seen (RFC 3550 A.1). */
  #extend(sequenceNumber: number): number {
    const highest16 = this.#highestExtended & 0xffff;
    const forward = (sequenceNumber - highest16 + 0x10000) & 0xffff;
    if (forward < 0x8000) {
      if (sequenceNumber < highest16) this.#cycles += 0x10000;
      return this.#cycles + sequenceNumber;
    }
    // Behind the highest: in this cycle, or in the previous one when the highest has just wrapped.
    return sequenceNumber > highest16 ? this.#cycles - 0x10000 + sequenceNumber : this.#cycles + sequenceNumber;
  }

  #markSeen(extended: number): void {
    this.#seen[slot(extended)] = extended;
  }

  #isSeen(extended: number): boolean {
    return this.#seen[slot(extended)] === extended;
  }
}

/** Ring index of an extended sequence number (which may be negative before the first wrap). */
function slot(extended: number): number {
  return ((extended % REORDER_WINDOW) + REORDER_WINDOW) % REORDER_WINDOW;
}
