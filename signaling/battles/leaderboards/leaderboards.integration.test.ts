// The same behaviour asked of both stores: in this process, and Redis sorted
// sets on a real redis-server. Rebuilds read a real (migrated) SQLite
// database. The test dates are in 2030–2031 so that Redis never expires a
// bucket the test reads (dated buckets expire a period after they end).
// run-tests: shares the machine
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openDatabase, type Database } from '../../../prisma/database.ts';
import { migrateDatabase } from '../../../prisma/migrateDatabase.ts';
import { freePort } from '../../../testkit/freePort.ts';
import { startRedis, type RedisServer } from '../../../testkit/redis.ts';
import { createLogger } from '../../log/logger.ts';
import { leaderboardPeriods, type Leaderboards } from '../../protocol/battles.ts';
import { InProcessLeaderboard } from './InProcessLeaderboard.ts';
import type { Leaderboard, LeaderboardGift } from './Leaderboard.ts';
import { leaderboardFromConfig } from './leaderboardFromConfig.ts';
import { RedisLeaderboard } from './RedisLeaderboard.ts';

/** Thursday of ISO week 2031-W01, which runs from Monday 30 December 2030 to Sunday 5 January 2031. */
const NOW = new Date('2031-01-02T12:00:00.000Z');
const at = (iso: string) => new Date(iso);

interface Shared {
  database: Database;
  redis: RedisServer;
  dir: string;
}
let shared: Shared | undefined;
async function setUp(): Promise<Shared> {
  if (shared) return shared;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-leaderboards-'));
  const url = `file:${path.join(dir, 'leaderboards.db')}`;
  const [redis] = await Promise.all([startRedis(), migrateDatabase(url)]);
  shared = { database: openDatabase(url), redis, dir };
  return shared;
}
async function tearDown(): Promise<void> {
  if (!shared) return;
  await shared.database.$disconnect();
  await shared.redis.stop();
  fs.rmSync(shared.dir, { recursive: true, force: true });
  shared = undefined;
}

let prefixCount = 0;
const stores: Record<string, (context: Shared) => Promise<Leaderboard>> = {
  'in-process': async () => new InProcessLeaderboard(),
  // A fresh key prefix per board: each starts empty on the shared server.
  redis: async (context) => RedisLeaderboard.connect(context.redis.url, { keyPrefix: `test${++prefixCount}:lb` }),
};

/** A board as [userId, displayName, value] rows, rank order (ranks are checked to be 1…n). */
type Rows = [string, string, number][];
function rows(entries: Leaderboards['topGifters']): Rows {
  entries.forEach((entry, index) => assert.is(entry.rank, index + 1, 'ranks 1, 2, 3…'));
  return entries.map((entry) => [entry.userId, entry.displayName, entry.value]);
}

function gift(senderId: string, hostId: string, value: number, when: string): LeaderboardGift {
  return {
    senderId,
    senderName: names[senderId] ?? senderId,
    hostId,
    hostName: names[hostId] ?? hostId,
    value,
    at: at(when),
  };
}
const names: Record<string, string> = {
  'host-a': 'Ana',
  'host-b': 'Ben',
  'host-c': 'Cleo',
  'viewer-x': 'Xia',
  'viewer-y': 'Yann',
  'viewer-z': 'Zoe',
};

async function allPeriods(board: Leaderboard, limit?: number): Promise<Leaderboards[]> {
  return Promise.all(leaderboardPeriods.map((period) => board.top(period, NOW, limit)));
}

