// The boards as the database has them: the record every store rebuilds from.
// Battle gifts are Gift rows with battleId set, dated by createdAt; wins are
// BattleSide rows with outcome 'win', dated by their battle's endedAt. The
// sums are done by the database (groupBy), so a rebuild reads one row per
// user, not one per gift.
import type { Database } from '../../../prisma/database.ts';
import { leaderboardPeriods } from '../../protocol/battles.ts';
import type { LeaderboardBoard } from './Leaderboard.ts';
import { periodBucket, type PeriodBucket } from './periodBuckets.ts';

export type BoardTotals = Record<LeaderboardBoard, Map<string, number>>;

export interface DatabaseBoards {
  /** The bucket holding `now` of every period, with its totals per board. */
  buckets: { bucket: PeriodBucket; totals: BoardTotals }[];
  /**
   * Each user's latest name: a gifter's from their latest battle gift, a
   * host's from their latest battle side; the later of the two when both.
   */
  names: Map<string, string>;
}

export async function readDatabaseBoards(database: Database, now: Date): Promise<DatabaseBoards> {
  const buckets = await Promise.all(
    leaderboardPeriods.map(async (period) => {
      const bucket = periodBucket(period, now);
      return { bucket, totals: await bucketTotals(database, bucket) };
    }),
  );
  return { buckets, names: await latestNames(database) };
}

async function bucketTotals(database: Database, bucket: PeriodBucket): Promise<BoardTotals> {
  const range = bucket.since && bucket.until ? { gte: bucket.since, lt: bucket.until } : undefined;
  const battleGifts = { battleId: { not: null }, ...(range ? { createdAt: range } : {}) };
  const [bySender, byReceiver, wins] = await Promise.all([
    database.gift.groupBy({ by: ['senderId'], where: battleGifts, _sum: { value: true } }),
    database.gift.groupBy({ by: ['receiverId'], where: battleGifts, _sum: { value: true } }),
    database.battleSide.groupBy({
      by: ['hostId'],
      where: { outcome: 'win', battle: { endedAt: range ?? { not: null } } },
      _count: { _all: true },
    }),
  ]);
  return {
    hostsByWins: new Map(wins.map((row) => [row.hostId, row._count._all])),
    hostsByGifts: new Map(byReceiver.map((row) => [row.receiverId, row._sum.value ?? 0])),
    topGifters: new Map(bySender.map((row) => [row.senderId, row._sum.value ?? 0])),
  };
}

async function latestNames(database: Database): Promise<Map<string, string>> {
  const [senderNames, sides] = await Promise.all([
    // One row per (sender, name) pair: a handful per user, not one per gift.
    database.gift.groupBy({
      by: ['senderId', 'senderName'],
      where: { battleId: { not: null } },
      _max: { createdAt: true },
    }),
    database.battleSide.findMany({
      select: { hostId: true, hostName: true, battle: { select: { createdAt: true, endedAt: true } } },
    }),
  ]);
  const latest = new Map<string, { name: string; at: number }>();
  const offer = (userId: string, name: string, at: number) => {
    const current = latest.get(userId);
    if (!current || at > current.at) latest.set(userId, { name, at });
  };
  for (const row of senderNames) offer(row.senderId, row.senderName, row._max.createdAt?.getTime() ?? 0);
  for (const side of sides) offer(side.hostId, side.hostName, (side.battle.endedAt ?? side.battle.createdAt).getTime());
  return new Map([...latest].map(([userId, { name }]) => [userId, name]));
}
