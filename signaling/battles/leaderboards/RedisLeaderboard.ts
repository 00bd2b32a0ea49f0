// The boards in Redis sorted sets, shared by every node on the same Redis.
// One sorted set per board, period and bucket —
// `<prefix>:<board>:<period>:<bucket>`, e.g. `stagecast:lb:topGifters:weekly:2026-W49`
// — member the user id, score the value; dated buckets expire one period
// length after they end (periodBuckets.ts). Names are in one hash,
// `<prefix>:names` (user id → latest name).
//
// A change is one MULTI (every board and period of a gift move together). A
// read is one Lua script, so the three boards and their names come from one
// instant. A rebuild writes the database's boards into fresh keys and swaps
// them in with RENAME inside one MULTI: a reader sees the old boards or the
// new ones, never a half-built or missing board. Changes this node records
// during the rebuild and dated after its read began are replayed inside that
// MULTI; another node's changes in that window are lost until the next
// rebuild (the database keeps them).
import { randomBytes } from 'node:crypto';
import type { ChainableCommander, Redis } from 'ioredis';
import { connectRedis } from '../../cluster/redisConnection.ts';
import type { Database } from '../../../prisma/database.ts';
import type { LeaderboardEntry, LeaderboardPeriod, Leaderboards } from '../../protocol/battles.ts';
import { leaderboardPeriods } from '../../protocol/battles.ts';
import type { Logger } from '../../log/logger.ts';
import { readDatabaseBoards, type DatabaseBoards } from './databaseBoards.ts';
import { battleResultChange, checkLimit, giftChange, type BoardChange } from './increments.ts';
import {
  DEFAULT_LEADERBOARD_LIMIT,
  leaderboardBoards,
  type Leaderboard,
  type LeaderboardBattleResult,
  type LeaderboardBoard,
  type LeaderboardGift,
} from './Leaderboard.ts';
import { bucketExpiry, periodBucket, type PeriodBucket } from './periodBuckets.ts';
import { compareStanding } from './rankEntries.ts';

export interface RedisLeaderboardOptions {
  /** Prefix of every key. Default `stagecast:lb`. */
  keyPrefix?: string;
  /** Connection errors are logged here (ioredis reconnects by itself). */
  logger?: Logger;
}

/** A rebuild's fresh keys live at most this long if the process dies before swapping them in. */
const REBUILD_KEY_TTL_MS = 3_600_000;
/** Members per ZADD/HSET while a rebuild writes. */
const WRITE_CHUNK = 1000;

// Redis orders equal scores by member, but ZREVRANGE reverses that too. So:
// find the score of the limit-th member, take everyone above it, then the
// first of those tied with it in ascending id order; the caller sorts.
// KEYS: the three boards' keys, then the names hash. ARGV[1]: the limit.
// Returns, per board, a flat [id, score, …] list, then the names of all ids.
const TOP_SCRIPT = `
local limit = tonumber(ARGV[1])
local result = {}
local ids = {}
for i = 1, #KEYS - 1 do
  local key = KEYS[i]
  local entries
  local last = redis.call('ZREVRANGE', key, limit - 1, limit - 1, 'WITHSCORES')
  if #last == 0 then
    entries = redis.call('ZRANGE', key, 0, -1, 'WITHSCORES')
  else
    local cutoff = last[2]
    entries = redis.call('ZRANGEBYSCORE', key, '(' .. cutoff, '+inf', 'WITHSCORES')
    local tied = redis.call('ZRANGEBYSCORE', key, cutoff, cutoff, 'WITHSCORES', 'LIMIT', 0, limit - #entries / 2)
    for _, value in ipairs(tied) do table.insert(entries, value) end
  end
  for j = 1, #entries, 2 do table.insert(ids, entries[j]) end
  result[i] = entries
end
if #ids > 0 then
  result[#KEYS] = redis.call('HMGET', KEYS[#KEYS], unpack(ids))
else
  result[#KEYS] = {}
end
return result
`;

interface LeaderboardCommands {
  stagecastLeaderboardTop(...keysThenLimit: (string | number)[]): Promise<[...string[][], (string | null)[]]>;
}

