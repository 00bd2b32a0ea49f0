import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatCountdown, formatDuration } from './formatDuration.ts';

test('m:ss under an hour, h:mm:ss above, never negative', () => {
  assert.is(formatDuration(0), '0:00');
  assert.is(formatDuration(5.9), '0:05');
  assert.is(formatDuration(125), '2:05');
  assert.is(formatDuration(3600), '1:00:00');
  assert.is(formatDuration(3723), '1:02:03');
  assert.is(formatDuration(-3), '0:00');
  assert.is(formatDuration(Number.NaN), '0:00');
});

test('a countdown in days and hours, hours and minutes, then m:ss; up, never negative', () => {
  assert.is(formatCountdown(2 * 86_400 + 3 * 3600 + 59), '2 d 3 h');
  assert.is(formatCountdown(3600 + 5 * 60), '1 h 05 min');
  assert.is(formatCountdown(272), '4:32');
  assert.is(formatCountdown(0.2), '0:01', 'a fraction of a second left is still a second');
  assert.is(formatCountdown(-5), '0:00');
});

test.run();
