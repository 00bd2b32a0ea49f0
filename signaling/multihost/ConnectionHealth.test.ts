import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { healthLevel, LEVEL_HOLD_SAMPLES, LevelHold } from './ConnectionHealth.ts';

test('heavy loss, a long round trip or badly arriving streams are poor; their milder forms unstable', () => {
  const clean = { lossPct: 0, rttMs: 20, uplinkScore: 10 };
  assert.is(healthLevel(clean), 'good');
  assert.is(healthLevel({ ...clean, rttMs: 0, uplinkScore: null }), 'good', 'nothing measured yet is no warning');
  assert.is(healthLevel({ ...clean, rttMs: 250 }), 'unstable');
  assert.is(healthLevel({ ...clean, lossPct: 3 }), 'unstable');
  assert.is(healthLevel({ ...clean, uplinkScore: 6 }), 'unstable');
  assert.is(healthLevel({ ...clean, rttMs: 500 }), 'poor');
  assert.is(healthLevel({ ...clean, lossPct: 12 }), 'poor');
  assert.is(healthLevel({ ...clean, uplinkScore: 2 }), 'poor');
});

test('a level is published once it holds, and a blip is not', () => {
  const hold = new LevelHold();
  assert.is(hold.next('poor'), undefined, 'one bad sample');
  assert.is(hold.next('good'), undefined, 'and back: nothing to tell');
  const published = Array.from({ length: LEVEL_HOLD_SAMPLES }, () => hold.next('unstable'));
  assert.equal(published, [...Array<undefined>(LEVEL_HOLD_SAMPLES - 1).fill(undefined), 'unstable']);
  assert.is(hold.next('unstable'), undefined, 'said once');
  assert.is(hold.next('poor'), undefined);
  assert.is(hold.next('good'), undefined, 'a different level restarts the count');
  assert.is(hold.next('good'), 'good', 'back to good once it holds');
});

test.run();
