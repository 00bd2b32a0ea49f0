// HlsContinuity in Redis: one small key per live session, written by its
// owner, read by the node that takes it over. Lost with Redis (a restart):
// the next owner then starts its numbering again, as one node always did.
import type { Redis } from 'ioredis';
import type { HlsContinuation } from '../../recorder/llhls/LiveRendition.ts';
import type { HlsContinuity } from '../broadcast/HlsContinuity.ts';
import type { Logger } from '../log/logger.ts';

const keyOf = (sessionId: string) => `stagecast:hls-position:${sessionId}`;
/** A broadcast nobody continues within this long is forgotten anyway. */
const POSITION_TTL_S = 3600;

export class RedisHlsContinuity implements HlsContinuity {
  readonly #redis: Redis;
  readonly #logger: Logger;

  /** `redis`: a connection its owner closes (the cluster node's command connection). */
  constructor(redis: Redis, logger: Logger) {
    this.#redis = redis;
    this.#logger = logger;
  }

  async lastPosition(sessionId: string): Promise<HlsContinuation | undefined> {
    const text = await this.#redis.get(keyOf(sessionId));
    if (!text) return undefined;
    const position = JSON.parse(text) as Partial<HlsContinuation>;
    const valid = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0;
    return valid(position.nextMsn) && valid(position.discontinuitySequence) && valid(position.generation)
      ? {
          nextMsn: position.nextMsn,
          discontinuitySequence: position.discontinuitySequence,
          generation: position.generation,
        }
      : undefined;
  }

  record(sessionId: string, position: HlsContinuation): void {
    this.#redis
      .set(keyOf(sessionId), JSON.stringify(position), 'EX', POSITION_TTL_S)
      .catch((error: unknown) => this.#logger.warn({ err: error, sessionId }, 'recording the HLS position failed'));
  }

  forget(sessionId: string): void {
    this.#redis
      .del(keyOf(sessionId))
      .catch((error: unknown) => this.#logger.warn({ err: error, sessionId }, 'forgetting the HLS position failed'));
  }
}
