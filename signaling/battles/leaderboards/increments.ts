// What a gift or a battle result adds, board by board: both stores apply the
// same increments, so they cannot disagree about what counts where.
import type { LeaderboardBattleResult, LeaderboardBoard, LeaderboardGift } from './Leaderboard.ts';

export interface Increment {
  board: LeaderboardBoard;
  userId: string;
  amount: number;
  at: Date;
}

export interface BoardChange {
  increments: Increment[];
  /** user id → the name to show from now on. */
  names: [string, string][];
  at: Date;
}

export function giftChange(gift: LeaderboardGift): BoardChange {
  checkDate(gift.at);
  if (!Number.isSafeInteger(gift.value) || gift.value <= 0) {
    throw new RangeError(`a gift's value must be a positive integer (got ${gift.value})`);
  }
  return {
    increments: [
      { board: 'topGifters', userId: gift.senderId, amount: gift.value, at: gift.at },
      { board: 'hostsByGifts', userId: gift.hostId, amount: gift.value, at: gift.at },
    ],
    names: [
      [gift.senderId, gift.senderName],
      [gift.hostId, gift.hostName],
    ],
    at: gift.at,
  };
}

export function battleResultChange(result: LeaderboardBattleResult): BoardChange {
  checkDate(result.at);
  return {
    increments:
      result.outcome === 'win' ? [{ board: 'hostsByWins', userId: result.hostId, amount: 1, at: result.at }] : [],
    names: [[result.hostId, result.hostName]],
    at: result.at,
  };
}

function checkDate(at: Date): void {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) throw new RangeError('`at` must be a valid Date');
}

export function checkLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit < 1)
    throw new RangeError(`limit must be a positive integer (got ${limit})`);
}
