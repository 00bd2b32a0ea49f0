import type { NextFunction, Request, Response } from 'express';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AppError } from '../errors.ts';
import { ipRateLimit } from './ipRateLimit.ts';
import { readRefreshCookie } from './refreshCookie.ts';

/** Runs the middleware for a request from `ip`: true when it was let through. */
function passes(limit: ReturnType<typeof ipRateLimit>, ip: string): boolean {
  let outcome: unknown = 'not called';
  const next: NextFunction = (error?: unknown) => (outcome = error);
  void limit({ ip, socket: {} } as Request, {} as Response, next);
  if (outcome instanceof AppError) {
    assert.is(outcome.code, 'RATE_LIMITED');
    return false;
  }
  assert.is(outcome, undefined);
  return true;
}

test('each address gets its own burst; after it, requests are refused', () => {
  const limit = ipRateLimit({ capacity: 3, ratePerS: 0.001 });
  assert.equal(
    [1, 2, 3, 4].map(() => passes(limit, '10.0.0.1')),
    [true, true, true, false],
  );
  assert.ok(passes(limit, '10.0.0.2'), 'another address is not affected');
});

test('addresses beyond the memory bound are forgotten, least recently seen first', () => {
  const limit = ipRateLimit({ capacity: 1, ratePerS: 0.001, maxAddresses: 2 });
  assert.ok(passes(limit, 'a'));
  assert.ok(passes(limit, 'b'));
  assert.not.ok(passes(limit, 'a')); // a is now the most recent
  assert.ok(passes(limit, 'c')); // forgets b
  assert.ok(passes(limit, 'b'), 'b starts afresh');
  assert.not.ok(passes(limit, 'c'));
});

test('the refresh cookie is read from among others, and only if it looks like ours', () => {
  const cookie = (header: string) => readRefreshCookie({ get: () => header } as unknown as Request);
  assert.is(cookie('a=1; stagecast_refresh=abc_DEF-123; b=2'), 'abc_DEF-123');
  assert.is(cookie('stagecast_refreshx=abc'), undefined);
  assert.is(cookie('stagecast_refresh=a;b'), 'a');
  assert.is(cookie('stagecast_refresh=<script>'), undefined);
  assert.is(cookie(''), undefined);
});

test.run();
