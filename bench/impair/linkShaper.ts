// One direction of an impaired link, as netem + a rate-limited FIFO would
// make it: each packet may be lost (independently, or in Gilbert–Elliott
// bursts), then waits its turn in a FIFO drained at the capped rate (drop-
// tail when the FIFO holds more than `queueMs` of data), then is delayed by
// `delayMs ± jitterMs` (uniform) on its own timer, so packets reorder when
// jitter says so. Packets `spared` (the relay spares the STUN and DTLS
// handshake: see impairmentRelay.ts) are never lost, never wait in the
// capped FIFO, and get the delay without jitter, so they keep their order. The clock and randomness are
// injected: tests drive it.
import type { Impairment } from './impairment.ts';

export interface ShaperClock {
  now(): number;
  /** Runs `task` at `atMs` on this clock. */
  at(atMs: number, task: () => void): void;
}

export interface ShaperCounters {
  packets: number;
  /** Bytes offered to the link (before loss and the cap): what the sender sent. */
  bytes: number;
  lost: number;
  /** Dropped at a full FIFO (the rate cap's queue). */
  queueDrops: number;
  delivered: number;
}

export const realClock: ShaperClock = {
  now: () => performance.now(),
  at: (atMs, task) => void setTimeout(task, Math.max(0, atMs - performance.now())),
};

/** Gilbert–Elliott with loss only in the bad state: bursts of `burst` packets on average, `lossPct` overall. */
export function lossModel(impairment: Impairment, random: () => number): () => boolean {
  const loss = impairment.lossPct / 100;
  if (loss <= 0) return () => false;
  if (!impairment.burstPackets || impairment.burstPackets <= 1) return () => random() < loss;
  const leaveBad = 1 / impairment.burstPackets;
  // Stationary P(bad) = enterBad / (enterBad + leaveBad) = loss.
  const enterBad = (loss * leaveBad) / (1 - loss);
  let bad = false;
  return () => {
    bad = bad ? random() >= leaveBad : random() < enterBad;
    return bad;
  };
}

export class LinkShaper {
  readonly #deliver: (packet: Buffer) => void;
  readonly #clock: ShaperClock;
  readonly #random: () => number;
  readonly #spared: (packet: Buffer) => boolean;
  #impairment!: Impairment;
  #isLost!: () => boolean;
  /** When the FIFO's last packet finishes leaving at the capped rate. */
  #fifoFreeAt = 0;
  readonly counters: ShaperCounters = { packets: 0, bytes: 0, lost: 0, queueDrops: 0, delivered: 0 };

  constructor(
    impairment: Impairment,
    deliver: (packet: Buffer) => void,
    options: { clock?: ShaperClock; random?: () => number; spared?: (packet: Buffer) => boolean } = {},
  ) {
    this.#deliver = deliver;
    this.#clock = options.clock ?? realClock;
    this.#random = options.random ?? Math.random;
    this.#spared = options.spared ?? (() => false);
    this.setImpairment(impairment);
  }

  get impairment(): Impairment {
    return this.#impairment;
  }

  /** Takes effect for the next packet (a schedule's step); packets already queued keep their times. */
  setImpairment(impairment: Impairment): void {
    this.#impairment = impairment;
    this.#isLost = lossModel(impairment, this.#random);
  }

  push(packet: Buffer): void {
    this.counters.packets++;
    this.counters.bytes += packet.length;
    const spared = this.#spared(packet);
    if (!spared && this.#isLost()) {
      this.counters.lost++;
      return;
    }
    const { rateBps, queueMs, delayMs, jitterMs } = this.#impairment;
    const now = this.#clock.now();
    // Packets still queued from an earlier cap leave first: lifting a cap does not reorder.
    let leavesAt = Math.max(now, this.#fifoFreeAt);
    if (rateBps !== undefined && !spared) {
      const startsAt = Math.max(now, this.#fifoFreeAt);
      if (startsAt - now > queueMs) {
        this.counters.queueDrops++;
        return;
      }
      leavesAt = startsAt + ((packet.length * 8) / rateBps) * 1000;
      this.#fifoFreeAt = leavesAt;
    }
    const jitter = spared ? 0 : (this.#random() * 2 - 1) * jitterMs;
    const arrivesAt = leavesAt + Math.max(0, delayMs + jitter);
    if (arrivesAt <= now) {
      this.#forward(packet);
      return;
    }
    this.#clock.at(arrivesAt, () => this.#forward(packet));
  }

  #forward(packet: Buffer): void {
    this.counters.delivered++;
    this.#deliver(packet);
  }
}
