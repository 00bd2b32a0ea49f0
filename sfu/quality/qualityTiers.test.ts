import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { QUALITY_TIERS, classifyTier, lossPctFromFractionLost, tierLimits, tierRank } from './qualityTiers.ts';

const tierOf = (availableBitrateBps: number, rttMs: number, lossPct: number) =>
  classifyTier({ availableBitrateBps, rttMs, lossPct });

test('excellent needs more than 2 Mbps, less than 50 ms and less than 1 % loss', () => {
  assert.is(tierOf(2_000_001, 49, 0.9), 'excellent');
  assert.is(tierOf(2_000_000, 10, 0), 'good');
  assert.is(tierOf(5_000_000, 50, 0), 'good');
  assert.is(tierOf(5_000_000, 10, 1), 'good');
});

test('good needs more than 1 Mbps, less than 100 ms and less than 3 % loss', () => {
  assert.is(tierOf(1_000_001, 99, 2.9), 'good');
  assert.is(tierOf(1_000_000, 10, 0), 'fair');
  assert.is(tierOf(5_000_000, 100, 0), 'fair');
  assert.is(tierOf(5_000_000, 10, 3), 'fair');
});

test('fair needs more than 0.5 Mbps, less than 200 ms and less than 5 % loss; the rest is poor', () => {
  assert.is(tierOf(500_001, 199, 4.9), 'fair');
  assert.is(tierOf(500_000, 10, 0), 'poor');
  assert.is(tierOf(5_000_000, 200, 0), 'poor');
  assert.is(tierOf(5_000_000, 10, 5), 'poor');
  assert.is(tierOf(0, 1000, 100), 'poor');
});

test('the tier is the worst of the three dimensions', () => {
  assert.is(tierOf(10_000_000, 10, 4), 'fair');
  assert.is(tierOf(600_000, 10, 0), 'fair');
  assert.is(tierOf(10_000_000, 60, 0), 'good');
  assert.is(tierOf(10_000_000, 500, 0), 'poor');
});

test('a missing measurement (NaN) counts as poor', () => {
  assert.is(tierOf(Number.NaN, 10, 0), 'poor');
  assert.is(tierOf(5_000_000, 10, Number.NaN), 'poor');
});

test('the table runs best to worst with tightening thresholds and shrinking caps', () => {
  assert.equal(
    QUALITY_TIERS.map((row) => row.tier),
    ['excellent', 'good', 'fair', 'poor'],
  );
  assert.equal(
    QUALITY_TIERS.map((row) => tierRank(row.tier)),
    [0, 1, 2, 3],
  );
  for (let index = 1; index < QUALITY_TIERS.length; index++) {
    const better = QUALITY_TIERS[index - 1]!;
    const worse = QUALITY_TIERS[index]!;
    assert.ok(worse.minBitrateBps < better.minBitrateBps, worse.tier);
    assert.ok(worse.maxRttMs > better.maxRttMs, worse.tier);
    assert.ok(worse.maxLossPct > better.maxLossPct, worse.tier);
  }
  assert.equal(tierLimits('excellent').cap, { spatialLayer: 2, temporalLayer: 2 });
  assert.equal(tierLimits('good').cap, { spatialLayer: 2, temporalLayer: 1 });
  assert.equal(tierLimits('fair').cap, { spatialLayer: 1, temporalLayer: 2 });
  assert.equal(tierLimits('poor').cap, { spatialLayer: 0, temporalLayer: 2 });
});

test('RTCP fraction lost (1/256ths) becomes a percentage', () => {
  assert.is(lossPctFromFractionLost(0), 0);
  assert.is(lossPctFromFractionLost(64), 25);
  assert.is(lossPctFromFractionLost(255), 99.609375);
});

test.run();
