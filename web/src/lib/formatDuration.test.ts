import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatDuration } from './formatDuration.ts';

test('m:ss under an hour, h:mm:ss above, never negative', () => {
  assert.is(formatDuration(0), '0:00');
  assert.is(formatDuration(5.9), '0:05');
  assert.is(formatDuration(125), '2:05');
  assert.is(formatDuration(3600), '1:00:00');
  assert.is(formatDuration(3723), '1:02:03');
  assert.is(formatDuration(-3), '0:00');
  assert.is(formatDuration(Number.NaN), '0:00');
});

test.run();
