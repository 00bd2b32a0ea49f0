import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BUDGET_WINDOW_FRAMES, FrameBudget, PROCESSING_LEVELS } from './frameBudget.ts';

const feed = (budget: FrameBudget, milliseconds: number, frames = BUDGET_WINDOW_FRAMES) => {
  let stepped = 0;
  for (let index = 0; index < frames; index++) if (budget.record(milliseconds)) stepped += 1;
  return stepped;
};

test('frames that fit the interval keep full size', () => {
  const budget = new FrameBudget(30);
  assert.is(feed(budget, 20, 5 * BUDGET_WINDOW_FRAMES), 0);
  assert.is(budget.scale, 1);
});

test('slow frames step down once per window, to the floor (the model off last) and no further', () => {
  const budget = new FrameBudget(30);
  assert.is(feed(budget, 40), 1);
  assert.is(budget.scale, PROCESSING_LEVELS[1].scale);
  assert.is(feed(budget, 40, 10 * BUDGET_WINDOW_FRAMES), PROCESSING_LEVELS.length - 2);
  assert.ok(budget.atFloor);
  assert.equal(budget.current, { scale: 0.35, segmentation: false });
});

test('the model every few frames: judged on the average, so a rate the camera keeps is kept', () => {
  const budget = new FrameBudget(15);
  // 10 ms frames, and every fifth one runs the 100 ms model: 28 ms on average, 67 ms allowed at 15 fps.
  for (let index = 0; index < 3 * BUDGET_WINDOW_FRAMES; index++) budget.record(index % 5 === 0 ? 110 : 10);
  assert.is(budget.level, 0);
});

test('a few slow frames in a window (a hiccup) do not step down; a new choice starts at full size', () => {
  const budget = new FrameBudget(30);
  for (let index = 0; index < BUDGET_WINDOW_FRAMES; index++) budget.record(index < 2 ? 200 : 10);
  assert.is(budget.level, 0);
  feed(budget, 100, 10);
  assert.is(budget.level, 1, 'a second of 100 ms frames: one step');
  budget.reset();
  assert.is(budget.scale, 1);
  assert.is(budget.times().count, 0);
});

test('very slow frames are judged after a second of them, not after 30', () => {
  const budget = new FrameBudget(30);
  assert.is(feed(budget, 300, 4), 1);
  assert.is(budget.level, 1);
});

test('times: p50 and p95 of the frames recorded', () => {
  const budget = new FrameBudget(15);
  for (let index = 1; index <= 20; index++) budget.record(index);
  assert.equal(budget.times(), { p50: 11, p95: 20, count: 20 });
});

test.run();
