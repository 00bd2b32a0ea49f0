// Rate limits for HTTP routes: per client address (a middleware) and per
// any other key a route knows once it has read its body (an account's
// normalised email, a user id). They guard the credential routes against
// guessing and sign-up floods: the address limit stops one machine, the
// account limit stops many machines guessing one account's password.
// Behind a reverse proxy every client shares the proxy's address unless
// Express's `trust proxy` is set. Keys are forgotten when their window passes
// (the limiter's store expires them), so a flood of addresses or emails holds
// memory for one window only.
import type { RequestHandler } from 'express';
import { RateLimitedError } from '../errors.ts';
import { RateLimiter, type LimitStore, type RateLimit } from './rateLimits.ts';

/** Whole seconds, at least 1: the value of a `Retry-After` header. */
export function retryAfterSeconds(retryAfterMs: number): number {
  return Math.max(1, Math.ceil(retryAfterMs / 1000));
}

/** `name` must be unique among limiters (it prefixes the store's keys). */
export function ipRateLimit(name: string, limit: RateLimit, store: LimitStore = undefined): RequestHandler {
  const limiter = new RateLimiter(name, limit, store);
  return (req, res, next) => {
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    limiter.take(address).then((admission) => {
      if (admission.allowed) {
        next();
        return;
      }
      res.set('Retry-After', String(retryAfterSeconds(admission.retryAfterMs)));
      next(new RateLimitedError('too many requests: try again in a moment', admission.retryAfterMs));
    }, next);
  };
}

/** A per-key limit checked inside a route; throws RateLimitedError (429 with Retry-After) when spent. */
export class KeyedRateLimit {
  readonly #limiter: RateLimiter;
  readonly #message: string;

  /** `name` must be unique among limiters (it prefixes the store's keys). */
  constructor(name: string, limit: RateLimit, message: string, store: LimitStore = undefined) {
    this.#limiter = new RateLimiter(name, limit, store);
    this.#message = message;
  }

  async take(key: string): Promise<void> {
    const admission = await this.#limiter.take(key);
    if (!admission.allowed) throw new RateLimitedError(this.#message, admission.retryAfterMs);
  }
}
