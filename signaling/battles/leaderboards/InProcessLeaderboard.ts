// The embedded default: the boards in this process's memory. Each period
// keeps its two newest buckets (the current one, and the previous one for
// increments dated just before a boundary); older ones are dropped, and
// `rebuild` at start fills the current ones from the database.
import type { Database } from '../../../prisma/database.ts';
import type { LeaderboardPeriod, Leaderboards } from '../../protocol/battles.ts';
import { leaderboardPeriods } from '../../protocol/battles.ts';
import { readDatabaseBoards, type BoardTotals } from './databaseBoards.ts';
import { battleResultChange, checkLimit, giftChange, type BoardChange, type Increment } from './increments.ts';
import {
  DEFAULT_LEADERBOARD_LIMIT,
  type Leaderboard,
  type LeaderboardBattleResult,
  type LeaderboardGift,
} from './Leaderboard.ts';
import { periodBucket, type PeriodBucket } from './periodBuckets.ts';
import { rankEntries } from './rankEntries.ts';

const BUCKETS_KEPT_PER_PERIOD = 2;

interface StoredBucket {
  bucket: PeriodBucket;
  totals: BoardTotals;
}

export class InProcessLeaderboard implements Leaderboard {
  /** period → bucket key → totals. */
  readonly #buckets = new Map<LeaderboardPeriod, Map<string, StoredBucket>>(
    leaderboardPeriods.map((period) => [period, new Map()]),
  );
  readonly #names = new Map<string, string>();
  /** One list per rebuild in flight: the changes recorded while it reads. */
  readonly #changesDuringRebuilds = new Set<BoardChange[]>();

  async recordGift(gift: LeaderboardGift): Promise<void> {
    this.#record(giftChange(gift));
  }

  async recordBattleResult(result: LeaderboardBattleResult): Promise<void> {
    this.#record(battleResultChange(result));
  }

  async top(period: LeaderboardPeriod, now: Date, limit = DEFAULT_LEADERBOARD_LIMIT): Promise<Leaderboards> {
    checkLimit(limit);
    const bucket = periodBucket(period, now);
    const totals = this.#buckets.get(period)?.get(bucket.key)?.totals;
    const board = (totals: Map<string, number> | undefined) => rankEntries(totals ?? [], this.#names, limit);
    return {
      period,
      since: bucket.since?.toISOString() ?? null,
      hostsByWins: board(totals?.hostsByWins),
      hostsByGifts: board(totals?.hostsByGifts),
      topGifters: board(totals?.topGifters),
    };
  }

  async rebuild(database: Database, now: Date): Promise<void> {
    const changesDuringRead: BoardChange[] = [];
    this.#changesDuringRebuilds.add(changesDuringRead);
    const readStartedAt = Date.now();
    let fromDatabase;
    try {
      fromDatabase = await readDatabaseBoards(database, now);
    } finally {
      this.#changesDuringRebuilds.delete(changesDuringRead);
    }
    // From here to the end nothing awaits: readers see the old boards or the new ones, never a mix.
    for (const { bucket, totals } of fromDatabase.buckets) {
      const rebuilt: StoredBucket = { bucket, totals };
      this.#keep(rebuilt);
      // Changes dated after the read began are not in it: add them again (they went onto the old boards).
      for (const change of changesDuringRead) {
        if (change.at.getTime() < readStartedAt) continue;
        if (periodBucket(bucket.period, change.at).key !== bucket.key) continue;
        for (const increment of change.increments) add(rebuilt.totals, increment);
      }
    }
    for (const [userId, name] of fromDatabase.names) this.#names.set(userId, name);
    for (const change of changesDuringRead) for (const [userId, name] of change.names) this.#names.set(userId, name);
  }

  async close(): Promise<void> {
    for (const buckets of this.#buckets.values()) buckets.clear();
    this.#names.clear();
  }

  #record(change: BoardChange): void {
    for (const period of leaderboardPeriods) {
      const bucket = periodBucket(period, change.at);
      const stored = this.#buckets.get(period)?.get(bucket.key) ?? this.#keep({ bucket, totals: emptyTotals() });
      for (const increment of change.increments) add(stored.totals, increment);
    }
    for (const [userId, name] of change.names) this.#names.set(userId, name);
    for (const changes of this.#changesDuringRebuilds) changes.push(change);
  }

  /** Stores a bucket (replacing one with its key) and drops the period's oldest beyond BUCKETS_KEPT_PER_PERIOD. */
  #keep(stored: StoredBucket): StoredBucket {
    const buckets = this.#buckets.get(stored.bucket.period);
    if (!buckets) throw new Error(`unknown leaderboard period: ${stored.bucket.period}`);
    buckets.set(stored.bucket.key, stored);
    if (buckets.size > BUCKETS_KEPT_PER_PERIOD) {
      const newestFirst = [...buckets.values()].sort(
        (a, b) => (b.bucket.since?.getTime() ?? 0) - (a.bucket.since?.getTime() ?? 0),
      );
      for (const old of newestFirst.slice(BUCKETS_KEPT_PER_PERIOD)) buckets.delete(old.bucket.key);
    }
    return stored;
  }
}

function emptyTotals(): BoardTotals {
  return { hostsByWins: new Map(), hostsByGifts: new Map(), topGifters: new Map() };
}

function add(totals: BoardTotals, increment: Increment): void {
  const board = totals[increment.board];
  board.set(increment.userId, (board.get(increment.userId) ?? 0) + increment.amount);
}
