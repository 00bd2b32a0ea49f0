// Which lost packets a receiver asks for, and when. Like libwebrtc's
// NackRequester, a browser neither NACKs a gap the instant it sees it (a
// packet merely reordered by jitter would cost a useless retransmission;
// libwebrtc waits on its reordering statistics) nor forgets it after one
// request (it repeats once a round trip has passed, up to 10 times), so a
// retransmission that is lost too still gets its chance. The synthetic
// subscriber does the same, giving up after a second. Pure: times and the
// round trip are passed in.

/** A gap younger than this may still be reordering (the bench's jitter is at most ±10–20 ms). */
const REORDER_WAIT_MS = 20;
/** Requests are repeated no more often than this (libwebrtc's NACK module runs every 20 ms). */
const MIN_RETRY_INTERVAL_MS = 20;
const MAX_REQUESTS = 10;
/** Older than this, the packet is no use to a real-time receiver. */
const GIVE_UP_AFTER_MS = 1000;

interface PendingNack {
  missingSince: number;
  nextRequestAt: number;
  requests: number;
}

export class NackRetries {
  readonly #pending = new Map<number, PendingNack>();

  /** Sequence numbers just found missing (a higher one arrived). */
  missing(sequenceNumbers: readonly number[], nowMs: number): void {
    for (const sequenceNumber of sequenceNumbers) {
      this.#pending.set(sequenceNumber, { missingSince: nowMs, nextRequestAt: nowMs + REORDER_WAIT_MS, requests: 0 });
    }
  }

  received(sequenceNumber: number): void {
    this.#pending.delete(sequenceNumber);
  }

  get size(): number {
    return this.#pending.size;
  }

  /** The packets to ask for now (their request counted), a round trip after the last ask; forgets the hopeless ones. */
  due(nowMs: number, roundTripMs: number): number[] {
    const retryIntervalMs = Math.max(MIN_RETRY_INTERVAL_MS, roundTripMs);
    const due: number[] = [];
    for (const [sequenceNumber, pending] of this.#pending) {
      if (nowMs - pending.missingSince > GIVE_UP_AFTER_MS || pending.requests >= MAX_REQUESTS) {
        this.#pending.delete(sequenceNumber);
      } else if (nowMs >= pending.nextRequestAt) {
        pending.nextRequestAt = nowMs + retryIntervalMs;
        pending.requests++;
        due.push(sequenceNumber);
      }
    }
    return due;
  }
}
