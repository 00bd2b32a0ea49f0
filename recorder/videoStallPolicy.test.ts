import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { VideoStallPolicy, type KeyFrameReason } from './videoStallPolicy.ts';

/**
 * Feeds the policy a sample every `stepMs` from `fromMs` to `toMs`, with the
 * packet count growing while `flowing(t)` and `paused(t)`, and returns when
 * it asked for a key frame and why.
 */
function drive(
  policy: VideoStallPolicy,
  { fromMs = 0, toMs, stepMs = 100, flowing, paused = () => false }: Drive,
  state = { packets: 0 },
): [number, KeyFrameReason][] {
  const asks: [number, KeyFrameReason][] = [];
  for (let nowMs = fromMs; nowMs <= toMs; nowMs += stepMs) {
    if (flowing(nowMs)) state.packets += 3;
    const reason = policy.observe({ nowMs, packetCount: state.packets, paused: paused(nowMs) });
    if (reason) asks.push([nowMs, reason]);
  }
  return asks;
}

interface Drive {
  fromMs?: number;
  toMs: number;
  stepMs?: number;
  flowing: (nowMs: number) => boolean;
  paused?: (nowMs: number) => boolean;
}

test('steady media never asks', () => {
  assert.equal(drive(new VideoStallPolicy(), { toMs: 20_000, flowing: () => true }), []);
});

test('a stall asks after 500 ms, and once more when media resumes', () => {
  // Packets stop at 1 s and come back at 2.2 s.
  const asks = drive(new VideoStallPolicy(), { toMs: 5000, flowing: (t) => t < 1000 || t >= 2200 });
  // Last packet counted at 900 ms; 500 ms later is 1400 ms.
  assert.equal(asks, [
    [1400, 'stalled'],
    [2200, 'resumed'],
  ]);
});

test('gaps shorter than 500 ms are not stalls', () => {
  const asks = drive(new VideoStallPolicy(), { toMs: 10_000, flowing: (t) => t % 1000 < 600 });
  assert.equal(asks, []);
});

test('a long stall asks at most 3 times in 6 s, then waits for media', () => {
  const asks = drive(new VideoStallPolicy(), { toMs: 30_000, flowing: (t) => t < 1000 });
  assert.equal(asks, [
    [1400, 'stalled'],
    [3400, 'still-stalled'],
    [5400, 'still-stalled'],
  ]);
});

test('an input that stalls again and again is held to 3 asks in any 6 s', () => {
  // 700 ms of media, 800 ms of nothing, repeated: every gap is a stall.
  const asks = drive(new VideoStallPolicy(), { toMs: 30_000, stepMs: 50, flowing: (t) => t % 1500 < 700 });
  assert.ok(asks.length > 3, `asked ${asks.length} times`);
  for (const [at] of asks) {
    const inWindow = asks.filter(([other]) => other >= at && other < at + 6000).length;
    assert.ok(inWindow <= 3, `${inWindow} asks in the 6 s from ${at} ms: ${JSON.stringify(asks)}`);
  }
});

test('a paused producer is silent on purpose: no ask, and no ask when it resumes', () => {
  const asks = drive(new VideoStallPolicy(), {
    toMs: 10_000,
    flowing: (t) => t < 1000 || t >= 5000,
    paused: (t) => t >= 1000 && t < 5000,
  });
  assert.equal(asks, []);
});

test('resuming without packets after a pause counts from the resume', () => {
  // Paused 1–3 s, then unpaused but nothing arrives until 8 s.
  const asks = drive(new VideoStallPolicy(), {
    toMs: 10_000,
    flowing: (t) => t < 1000 || t >= 8000,
    paused: (t) => t >= 1000 && t < 3000,
  });
  // The last paused sample is at 2.9 s: the stall clock runs from there.
  assert.equal(asks[0], [3400, 'stalled']);
});

test('an input that never sends asks too (a camera whose first key frame was lost)', () => {
  const asks = drive(new VideoStallPolicy(), { toMs: 1000, flowing: () => false });
  assert.equal(asks, [[500, 'stalled']]);
});

test.run();
