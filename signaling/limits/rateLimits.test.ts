// run-tests: alone (it checks timings against the clock)
// Against the real limiter and the clock: rate-limiter-flexible has no fake
// time, so the limits here use windows of a second or two.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RateLimiter } from './rateLimits.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function takeMany(limiter: RateLimiter, key: string, count: number): Promise<number> {
  let allowed = 0;
  for (let i = 0; i < count; i++) if ((await limiter.take(key)).allowed) allowed++;
  return allowed;
}

test('a burst, then the steady rate; each key has its own budget', async () => {
  const limiter = new RateLimiter('test-burst', { burst: 3, perS: 1 });
  assert.is(await takeMany(limiter, 'fast', 4), 3, 'the burst');
  const refused = await limiter.take('fast');
  assert.ok(!refused.allowed && refused.retryAfterMs > 0 && refused.retryAfterMs <= 1000, JSON.stringify(refused));
  assert.is(await takeMany(limiter, 'slow', 1), 1, 'per key');
  await sleep(1050);
  assert.is(await takeMany(limiter, 'fast', 2), 1, 'one more after a second, the burst not back yet');
});

test('the socket budget: 100 at once, then 20 per second', async () => {
  const limiter = new RateLimiter('test-socket', { burst: 100, perS: 20 });
  assert.is(await takeMany(limiter, 'socket-1', 150), 100);
  await sleep(1050);
  assert.is(await takeMany(limiter, 'socket-1', 30), 20);
});

test('below one per second: the burst, then one per 1/perS seconds', async () => {
  const limiter = new RateLimiter('test-slow', { burst: 3, perS: 0.001 });
  assert.is(await takeMany(limiter, 'address', 5), 3);
  const refused = await limiter.take('address');
  assert.ok(!refused.allowed && refused.retryAfterMs > 900_000, JSON.stringify(refused));
});

test('after a pause the whole burst is back, never more; then the key is forgotten', async () => {
  const limiter = new RateLimiter('test-refill', { burst: 2, perS: 10 });
  assert.is(await takeMany(limiter, 'socket-2', 3), 2);
  assert.ok(await limiter.remembers('socket-2'));
  await sleep(2100);
  assert.is(await takeMany(limiter, 'socket-2', 3), 2, 'capped at the burst');
  // Nothing deletes a closed socket's key: the store expires it with its window.
  await sleep(2100);
  assert.not.ok(await limiter.remembers('socket-2'));
  assert.not.ok(await limiter.remembers('never-seen'));
});

test.run();
