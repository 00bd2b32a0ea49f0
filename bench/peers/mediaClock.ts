// One timer for every synthetic peer of the process: each tick, every
// participant sends what has fallen due (frames, audio packets, RTCP).
// A shared 5 ms tick costs far less than one timer per stream, and keeps
// streams paced on the wall clock rather than on timer drift.

export interface ClockParticipant {
  /** Sends whatever is due at `nowMs` (performance.now()). */
  tick(nowMs: number): void;
}

const TICK_MS = 5;

export class MediaClock {
  readonly #participants = new Set<ClockParticipant>();
  #timer: NodeJS.Timeout | undefined;
  /** Ticks that came more than 50 ms late: the generator is falling behind. */
  lateTicks = 0;
  #lastTickAt = 0;

  add(participant: ClockParticipant): void {
    this.#participants.add(participant);
    this.#ensureRunning();
  }

  remove(participant: ClockParticipant): void {
    this.#participants.delete(participant);
    if (this.#participants.size === 0) this.stop();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #ensureRunning(): void {
    if (this.#timer) return;
    this.#lastTickAt = performance.now();
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
  }

  #tick(): void {
    const now = performance.now();
    if (now - this.#lastTickAt > 50) this.lateTicks++;
    this.#lastTickAt = now;
    for (const participant of this.#participants) participant.tick(now);
  }
}
