// Rate limits for the socket and HTTP boundaries, on rate-limiter-flexible.
// A limit is stated as a token bucket (a burst, then a steady rate) and built
// as the library's bursty limiter (it has no token bucket): a steady window
// of `perS` per second plus a burst allowance that comes back after
// BURST_REFILL_FACTOR times the time the bucket would take to fill. Windows
// are whole seconds because the Redis store expires keys in seconds. Unlike
// a true token bucket, a client that keeps hammering gets the burst
// allowance again every burst window: at most perS × (1 + 1/BURST_REFILL_FACTOR)
// per second over a long run (10 % over perS), the price of a burst that
// recovers in tens of seconds rather than never.
//
// Every limiter is built by `storeLimiter`: this process's memory, or, given
// a Redis connection (cluster mode), a RateLimiterRedis shared by every node,
// so a limit per address or per account holds however the load balancer
// spreads the requests. Each limiter's name (its key prefix) keeps the
// limiters apart in the shared store. While Redis is away a limit falls back
// to this node's memory (the library's insurance limiter) instead of failing
// the request.
import type { Redis } from 'ioredis';
import {
  BurstyRateLimiter,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';

export interface RateLimit {
  /** Requests allowed at once (at least 1). */
  burst: number;
  /** Requests per second once the burst is spent (more than 0). */
  perS: number;
}

/** The outcome of taking one request from a budget. */
export type Admission = { allowed: true } | { allowed: false; retryAfterMs: number };

/** The burst window, in bucket fill times: larger keeps the long-run rate closer to perS, smaller refills the burst sooner. */
const BURST_REFILL_FACTOR = 10;

export type LimiterOptions = ConstructorParameters<typeof RateLimiterMemory>[0];

/** Where limits are counted: undefined for this process's memory, or a Redis connection every node shares. */
export type LimitStore = Redis | undefined;

export function storeLimiter(options: LimiterOptions, store: LimitStore = undefined): RateLimiterAbstract {
  if (!store) return new RateLimiterMemory(options);
  return new RateLimiterRedis({
    ...options,
    storeClient: store,
    // Redis away: answer from memory at once rather than wait for it.
    rejectIfRedisNotReady: true,
    insuranceLimiter: new RateLimiterMemory(options),
  });
}

/** Per-key budgets (a socket, an address, a user in a chat) for one kind of request. */
export class RateLimiter {
  readonly #steady: RateLimiterAbstract;
  readonly #burst: RateLimiterAbstract | undefined;
  readonly #limiter: BurstyRateLimiter | RateLimiterAbstract;

  /** `name` must be unique among limiters: it prefixes their keys in the store. */
  constructor(name: string, limit: RateLimit, store: LimitStore = undefined) {
    // Below one per second: one request per window of 1/perS seconds. Never
    // more at once than the burst, even if that lowers a rate above it.
    const steadyWindowS = limit.perS >= 1 ? 1 : Math.max(1, Math.round(1 / limit.perS));
    const steadyPoints = Math.min(limit.burst, Math.max(1, Math.floor(limit.perS * steadyWindowS)));
    this.#steady = storeLimiter({ keyPrefix: name, points: steadyPoints, duration: steadyWindowS }, store);
    const burstPoints = limit.burst - steadyPoints;
    this.#burst =
      burstPoints > 0
        ? storeLimiter(
            {
              keyPrefix: `${name}-burst`,
              points: burstPoints,
              duration: Math.max(steadyWindowS, Math.ceil((BURST_REFILL_FACTOR * limit.burst) / limit.perS)),
            },
            store,
          )
        : undefined;
    this.#limiter = this.#burst ? new BurstyRateLimiter(this.#steady, this.#burst) : this.#steady;
  }

  /** Takes one request from `key`'s budget. Rejects only when the store fails. */
  async take(key: string): Promise<Admission> {
    try {
      await this.#limiter.consume(key);
      return { allowed: true };
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) return { allowed: false, retryAfterMs: rejection.msBeforeNext };
      throw rejection;
    }
  }

  /**
   * Whether the store still holds a budget for `key`. Entries expire with
   * their window, so a key nobody uses any more (a closed socket) is
   * forgotten without being deleted.
   */
  async remembers(key: string): Promise<boolean> {
    const [steady, burst] = await Promise.all([this.#steady.get(key), this.#burst?.get(key)]);
    return steady !== null || (burst ?? null) !== null;
  }
}
