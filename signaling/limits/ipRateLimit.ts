// A per-client-address rate limit for HTTP routes. Guards the credential
// routes against guessing and sign-up floods. Behind a reverse proxy every
// client shares the proxy's address unless Express's `trust proxy` is set.
// Addresses are forgotten when their window passes (the limiter's store
// expires them), so a flood of addresses holds memory for one window only.
import type { RequestHandler } from 'express';
import { AppError } from '../errors.ts';
import { RateLimiter, type RateLimit } from './rateLimits.ts';

/** `name` must be unique among limiters (it prefixes the store's keys). */
export function ipRateLimit(name: string, limit: RateLimit): RequestHandler {
  const limiter = new RateLimiter(name, limit);
  return (req, res, next) => {
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    limiter.take(address).then((admission) => {
      if (admission.allowed) {
        next();
        return;
      }
      res.set('Retry-After', String(Math.max(1, Math.ceil(admission.retryAfterMs / 1000))));
      next(new AppError('RATE_LIMITED', 'too many requests: try again in a moment'));
    }, next);
  };
}