for (const [storeName, makeBoard] of Object.entries(stores)) {
  const test = suite(`leaderboards (${storeName})`);
  test.before(async () => void (await setUp()));

  test('gifts and results land on the boards of their periods', async () => {
    const context = await setUp();
    const board = await makeBoard(context);
    try {
      await board.recordGift(gift('viewer-x', 'host-b', 100, '2031-01-02T12:00:00.000Z')); // today
      await board.recordGift(gift('viewer-y', 'host-a', 50, '2031-01-01T08:00:00.000Z')); // yesterday, same month
      await board.recordGift(gift('viewer-x', 'host-a', 30, '2030-12-31T23:59:59.999Z')); // this week, last month and year
      await board.recordGift(gift('viewer-z', 'host-a', 7, '2030-12-29T12:00:00.000Z')); // last week (Sunday)
      await board.recordGift(gift('viewer-z', 'host-c', 5, '2029-06-01T12:00:00.000Z')); // all-time only
      await board.recordBattleResult({ hostId: 'host-b', hostName: 'Ben', outcome: 'win', at: NOW });
      await board.recordBattleResult({ hostId: 'host-a', hostName: 'Ana', outcome: 'loss', at: NOW });
      await board.recordBattleResult({
        hostId: 'host-a',
        hostName: 'Ana',
        outcome: 'win',
        at: at('2030-12-31T20:00:00Z'),
      });
      await board.recordBattleResult({ hostId: 'host-c', hostName: 'Cleo', outcome: 'draw', at: NOW });

      const [daily, weekly, monthly, allTime] = (await allPeriods(board)) as [
        Leaderboards,
        Leaderboards,
        Leaderboards,
        Leaderboards,
      ];
      assert.equal(
        [daily, weekly, monthly, allTime].map((boards) => [boards.period, boards.since]),
        [
          ['daily', '2031-01-02T00:00:00.000Z'],
          ['weekly', '2030-12-30T00:00:00.000Z'],
          ['monthly', '2031-01-01T00:00:00.000Z'],
          ['all-time', null],
        ],
      );
      assert.equal(rows(daily.topGifters), [['viewer-x', 'Xia', 100]], 'daily gifters');
      assert.equal(rows(daily.hostsByGifts), [['host-b', 'Ben', 100]], 'daily hosts by gifts');
      assert.equal(rows(daily.hostsByWins), [['host-b', 'Ben', 1]], 'daily wins (losses and draws are not on it)');

      assert.equal(rows(weekly.topGifters), [
        ['viewer-x', 'Xia', 130],
        ['viewer-y', 'Yann', 50],
      ]);
      assert.equal(rows(weekly.hostsByGifts), [
        ['host-b', 'Ben', 100],
        ['host-a', 'Ana', 80],
      ]);
      // A tie: equal values by user id ascending (host-b won first).
      assert.equal(rows(weekly.hostsByWins), [
        ['host-a', 'Ana', 1],
        ['host-b', 'Ben', 1],
      ]);

      assert.equal(rows(monthly.topGifters), [
        ['viewer-x', 'Xia', 100],
        ['viewer-y', 'Yann', 50],
      ]);
      assert.equal(rows(monthly.hostsByGifts), [
        ['host-b', 'Ben', 100],
        ['host-a', 'Ana', 50],
      ]);
      assert.equal(rows(monthly.hostsByWins), [['host-b', 'Ben', 1]]);

      assert.equal(rows(allTime.topGifters), [
        ['viewer-x', 'Xia', 130],
        ['viewer-y', 'Yann', 50],
        ['viewer-z', 'Zoe', 12],
      ]);
      assert.equal(rows(allTime.hostsByGifts), [
        ['host-b', 'Ben', 100],
        ['host-a', 'Ana', 87],
        ['host-c', 'Cleo', 5],
      ]);
      assert.equal(rows(allTime.hostsByWins), [
        ['host-a', 'Ana', 1],
        ['host-b', 'Ben', 1],
      ]);

      // The previous week and a day without battles read as such.
      const lastWeek = await board.top('weekly', at('2030-12-29T23:00:00Z'));
      assert.is(lastWeek.since, '2030-12-23T00:00:00.000Z');
      assert.equal(rows(lastWeek.topGifters), [['viewer-z', 'Zoe', 7]]);
      const quietDay = await board.top('daily', at('2031-01-03T09:00:00Z'));
      assert.equal([quietDay.topGifters, quietDay.hostsByGifts, quietDay.hostsByWins], [[], [], []]);
    } finally {
      await board.close();
    }
  });

  test('ranking: value descending, ties by user id ascending, across the limit; the latest name shows', async () => {
    const context = await setUp();
    const board = await makeBoard(context);
    try {
      // Sent in an order unlike the ranking; four tied at 30 straddle a limit of 5.
      const values: [string, number][] = [
        ['u-z', 30],
        ['u-y', 10],
        ['u-c', 30],
        ['u-e', 50],
        ['u-a', 20],
        ['u-b', 30],
        ['u-d', 40],
        ['u-a', 10],
      ];
      for (const [userId, value] of values)
        await board.recordGift(gift(userId, 'host-a', value, '2031-01-02T10:00:00Z'));
      await board.recordGift({ ...gift('u-e', 'host-a', 1, '2031-01-02T11:00:00Z'), senderName: 'Eve renamed' });

      const top5 = await board.top('daily', NOW, 5);
      assert.equal(rows(top5.topGifters), [
        ['u-e', 'Eve renamed', 51],
        ['u-d', 'u-d', 40],
        ['u-a', 'u-a', 30],
        ['u-b', 'u-b', 30],
        ['u-c', 'u-c', 30],
      ]);
      const top2 = await board.top('daily', NOW, 2);
      assert.equal(
        top2.topGifters.map((entry) => entry.userId),
        ['u-e', 'u-d'],
      );
      const all = await board.top('daily', NOW);
      assert.equal(
        all.topGifters.map((entry) => entry.userId),
        ['u-e', 'u-d', 'u-a', 'u-b', 'u-c', 'u-z', 'u-y'],
        'the default limit (20) takes everyone here',
      );
      assert.equal(rows(all.hostsByGifts), [['host-a', 'Ana', 221]]);
    } finally {
      await board.close();
    }
  });

  test('bad input is refused and counts nothing', async () => {
    const context = await setUp();
    const board = await makeBoard(context);
    try {
      for (const value of [0, -5, 2.5, Number.NaN]) {
        await assertRejects(board.recordGift(gift('viewer-x', 'host-a', value, '2031-01-02T10:00:00Z')), RangeError);
      }
      await assertRejects(
        board.recordGift({ ...gift('viewer-x', 'host-a', 5, '2031-01-02T10:00:00Z'), at: at('nope') }),
        RangeError,
      );
      await assertRejects(board.top('daily', NOW, 0), RangeError);
      const daily = await board.top('daily', NOW);
      assert.equal(daily.topGifters, []);
      assert.equal(daily.hostsByGifts, []);
    } finally {
      await board.close();
    }
  });

  test('a rebuild from the database gives the boards the live changes gave', async () => {
    const context = await setUp();
    await clearBattles(context.database);
    const history = battleHistory();
    await writeHistory(context.database, history);
    const live = await makeBoard(context);
    const rebuilt = await makeBoard(context);
    try {
      for (const event of history.events) {
        if (event.kind === 'gift') await live.recordGift(event.gift);
        else await live.recordBattleResult(event.result);
      }
      // Something the database does not have: the rebuild must drop it, not add to it.
      await rebuilt.recordGift(gift('viewer-ghost', 'host-a', 9999, '2031-01-02T10:00:00Z'));
      await rebuilt.rebuild(context.database, NOW);

      const expected = await allPeriods(live, 100);
      assert.equal(await allPeriods(rebuilt, 100), expected);
      // Not vacuous: every board has several entries, and what is not a battle gift is not on them.
      for (const boards of expected) {
        for (const entries of [boards.topGifters, boards.hostsByGifts, boards.hostsByWins]) {
          assert.ok(entries.length >= 2, `${boards.period}: ${JSON.stringify(entries)}`);
          assert.not.ok(entries.some((entry) => entry.userId === 'viewer-solo' || entry.userId === 'viewer-ghost'));
        }
      }
      assert.ok(
        expected[0]!.topGifters.some((entry) => entry.displayName === 'Vera (new name)'),
        'the latest name of a renamed viewer',
      );
      // Rebuilding the live board changes nothing (no double counting).
      await live.rebuild(context.database, NOW);
      assert.equal(await allPeriods(live, 100), expected);
    } finally {
      await Promise.all([live.close(), rebuilt.close()]);
    }
  });

  test('readers never see an empty or partial board while a rebuild runs; changes during it are kept', async () => {
    const context = await setUp();
    await clearBattles(context.database);
    await writeCrowd(context.database, 3000);
    const board = await makeBoard(context);
    try {
      await board.rebuild(context.database, NOW);
      const expected = await board.top('daily', NOW);
      // The crowd's best are the last ids: a board half-written in id order would show others.
      assert.is(expected.topGifters[0]?.userId, 'viewer-2999');
      assert.is(expected.topGifters.length, 20);

      let rebuilding = true;
      const reads: Leaderboards[] = [];
      const rebuilds = (async () => {
        for (let round = 0; round < 3; round++) await board.rebuild(context.database, NOW);
        rebuilding = false;
      })();
      while (rebuilding) reads.push(await board.top('daily', NOW));
      await rebuilds;
      assert.ok(reads.length >= 3, `reads during the rebuilds: ${reads.length}`);
      for (const read of reads) assert.equal(read, expected);

      // A gift recorded while a rebuild reads (dated after the read began) survives the swap.
      const rebuild = board.rebuild(context.database, NOW);
      await board.recordGift({
        ...gift('viewer-late', 'host-crowd', 1_000_000, '2031-01-02T12:00:00Z'),
        hostName: 'Crowd host',
      });
      await rebuild;
      const after = await board.top('daily', NOW, 2);
      assert.equal(rows(after.topGifters), [
        ['viewer-late', 'viewer-late', 1_000_000],
        ['viewer-2999', 'Viewer 2999', 3000],
      ]);
      assert.equal(rows(after.hostsByGifts), [['host-crowd', 'Crowd host', 1_000_000 + (3000 * 3001) / 2]]);
    } finally {
      await board.close();
    }
  });

  test.run();
}

