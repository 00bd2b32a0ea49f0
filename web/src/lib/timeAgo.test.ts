import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { timeAgo } from './timeAgo.ts';

const now = Date.parse('2026-12-05T10:00:00Z');

test('says how long ago, in the largest unit that fits', () => {
  assert.is(timeAgo('2026-12-05T10:00:00Z', now, 'en'), 'now');
  assert.is(timeAgo('2026-12-05T09:59:30Z', now, 'en'), '30 seconds ago');
  assert.is(timeAgo('2026-12-05T09:55:00Z', now, 'en'), '5 minutes ago');
  assert.is(timeAgo('2026-12-05T07:00:00Z', now, 'en'), '3 hours ago');
  assert.is(timeAgo('2026-12-04T10:00:00Z', now, 'en'), 'yesterday');
  assert.is(timeAgo('2026-11-05T10:00:00Z', now, 'en'), '4 weeks ago');
  assert.is(timeAgo('2026-10-05T10:00:00Z', now, 'en'), '2 months ago');
});

test.run();
