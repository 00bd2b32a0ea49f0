// Requests held until the live edge reaches them: an LL-HLS blocking
// playlist reload (`_HLS_msn`/`_HLS_part`) and a request for the part named
// in the preload hint. A thousand players wait on each rendition's next part
// at once, so a held request costs a closure in a set, no timer of its own:
// the rendition's change (a new part) checks its set, and one sweep a few
// times a second, running only while something is held, ends those past
// their deadline.
import type { LiveRendition } from '../../recorder/llhls/LiveRendition.ts';

interface Hold {
  reached: () => boolean;
  deadline: number;
  settle: (reached: boolean) => void;
}

const SWEEP_MS = 250;

export class LiveEdgeHolds {
  readonly #held = new Map<LiveRendition, { holds: Set<Hold>; unsubscribe: () => void }>();
  #sweeper: NodeJS.Timeout | undefined;

  /**
   * Resolves true once `reached()` holds for `rendition` (checked at once and
   * after each of its changes), false after `maxWaitMs` or when `signal` aborts (the player went away).
   */
  wait(rendition: LiveRendition, reached: () => boolean, maxWaitMs: number, signal: AbortSignal): Promise<boolean> {
    if (reached()) return Promise.resolve(true);
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const entry = this.#entryOf(rendition);
      const hold: Hold = {
        reached,
        deadline: Date.now() + maxWaitMs,
        settle: (result) => {
          entry.holds.delete(hold);
          signal.removeEventListener('abort', onAbort);
          if (entry.holds.size === 0) this.#release(rendition);
          resolve(result);
        },
      };
      const onAbort = () => hold.settle(false);
      signal.addEventListener('abort', onAbort, { once: true });
      entry.holds.add(hold);
      this.#sweeper ??= setInterval(() => this.#sweep(), SWEEP_MS);
    });
  }

  /** Requests held now (the bench and tests read it). */
  get size(): number {
    let size = 0;
    for (const { holds } of this.#held.values()) size += holds.size;
    return size;
  }

  /** Ends every hold (unanswered: the server is closing). */
  close(): void {
    for (const { holds } of [...this.#held.values()]) for (const hold of [...holds]) hold.settle(false);
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
  }

  #entryOf(rendition: LiveRendition): { holds: Set<Hold>; unsubscribe: () => void } {
    let entry = this.#held.get(rendition);
    if (!entry) {
      const holds = new Set<Hold>();
      const unsubscribe = rendition.onChange(() => {
        for (const hold of [...holds]) if (hold.reached()) hold.settle(true);
      });
      entry = { holds, unsubscribe };
      this.#held.set(rendition, entry);
    }
    return entry;
  }

  #release(rendition: LiveRendition): void {
    this.#held.get(rendition)?.unsubscribe();
    this.#held.delete(rendition);
    if (this.#held.size === 0) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }

  #sweep(): void {
    const now = Date.now();
    for (const { holds } of [...this.#held.values()]) {
      for (const hold of [...holds]) if (hold.deadline <= now) hold.settle(false);
    }
  }
}
