// The quick-match queue of a cluster, in Redis: a list of session ids in
// waiting order and a hash of their battle lengths. Taking the first entry
// is one script (pop and read together), so two nodes never take the same
// waiting session. Lost with Redis (a restart empties it): hosts who were
// waiting are matched by the next one who asks, or ask again.
import type { Redis } from 'ioredis';
import { BATTLE_DEFAULT_DURATION_S } from '../../protocol/index.ts';
import type { QueuedSession, QuickMatchQueue } from './QuickMatchQueue.ts';

const ORDER_KEY = 'stagecast:quick-match';
const DURATIONS_KEY = 'stagecast:quick-match:duration';

const TAKE_FIRST = `
local sessionId = redis.call('LPOP', KEYS[1])
if not sessionId then return nil end
local durationS = redis.call('HGET', KEYS[2], sessionId)
redis.call('HDEL', KEYS[2], sessionId)
return { sessionId, durationS }
`;

export class RedisQuickMatchQueue implements QuickMatchQueue {
  readonly #redis: Redis;

  /** `redis`: a connection its owner closes (the cluster node's command connection). */
  constructor(redis: Redis) {
    this.#redis = redis;
  }

  async add({ sessionId, durationS }: QueuedSession): Promise<void> {
    await this.#redis
      .multi()
      .lrem(ORDER_KEY, 0, sessionId)
      .rpush(ORDER_KEY, sessionId)
      .hset(DURATIONS_KEY, sessionId, String(durationS))
      .exec();
  }

  async remove(sessionId: string): Promise<void> {
    await this.#redis.multi().lrem(ORDER_KEY, 0, sessionId).hdel(DURATIONS_KEY, sessionId).exec();
  }

  async takeFirst(): Promise<QueuedSession | undefined> {
    const taken = (await this.#redis.eval(TAKE_FIRST, 2, ORDER_KEY, DURATIONS_KEY)) as [string, string | null] | null;
    if (!taken) return undefined;
    const durationS = Number(taken[1]);
    // A length lost between the two keys (cannot happen in one script; an old entry all the same): the default.
    return {
      sessionId: taken[0],
      durationS: Number.isFinite(durationS) && durationS > 0 ? durationS : BATTLE_DEFAULT_DURATION_S,
    };
  }
}
