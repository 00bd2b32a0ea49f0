// Gifts on screen: streak bubbles merged by streakId (a growing "×12"), kept
// a few seconds after their last growth; and gift errors in words. Pure.
import type { ErrorCode, GiftStreak } from '../../../signaling/protocol/index.ts';

/** A bubble stays this long after its streak last grew. */
export const STREAK_SHOWN_MS = 4_000;
/** Bubbles shown at once (the newest). */
export const STREAKS_SHOWN = 5;

export interface ShownStreak extends GiftStreak {
  /** This browser's clock (ms): the bubble goes then. */
  hideAtMs: number;
}

/**
 * Folds pushed streaks into the bubbles shown: a known streakId grows (never
 * shrinks: pushes may repeat or arrive late), a new one is added; bubbles
 * past their time go, and only the newest `max` stay.
 */
export function mergeStreaks(
  shown: readonly ShownStreak[],
  incoming: readonly GiftStreak[],
  nowMs: number,
  { holdMs = STREAK_SHOWN_MS, max = STREAKS_SHOWN } = {},
): ShownStreak[] {
  const byId = new Map(shown.filter((streak) => streak.hideAtMs > nowMs).map((streak) => [streak.streakId, streak]));
  for (const streak of incoming) {
    const known = byId.get(streak.streakId);
    if (known && known.count >= streak.count) continue;
    // Re-inserting moves a growing streak to the end (newest).
    byId.delete(streak.streakId);
    byId.set(streak.streakId, { ...streak, hideAtMs: nowMs + holdMs });
  }
  return [...byId.values()].slice(-max);
}

/** Drops bubbles past their time (the same array when nothing goes, so nothing re-renders). */
export function expireStreaks(shown: ShownStreak[], nowMs: number): ShownStreak[] {
  return shown.every((streak) => streak.hideAtMs > nowMs) ? shown : shown.filter((streak) => streak.hideAtMs > nowMs);
}

/** "Ada sent Rose ×12". */
export function streakWords(streak: GiftStreak): string {
  return `${streak.senderName} sent ${streak.name} ×${streak.count}`;
}

/** Coins still missing for a gift of `cost` with `balance` (0 when it is affordable). */
export function missingCoins(cost: number, balance: number | undefined): number {
  return balance === undefined ? 0 : Math.max(0, cost - balance);
}

export const SIGN_IN_TO_GIFT = 'Sign in with an account to send gifts.';

/** A refused gift, in words; `cost` and `balance` say how many coins are missing. */
export function giftErrorWords(
  code: ErrorCode | 'TIMEOUT',
  message: string,
  { cost, balance }: { cost: number; balance: number | undefined },
): string {
  switch (code) {
    case 'INSUFFICIENT_COINS': {
      const missing = missingCoins(cost, balance);
      const short = missing > 0 ? `${missing} more coin${missing === 1 ? '' : 's'}` : 'more coins';
      return `Not enough coins: you need ${short}. Your balance is at the top of this panel; top up your wallet to send it.`;
    }
    case 'BATTLE_NOT_ACTIVE':
      return 'The battle is over: your gift was not sent (no coins were taken).';
    case 'UNAUTHENTICATED':
    case 'NOT_ALLOWED':
      return SIGN_IN_TO_GIFT;
    case 'NOT_FOUND':
      return 'This show is not live any more.';
    case 'INVALID_INPUT':
      return `That gift cannot be sent: ${message}`;
    case 'RATE_LIMITED':
      return 'Too many gifts at once: wait a moment.';
    case 'TIMEOUT':
    case 'UNAVAILABLE':
      return 'The server did not answer: your gift may not have been sent (you were not charged twice). Try again.';
    default:
      return message;
  }
}
