// A per-client-address rate limit for HTTP routes: one TokenBucket per IP.
// Guards the credential routes against guessing and sign-up floods. Behind
// a reverse proxy every client shares the proxy's address unless Express's
// `trust proxy` is set.
import type { RequestHandler } from 'express';
import { AppError } from '../errors.ts';
import { TokenBucket } from '../socket/TokenBucket.ts';

export interface IpRateLimitOptions {
  /** Requests an address may make at once. */
  capacity: number;
  /** Refill per second. */
  ratePerS: number;
  /** Addresses remembered; the least recently seen are forgotten first. Default 10 000. */
  maxAddresses?: number;
}

export function ipRateLimit(options: IpRateLimitOptions): RequestHandler {
  const maxAddresses = options.maxAddresses ?? 10_000;
  const bucketsByAddress = new Map<string, TokenBucket>();
  return (req, _res, next) => {
    const address = req.ip ?? req.socket.remoteAddress ?? 'unknown';
    let bucket = bucketsByAddress.get(address);
    if (bucket) {
      bucketsByAddress.delete(address); // re-inserted below: the Map's order is recency
    } else {
      bucket = new TokenBucket(options.capacity, options.ratePerS);
      for (const oldest of bucketsByAddress.keys()) {
        if (bucketsByAddress.size < maxAddresses) break;
        bucketsByAddress.delete(oldest);
      }
    }
    bucketsByAddress.set(address, bucket);
    if (!bucket.take()) {
      next(new AppError('RATE_LIMITED', 'too many requests: try again in a moment'));
      return;
    }
    next();
  };
}
