import type { NextFunction, Request, Response } from 'express';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AppError } from '../errors.ts';
import { RateLimitedError } from '../errors.ts';
import { ipRateLimit, KeyedRateLimit } from './ipRateLimit.ts';

/** Runs the middleware for a request from `ip`: the Retry-After it set when refused, else true. */
async function passes(limit: ReturnType<typeof ipRateLimit>, ip: string): Promise<true | string> {
  const headers = new Map<string, string>();
  const res = { set: (name: string, value: string) => headers.set(name, value) } as unknown as Response;
  const outcome = await new Promise<unknown>((resolve) => {
    const next: NextFunction = (error?: unknown) => resolve(error);
    void limit({ ip, socket: {} } as Request, res, next);
  });
  if (outcome instanceof AppError) {
    assert.is(outcome.code, 'RATE_LIMITED');
    return headers.get('Retry-After') ?? 'no Retry-After';
  }
  assert.is(outcome, undefined);
  return true;
}

test('each address gets its own burst; after it, requests are refused with a Retry-After', async () => {
  const limit = ipRateLimit('test-addresses', { burst: 3, perS: 0.001 });
  const outcomes = [];
  for (let i = 0; i < 4; i++) outcomes.push(await passes(limit, '10.0.0.1'));
  assert.equal(outcomes.slice(0, 3), [true, true, true]);
  const retryAfterS = Number(outcomes[3]);
  assert.ok(retryAfterS > 900 && retryAfterS <= 1000, `Retry-After ${String(outcomes[3])}`);
  assert.is(await passes(limit, '10.0.0.2'), true, 'another address is not affected');
});

test('a keyed limit refuses with the time to wait, per key', async () => {
  const limit = new KeyedRateLimit('test-keys', { burst: 2, perS: 0.01 }, 'slow down');
  await limit.take('a@example.test');
  await limit.take('a@example.test');
  const refusal = await limit.take('a@example.test').then(
    () => undefined,
    (error: unknown) => error,
  );
  assert.instance(refusal, RateLimitedError);
  const { retryAfterMs, message } = refusal as RateLimitedError;
  assert.is(message, 'slow down');
  assert.ok(retryAfterMs > 90_000 && retryAfterMs <= 100_000, `retry after ${retryAfterMs} ms`);
  await limit.take('b@example.test');
});

test.run();