const redisOnly = suite('leaderboards (redis keys)');
redisOnly.before(async () => void (await setUp()));
// The last suite: the server and the database go with it.
redisOnly.after(tearDown);
redisOnly('dated buckets expire a period after they end, all-time never; names in one hash', async () => {
  const context = await setUp();
  const prefix = `test${++prefixCount}:lb`;
  const board = await RedisLeaderboard.connect(context.redis.url, { keyPrefix: prefix });
  const inspect = new Redis(context.redis.url);
  try {
    await board.recordGift(gift('viewer-x', 'host-a', 10, '2031-01-02T10:00:00Z'));
    const expiries = async () => ({
      daily: await inspect.pexpiretime(`${prefix}:topGifters:daily:2031-01-02`),
      weekly: await inspect.pexpiretime(`${prefix}:hostsByGifts:weekly:2031-W01`),
      monthly: await inspect.pexpiretime(`${prefix}:topGifters:monthly:2031-01`),
      allTime: await inspect.pexpiretime(`${prefix}:topGifters:all-time:all`),
    });
    const wanted = {
      daily: Date.parse('2031-01-04T00:00:00Z'),
      weekly: Date.parse('2031-01-13T00:00:00Z'),
      monthly: Date.parse('2031-03-04T00:00:00Z'),
      allTime: -1,
    };
    assert.equal(await expiries(), wanted);
    assert.equal(await inspect.hgetall(`${prefix}:names`), { 'viewer-x': 'Xia', 'host-a': 'Ana' });

    // After a rebuild (RENAME of fresh keys) the same expiries, and no fresh key left behind.
    await clearBattles(context.database);
    await writeCrowd(context.database, 3);
    await board.rebuild(context.database, NOW);
    assert.equal(await expiries(), wanted);
    assert.equal(await inspect.keys(`${prefix}:*:rebuild:*`), []);
    assert.is(await inspect.zscore(`${prefix}:topGifters:daily:2031-01-02`, 'viewer-x'), null, 'replaced');
    assert.is(await inspect.zscore(`${prefix}:topGifters:daily:2031-01-02`, 'viewer-2'), '3');
  } finally {
    inspect.disconnect();
    await board.close();
  }
});
redisOnly('the configuration chooses the store; an unreachable REDIS_URL fails at start', async () => {
  const context = await setUp();
  const logger = createLogger('silent');
  const inMemory = await leaderboardFromConfig({ redisUrl: undefined }, logger);
  assert.instance(inMemory, InProcessLeaderboard);
  const shared = await leaderboardFromConfig({ redisUrl: context.redis.url }, logger);
  assert.instance(shared, RedisLeaderboard);
  await Promise.all([inMemory.close(), shared.close()]);
  const started = Date.now();
  const port = await freePort();
  const failure = await leaderboardFromConfig({ redisUrl: `redis://127.0.0.1:${port}` }, logger).then(
    (): Error => assert.unreachable('connected to nothing') as never,
    (error: unknown) => error as Error,
  );
  assert.match(
    failure.message,
    `cannot reach Redis at REDIS_URL for the leaderboards: connect ECONNREFUSED 127.0.0.1:${port}`,
  );
  assert.ok(Date.now() - started < 5000, 'fails fast');
});
redisOnly.run();

