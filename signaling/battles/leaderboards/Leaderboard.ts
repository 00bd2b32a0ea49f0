// Battle leaderboards: per period (daily, weekly, monthly, all-time; UTC
// calendar periods, see periodBuckets.ts) three boards — hosts by battles won,
// hosts by coins' worth of gifts received in battles, and viewers by coins'
// worth of gifts sent in battles. Two stores: in this process
// (InProcessLeaderboard, the embedded default) and Redis sorted sets
// (RedisLeaderboard, when REDIS_URL is set). Neither is the record: the
// database is, and `rebuild` recomputes the current boards from it.
//
// Ranking: value descending; equal values by user id ascending (stable and
// the same in both stores and after a rebuild). Equal values share no rank:
// ranks are 1, 2, 3… in that order.
import type { Database } from '../../../prisma/database.ts';
import type { LeaderboardPeriod, Leaderboards } from '../../protocol/battles.ts';

/** A gift accepted during a battle (Gift rows with battleId set). */
export interface LeaderboardGift {
  senderId: string;
  senderName: string;
  /** The host credited: Gift.receiverId. */
  hostId: string;
  /** The host's name as on its BattleSide (hostName). */
  hostName: string;
  /** Coins' worth: Gift.value (unitValue × quantity). */
  value: number;
  /** Gift.createdAt: the periods it counts in. */
  at: Date;
}

/** One side's result when a battle ends with one. */
export interface LeaderboardBattleResult {
  hostId: string;
  hostName: string;
  /** Only wins count on a board; a loss or a draw only refreshes the host's name. */
  outcome: 'win' | 'loss' | 'draw';
  /** Battle.endedAt: the periods the result counts in. */
  at: Date;
}

export type LeaderboardBoard = 'hostsByWins' | 'hostsByGifts' | 'topGifters';
export const leaderboardBoards: readonly LeaderboardBoard[] = ['hostsByWins', 'hostsByGifts', 'topGifters'];

export const DEFAULT_LEADERBOARD_LIMIT = 20;

export interface Leaderboard {
  /**
   * Counts a battle gift for its sender and its host in the buckets of
   * `gift.at`. Call after the gift's transaction committed (the database
   * first: a lost increment is repaired by `rebuild`, a phantom one is not).
   * Rejects if the store is unreachable: callers log it and carry on.
   */
  recordGift(gift: LeaderboardGift): Promise<void>;
  /** Counts a side's outcome (call once per side, after the battle's end is written). */
  recordBattleResult(result: LeaderboardBattleResult): Promise<void>;
  /** The three boards of the bucket of `period` that holds `now`, best first, at most `limit` entries each. */
  top(period: LeaderboardPeriod, now: Date, limit?: number): Promise<Leaderboards>;
  /**
   * Recomputes the buckets holding `now`, of every period, from the database
   * and swaps them in whole: readers see the old boards until the new ones
   * are complete. Changes this process records while the rebuild runs are
   * replayed onto the new boards if they are dated after its database read
   * began (the read has the earlier ones).
   */
  rebuild(database: Database, now: Date): Promise<void>;
  close(): Promise<void>;
}
