import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TokenBucket } from './TokenBucket.ts';

test('allows a burst up to capacity, then refills at the rate', () => {
  const bucket = new TokenBucket(3, 2, 0);
  assert.equal([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)], [true, true, true, false]);
  assert.is(bucket.take(400), false, '0.8 tokens after 400 ms');
  assert.is(bucket.take(500), true, '1 token after 500 ms');
  assert.is(bucket.take(10_000), true);
  assert.equal(
    [bucket.take(10_000), bucket.take(10_000), bucket.take(10_000)],
    [true, true, false],
    'capped at capacity',
  );
});

test.run();