async function assertRejects(promise: Promise<unknown>, type: new (...args: never[]) => Error): Promise<void> {
  try {
    await promise;
  } catch (error) {
    assert.instance(error, type);
    return;
  }
  assert.unreachable('expected a rejection');
}

// --- the database's side ------------------------------------------------------

type HistoryEvent =
  | { kind: 'gift'; gift: LeaderboardGift }
  | { kind: 'result'; result: Parameters<Leaderboard['recordBattleResult']>[0] };

interface BattleRecord {
  id: string;
  endedAt: Date;
  /** null: ended without a result (interrupted). */
  withResult: boolean;
  sides: { hostId: string; hostName: string; sessionId: string; score: number; outcome: string | null }[];
  gifts: { senderId: string; senderName: string; position: 0 | 1; value: number; createdAt: Date }[];
}

/**
 * Battles over three weeks around NOW, in every period's current bucket and
 * outside it, one ending just after midnight (its gifts on the day before),
 * one interrupted, one a draw; a viewer renamed half-way. `events` is what the
 * battle service would have recorded live, in time order.
 */
function battleHistory(): { battles: BattleRecord[]; events: HistoryEvent[] } {
  let seed = 12;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const hosts = ['host-a', 'host-b', 'host-c', 'host-d', 'host-e'];
  const viewers = ['viewer-1', 'viewer-2', 'viewer-3', 'viewer-4', 'viewer-5', 'viewer-6', 'viewer-7', 'viewer-8'];
  const unitValues = [1, 5, 10, 99, 500];
  const endings: [string, 'result' | 'draw' | 'interrupted'][] = [
    ['2030-12-10T20:00:00Z', 'result'],
    ['2030-12-20T20:00:00Z', 'result'],
    ['2030-12-29T20:00:00Z', 'result'],
    ['2030-12-30T10:00:00Z', 'draw'],
    ['2030-12-31T22:00:00Z', 'result'],
    ['2031-01-01T00:02:00Z', 'result'],
    ['2031-01-01T18:00:00Z', 'interrupted'],
    ['2031-01-02T09:00:00Z', 'result'],
    ['2031-01-02T11:00:00Z', 'result'],
  ];
  const renameAt = Date.parse('2031-01-01T12:00:00Z');
  const battles = endings.map(([ended, kind], index): BattleRecord => {
    const endedAt = new Date(ended);
    const first = hosts[index % hosts.length]!;
    const second = hosts[(index + 2) % hosts.length]!;
    const gifts: BattleRecord['gifts'] = [];
    for (let i = 0; i < 20; i++) {
      const senderId = viewers[Math.floor(random() * viewers.length)]!;
      const createdAt = new Date(endedAt.getTime() - 1000 - Math.floor(random() * 290_000));
      const senderName =
        senderId === 'viewer-1' ? (createdAt.getTime() >= renameAt ? 'Vera (new name)' : 'Vera') : `Viewer ${senderId}`;
      const unit = unitValues[Math.floor(random() * unitValues.length)]!;
      gifts.push({
        senderId,
        senderName,
        position: random() < 0.5 ? 0 : 1,
        value: unit * (1 + Math.floor(random() * 3)),
        createdAt,
      });
    }
    const scores = [0, 1].map((position) =>
      gifts.filter((entry) => entry.position === position).reduce((sum, entry) => sum + entry.value, 0),
    );
    if (kind === 'draw') {
      // Even the scores out with one more gift to the side behind.
      const behind = scores[0]! < scores[1]! ? 0 : 1;
      const value = Math.abs(scores[0]! - scores[1]!);
      if (value > 0) {
        gifts.push({
          senderId: 'viewer-2',
          senderName: 'Viewer viewer-2',
          position: behind,
          value,
          createdAt: new Date(endedAt.getTime() - 500),
        });
        scores[behind] = scores[behind]! + value;
      }
    }
    const outcome = (position: 0 | 1) => {
      if (kind === 'interrupted') return null;
      const [mine, theirs] = [scores[position]!, scores[1 - position]!];
      return mine > theirs ? 'win' : mine < theirs ? 'loss' : 'draw';
    };
    return {
      id: `battle-${index}`,
      endedAt,
      withResult: kind !== 'interrupted',
      sides: ([0, 1] as const).map((position) => {
        const hostId = position === 0 ? first : second;
        return {
          hostId,
          hostName: `Host ${hostId}`,
          sessionId: `session-${index}-${position}`,
          score: scores[position]!,
          outcome: outcome(position),
        };
      }),
      gifts,
    };
  });

  const events: (HistoryEvent & { when: number })[] = [];
  for (const battle of battles) {
    for (const entry of battle.gifts) {
      const side = battle.sides[entry.position]!;
      events.push({
        kind: 'gift',
        when: entry.createdAt.getTime(),
        gift: {
          senderId: entry.senderId,
          senderName: entry.senderName,
          hostId: side.hostId,
          hostName: side.hostName,
          value: entry.value,
          at: entry.createdAt,
        },
      });
    }
    for (const side of battle.sides) {
      if (!side.outcome) continue;
      events.push({
        kind: 'result',
        when: battle.endedAt.getTime(),
        result: {
          hostId: side.hostId,
          hostName: side.hostName,
          outcome: side.outcome as 'win' | 'loss' | 'draw',
          at: battle.endedAt,
        },
      });
    }
  }
  events.sort((a, b) => a.when - b.when);
  return { battles, events };
}

