import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { audioLevelsWorthPushing, LEVEL_REFRESH_MS, type LevelsPush } from './audioLevelPushes.ts';

const ada = (volume: number) => ({ userId: 'ada', volume });
const bob = (volume: number) => ({ userId: 'bob', volume });
const sent = (levels: LevelsPush['levels'], atMs = 0): LevelsPush => ({ levels, atMs });

test('the first audible levels are sent; silence before anything was sent is not', () => {
  assert.ok(audioLevelsWorthPushing(undefined, [ada(-30)], 0));
  assert.not.ok(audioLevelsWorthPushing(undefined, [], 0));
});

test('who is speaking changed: sent at once', () => {
  assert.ok(audioLevelsWorthPushing(sent([ada(-30)]), [ada(-30), bob(-40)], 400), 'bob started');
  assert.ok(audioLevelsWorthPushing(sent([ada(-30)]), [bob(-30)], 400), 'ada handed over to bob');
  assert.ok(audioLevelsWorthPushing(sent([ada(-30)]), [], 400), 'silence');
  assert.not.ok(audioLevelsWorthPushing(sent([]), [], 400), 'still silent');
});

test('the same speakers at about the same levels wait for the refresh', () => {
  const last = sent([ada(-30), bob(-40)]);
  assert.not.ok(audioLevelsWorthPushing(last, [bob(-38), ada(-33)], 400), 'order and small moves do not count');
  assert.ok(audioLevelsWorthPushing(last, [ada(-30), bob(-46)], 400), 'a 6 dB move does');
  assert.ok(audioLevelsWorthPushing(last, [ada(-30), bob(-40)], LEVEL_REFRESH_MS), 'refresh for late joiners');
});

test.run();
