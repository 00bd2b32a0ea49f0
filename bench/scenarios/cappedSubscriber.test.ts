import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { QualityAdapted } from '../../signaling/protocol/index.ts';
import { backToLayersAfter, layersAt, timeUnderCap } from './cappedSubscriber.ts';

/** Cumulative bytes every 250 ms at `kbps(t)`. */
function samples(untilMs: number, kbps: (atMs: number) => number) {
  const result = [{ atMs: 0, bytes: 0 }];
  for (let atMs = 250; atMs <= untilMs; atMs += 250) {
    result.push({ atMs, bytes: result.at(-1)!.bytes + (kbps(atMs) * 1000 * 0.25) / 8 });
  }
  return result;
}

test('adaptDownMs: from the cap to the end of the first 500 ms at or under it', () => {
  // 2000 kbit/s until 12 s, then 300 kbit/s; the cap came at 10 s.
  const forwarded = samples(20_000, (atMs) => (atMs <= 12_000 ? 2000 : 300));
  assert.is(timeUnderCap(forwarded, 10_000, 400_000), 2500);
  assert.is(timeUnderCap(forwarded, 10_000, 200_000), null, 'never under 200 kbit/s');
});

test('adaptUpMs: when every tile is back at the layer it had before the cap', () => {
  const decision = (consumerId: string, spatialLayer: number | null): QualityAdapted => ({
    consumerId,
    tier: 'good',
    spatialLayer,
    paused: spatialLayer === null,
  });
  const qualityLog = [
    { atMs: 1000, decision: decision('a', 1) },
    { atMs: 1000, decision: decision('b', 1) },
    { atMs: 11_000, decision: decision('a', 0) },
    { atMs: 11_000, decision: decision('b', null) },
    { atMs: 33_000, decision: decision('a', 1) },
    { atMs: 36_000, decision: decision('b', 2) },
  ];
  const wanted = layersAt({ qualityLog }, 10_000);
  assert.equal(
    [...wanted],
    [
      ['a', 1],
      ['b', 1],
    ],
  );
  assert.is(backToLayersAfter({ qualityLog }, 30_000, wanted), 6000);
  assert.is(backToLayersAfter({ qualityLog: qualityLog.slice(0, 5) }, 30_000, wanted), null, 'b never came back');
});

test.run();
