// Failed attempts per key (an account's normalised email, a user id): after
// `failures` wrong passwords within `windowS` the key is refused — from every
// address — until the window passes; a success forgets its failures. Only
// failures count, so the owner's own sign-ins never use the budget and a
// typo is forgotten once they get it right. Someone guessing can still hold
// an account at the limit (the price of stopping many machines guessing one
// password); its owner keeps any signed-in session (the refresh cookie).
import { RateLimitedError } from '../errors.ts';
import { storeLimiter, type LimitStore } from './rateLimits.ts';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';

export interface FailureLimit {
  /** Wrong attempts allowed within the window. */
  failures: number;
  windowS: number;
}

export class FailedAttemptLimit {
  readonly #failures: RateLimiterAbstract;
  readonly #allowed: number;
  readonly #message: string;

  /** `name` must be unique among limiters (it prefixes the store's keys). */
  constructor(name: string, limit: FailureLimit, message: string, store: LimitStore = undefined) {
    this.#failures = storeLimiter({ keyPrefix: name, points: limit.failures, duration: limit.windowS }, store);
    this.#allowed = limit.failures;
    this.#message = message;
  }

  /** Throws RateLimitedError (429 with Retry-After) while the key has used up its failures. */
  async assertAllowed(key: string): Promise<void> {
    const recorded = await this.#failures.get(key);
    if (recorded && recorded.consumedPoints >= this.#allowed) {
      throw new RateLimitedError(this.#message, recorded.msBeforeNext);
    }
  }

  /** Runs `attempt`; a refused one (UNAUTHENTICATED) counts as a failure, a success clears the key. */
  async attempt<T>(key: string, attempt: () => Promise<T>, isFailure: (error: unknown) => boolean): Promise<T> {
    await this.assertAllowed(key);
    let result: T;
    try {
      result = await attempt();
    } catch (error) {
      if (isFailure(error)) await this.#recordFailure(key);
      throw error;
    }
    await this.#failures.delete(key);
    return result;
  }

  async #recordFailure(key: string): Promise<void> {
    try {
      await this.#failures.consume(key);
    } catch (rejection) {
      // The last allowed failure spends the budget: that is the point, not an error.
      if (rejection instanceof Error) throw rejection;
    }
  }
}