async function writeHistory(database: Database, history: { battles: BattleRecord[] }): Promise<void> {
  for (const battle of history.battles) {
    await createSessions(database, battle.sides);
    await database.battle.create({
      data: {
        id: battle.id,
        status: 'ended',
        durationS: 300,
        invitedBy: battle.sides[0]!.hostId,
        createdAt: new Date(battle.endedAt.getTime() - 400_000),
        respondBy: new Date(battle.endedAt.getTime() - 370_000),
        startsAt: new Date(battle.endedAt.getTime() - 300_000),
        endsAt: battle.endedAt,
        endedAt: battle.endedAt,
        endReason: battle.withResult ? 'time-up' : 'interrupted',
        winnerSessionId: battle.sides.find((side) => side.outcome === 'win')?.sessionId ?? null,
        sides: {
          create: battle.sides.map((side, position) => ({
            position,
            sessionId: side.sessionId,
            hostId: side.hostId,
            hostName: side.hostName,
            sessionTitle: `${side.hostName} live`,
            score: side.score,
            outcome: side.outcome,
          })),
        },
      },
    });
    await database.gift.createMany({
      data: battle.gifts.map((entry, index) => {
        const side = battle.sides[entry.position]!;
        return {
          senderId: entry.senderId,
          senderName: entry.senderName,
          clientGiftId: `${battle.id}-${index}`,
          receiverId: side.hostId,
          sessionId: side.sessionId,
          battleId: battle.id,
          giftTypeId: 'rose',
          quantity: 1,
          unitValue: entry.value,
          value: entry.value,
          createdAt: entry.createdAt,
        };
      }),
    });
  }
  // A gift outside any battle: on no leaderboard.
  const side = history.battles.at(-1)!.sides[0]!;
  await database.gift.create({
    data: {
      senderId: 'viewer-solo',
      senderName: 'Solo',
      clientGiftId: 'solo-1',
      receiverId: side.hostId,
      sessionId: side.sessionId,
      battleId: null,
      giftTypeId: 'rose',
      quantity: 1,
      unitValue: 50_000,
      value: 50_000,
      createdAt: new Date(NOW.getTime() - 60_000),
    },
  });
}

