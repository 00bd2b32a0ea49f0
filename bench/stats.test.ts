import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { lossPercent, percentile, summarize } from './stats.ts';

test('nearest-rank percentiles report measured values', () => {
  const sorted = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
  assert.is(percentile(sorted, 0.5), 50);
  assert.is(percentile(sorted, 0.95), 100);
  assert.is(percentile(sorted, 0), 10);
  assert.is(percentile([], 0.5), 0);
});

test('summarize sorts, rounds and gives zeros for no samples', () => {
  assert.equal(summarize([3.14159, 1, 2], 2), { p50: 2, p95: 3.14, max: 3.14 });
  assert.equal(summarize([]), { p50: 0, p95: 0, max: 0 });
});

test('loss percent never goes negative and is 0 when nothing was expected', () => {
  assert.is(lossPercent(1, 200), 0.5);
  assert.is(lossPercent(-3, 100), 0);
  assert.is(lossPercent(0, 0), 0);
});

test.run();