export class RedisLeaderboard implements Leaderboard {
  readonly #redis: Redis & LeaderboardCommands;
  readonly #prefix: string;
  readonly #changesDuringRebuilds = new Set<BoardChange[]>();

  /** Connects first, so a wrong REDIS_URL fails at start rather than at the first gift. */
  static async connect(url: string, options: RedisLeaderboardOptions = {}): Promise<RedisLeaderboard> {
    // A command fails after one retry instead of ioredis's twenty: a gift
    // must not wait on a Redis that is down (the database has it).
    const redis = await connectRedis(url, 'the leaderboards', options.logger, { maxRetriesPerRequest: 1 });
    return new RedisLeaderboard(redis, options.keyPrefix ?? 'stagecast:lb');
  }

  private constructor(redis: Redis, prefix: string) {
    redis.defineCommand('stagecastLeaderboardTop', { lua: TOP_SCRIPT });
    this.#redis = redis as Redis & LeaderboardCommands;
    this.#prefix = prefix;
  }

  async recordGift(gift: LeaderboardGift): Promise<void> {
    await this.#record(giftChange(gift));
  }

  async recordBattleResult(result: LeaderboardBattleResult): Promise<void> {
    await this.#record(battleResultChange(result));
  }

  async top(period: LeaderboardPeriod, now: Date, limit = DEFAULT_LEADERBOARD_LIMIT): Promise<Leaderboards> {
    checkLimit(limit);
    const bucket = periodBucket(period, now);
    const keys = leaderboardBoards.map((board) => this.#boardKey(board, bucket));
    const reply = await this.#redis.stagecastLeaderboardTop(keys.length + 1, ...keys, this.#namesKey(), limit);
    const names = new Map<string, string>();
    const flatNames = reply[leaderboardBoards.length] as (string | null)[];
    const boards = leaderboardBoards.map((_, index) => pairs(reply[index] as string[]));
    boards.flat().forEach(([userId], index) => {
      const name = flatNames[index];
      if (name) names.set(userId, name);
    });
    const ranked = (standings: [string, number][]): LeaderboardEntry[] =>
      standings
        .filter(([, value]) => value > 0)
        .sort(compareStanding)
        .slice(0, limit)
        .map(([userId, value], index) => ({
          rank: index + 1,
          userId,
          displayName: names.get(userId) ?? userId,
          value,
        }));
    const [hostsByWins, hostsByGifts, topGifters] = boards.map(ranked) as [
      LeaderboardEntry[],
      LeaderboardEntry[],
      LeaderboardEntry[],
    ];
    return { period, since: bucket.since?.toISOString() ?? null, hostsByWins, hostsByGifts, topGifters };
  }

  async rebuild(database: Database, now: Date): Promise<void> {
    const changesDuringRead: BoardChange[] = [];
    this.#changesDuringRebuilds.add(changesDuringRead);
    const readStartedAt = Date.now();
    try {
      await this.#rebuildFrom(await readDatabaseBoards(database, now), changesDuringRead, readStartedAt);
    } finally {
      this.#changesDuringRebuilds.delete(changesDuringRead);
    }
  }

  /**
   * Changes recorded until the swap is sent are in `changesDuringRebuild`;
   * later ones are sent after it on the same connection, so they land on the
   * new boards.
   */
  async #rebuildFrom(
    fromDatabase: DatabaseBoards,
    changesDuringRebuild: BoardChange[],
    readStartedAt: number,
  ): Promise<void> {
    const token = randomBytes(6).toString('hex');
    const swaps: { freshKey: string; liveKey: string; filled: boolean; expiry: Date | null }[] = [];
    let writes = this.#redis.pipeline();
    let queued = 0;
    const flushIfFull = async () => {
      if (queued < WRITE_CHUNK) return;
      await execOrThrow(writes);
      writes = this.#redis.pipeline();
      queued = 0;
    };
    try {
      for (const { bucket, totals } of fromDatabase.buckets) {
        for (const board of leaderboardBoards) {
          const liveKey = this.#boardKey(board, bucket);
          const freshKey = `${liveKey}:rebuild:${token}`;
          const members = [...totals[board]].filter(([, value]) => value > 0);
          swaps.push({ freshKey, liveKey, filled: members.length > 0, expiry: bucketExpiry(bucket) });
          for (let start = 0; start < members.length; start += WRITE_CHUNK) {
            const chunk = members.slice(start, start + WRITE_CHUNK);
            writes.zadd(freshKey, ...chunk.flatMap(([userId, value]) => [value, userId]));
            writes.pexpire(freshKey, REBUILD_KEY_TTL_MS);
            queued += chunk.length;
            await flushIfFull();
          }
        }
      }
      const names = [...fromDatabase.names];
      for (let start = 0; start < names.length; start += WRITE_CHUNK) {
        writes.hset(this.#namesKey(), Object.fromEntries(names.slice(start, start + WRITE_CHUNK)));
        queued += Math.min(WRITE_CHUNK, names.length - start);
        await flushIfFull();
      }
      await execOrThrow(writes);

      // The swap: every board of every period at once, with this node's changes since the read began.
      const swap = this.#redis.multi();
      for (const { freshKey, liveKey, filled, expiry } of swaps) {
        if (filled) swap.rename(freshKey, liveKey);
        else swap.del(liveKey);
        if (filled && expiry) swap.pexpireat(liveKey, expiry.getTime());
        if (filled && !expiry) swap.persist(liveKey);
      }
      const rebuiltKeys = new Set(fromDatabase.buckets.map(({ bucket }) => `${bucket.period}:${bucket.key}`));
      for (const change of changesDuringRebuild) {
        if (change.at.getTime() >= readStartedAt) this.#queueChange(swap, change, rebuiltKeys);
        else this.#queueNames(swap, change);
      }
      this.#changesDuringRebuilds.delete(changesDuringRebuild);
      await execOrThrow(swap);
    } catch (error) {
      await this.#redis.del(...swaps.map(({ freshKey }) => freshKey)).catch(() => undefined);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.#redis.quit().catch(() => this.#redis.disconnect());
  }

  async #record(change: BoardChange): Promise<void> {
    for (const changes of this.#changesDuringRebuilds) changes.push(change);
    const transaction = this.#redis.multi();
    this.#queueChange(transaction, change);
    await execOrThrow(transaction);
  }

  /** Queues a change's increments (only into buckets named in `onlyBuckets`, `period:key`, when given) and names. */
  #queueChange(commands: ChainableCommander, change: BoardChange, onlyBuckets?: Set<string>): void {
    for (const period of leaderboardPeriods) {
      const bucket = periodBucket(period, change.at);
      if (onlyBuckets && !onlyBuckets.has(`${period}:${bucket.key}`)) continue;
      const expiry = bucketExpiry(bucket);
      for (const increment of change.increments) {
        const key = this.#boardKey(increment.board, bucket);
        commands.zincrby(key, increment.amount, increment.userId);
        if (expiry) commands.pexpireat(key, expiry.getTime());
      }
    }
    this.#queueNames(commands, change);
  }

  #queueNames(commands: ChainableCommander, change: BoardChange): void {
    if (change.names.length > 0) commands.hset(this.#namesKey(), Object.fromEntries(change.names));
  }

  #boardKey(board: LeaderboardBoard, bucket: PeriodBucket): string {
    return `${this.#prefix}:${board}:${bucket.period}:${bucket.key}`;
  }

  #namesKey(): string {
    return `${this.#prefix}:names`;
  }
}

/** [id, score, id, score…] → [[id, score]…]. */
function pairs(flat: string[]): [string, number][] {
  const result: [string, number][] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) result.push([flat[i] as string, Number(flat[i + 1])]);
  return result;
}

/** A pipeline or MULTI reports each command's error in its results: surface the first. */
async function execOrThrow(commands: ChainableCommander): Promise<void> {
  const results = await commands.exec();
  if (results === null) throw new Error('Redis transaction aborted');
  const failed = results.find(([error]) => error);
  if (failed?.[0]) throw failed[0];
}
