// What the audience sees of the gifts to one session (or one battle): each
// sender's run of the same gift is one streak that grows while gifts keep
// coming less than GIFT_STREAK_WINDOW_MS apart, and the streaks that grew
// are pushed at most every FLUSH_INTERVAL_MS — at once when the feed has
// been quiet, so a lone gift shows without delay. A push carries at most
// MAX_STREAKS_PER_PUSH streaks (the most valuable); the rest are counted.
import { GIFT_STREAK_WINDOW_MS, type GiftStreak, type GiftView } from '../protocol/index.ts';

/** Ten pushes a second at most per session or battle (the cap for scores). */
export const FLUSH_INTERVAL_MS = 100;
/**
 * A screen shows a handful of gift bubbles at once; each push goes to every
 * viewer ten times a second, so its size is the fan-out's cost (20 streaks a
 * push: scoreVisibleMs p99 290 ms at 1000 gifts/s; 8: 225–265 ms).
 */
const MAX_STREAKS_PER_PUSH = 8;

export interface GiftLook {
  name: string;
  icon: string;
}

interface Streak {
  view: GiftStreak;
  lastAtMs: number;
}

export class GiftFeed {
  readonly #flush: (streaks: GiftStreak[], omitted: number) => void;
  readonly #streaks = new Map<string, Streak>();
  readonly #grown = new Set<string>();
  /** Streak numbers per sender and gift, so a new streak gets a new id. */
  readonly #runs = new Map<string, number>();
  #lastFlushMs = -Infinity;
  #timer: NodeJS.Timeout | undefined;

  constructor(flush: (streaks: GiftStreak[], omitted: number) => void) {
    this.#flush = flush;
  }

  add(gift: GiftView, look: GiftLook, nowMs = Date.now()): void {
    const key = `${gift.senderId}:${gift.giftTypeId}`;
    let streak = this.#streaks.get(key);
    if (!streak || nowMs - streak.lastAtMs >= GIFT_STREAK_WINDOW_MS) {
      const run = (this.#runs.get(key) ?? 0) + 1;
      this.#runs.set(key, run);
      streak = {
        lastAtMs: nowMs,
        view: {
          streakId: `${key}:${run}`,
          sessionId: gift.sessionId,
          battleId: gift.battleId,
          senderId: gift.senderId,
          senderName: gift.senderName,
          giftTypeId: gift.giftTypeId,
          name: look.name,
          icon: look.icon,
          count: 0,
          value: 0,
          lastAt: gift.createdAt,
        },
      };
      this.#streaks.set(key, streak);
    }
    streak.lastAtMs = nowMs;
    streak.view = {
      ...streak.view,
      count: streak.view.count + gift.quantity,
      value: streak.view.value + gift.value,
      lastAt: gift.createdAt,
    };
    this.#grown.add(key);
    this.#schedule(nowMs);
  }

  /** Something else changed (a score): push at the next opportunity even without a gift. */
  touch(nowMs = Date.now()): void {
    this.#schedule(nowMs);
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#streaks.clear();
    this.#grown.clear();
  }

  #schedule(nowMs: number): void {
    if (this.#timer) return;
    const waitMs = Math.max(0, this.#lastFlushMs + FLUSH_INTERVAL_MS - nowMs);
    this.#timer = setTimeout(() => this.#push(), waitMs);
  }

  #push(): void {
    this.#timer = undefined;
    this.#lastFlushMs = Date.now();
    const grown = [...this.#grown].flatMap((key) => {
      const streak = this.#streaks.get(key);
      return streak ? [streak.view] : [];
    });
    this.#grown.clear();
    grown.sort((a, b) => b.value - a.value);
    this.#flush(grown.slice(0, MAX_STREAKS_PER_PUSH), Math.max(0, grown.length - MAX_STREAKS_PER_PUSH));
    // Streaks that ended long ago are forgotten (their run numbers are kept).
    for (const [key, streak] of this.#streaks) {
      if (this.#lastFlushMs - streak.lastAtMs > GIFT_STREAK_WINDOW_MS) this.#streaks.delete(key);
    }
  }
}