/** One battle ending at NOW where viewer-i sent i + 1 coins to host-crowd. */
async function writeCrowd(database: Database, viewers: number): Promise<void> {
  const sides = [
    { hostId: 'host-crowd', hostName: 'Crowd host', sessionId: 'session-crowd-0' },
    { hostId: 'host-other', hostName: 'Other host', sessionId: 'session-crowd-1' },
  ];
  await createSessions(database, sides);
  await database.battle.create({
    data: {
      id: 'battle-crowd',
      status: 'live',
      durationS: 300,
      invitedBy: 'host-crowd',
      createdAt: new Date(NOW.getTime() - 400_000),
      respondBy: new Date(NOW.getTime() - 370_000),
      sides: {
        create: sides.map((side, position) => ({ position, ...side, sessionTitle: 'crowd' })),
      },
    },
  });
  await database.gift.createMany({
    data: Array.from({ length: viewers }, (_, index) => ({
      senderId: `viewer-${String(index).padStart(String(viewers - 1).length, '0')}`,
      senderName: `Viewer ${index}`,
      clientGiftId: `crowd-${index}`,
      receiverId: 'host-crowd',
      sessionId: 'session-crowd-0',
      battleId: 'battle-crowd',
      giftTypeId: 'rose',
      quantity: 1,
      unitValue: index + 1,
      value: index + 1,
      createdAt: new Date(NOW.getTime() - 1000),
    })),
  });
}

async function createSessions(database: Database, sides: { hostId: string; hostName: string; sessionId: string }[]) {
  for (const side of sides) {
    await database.liveSession.create({
      data: {
        id: side.sessionId,
        title: `${side.hostName} live`,
        type: 'collaboration',
        layout: 'grid',
        status: 'ended',
        primaryHostId: side.hostId,
        primaryHostName: side.hostName,
      },
    });
  }
}

async function clearBattles(database: Database): Promise<void> {
  await database.gift.deleteMany();
  await database.battle.deleteMany();
  await database.liveSession.deleteMany();
}
