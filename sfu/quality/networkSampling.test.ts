import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decideLayers, type ConsumerTile, type HeldNetwork, type NetworkHysteresis } from './layerDecision.ts';
import {
  ACTIVE_SAMPLE_INTERVAL_MS,
  alignedDelayMs,
  networkSampleFrom,
  nextSampleDelayMs,
  SETTLED_SAMPLE_INTERVAL_MS,
  type SamplingState,
} from './networkSampling.ts';

const GOOD: HeldNetwork = { tier: 'good', availableBitrateBps: 1_500_000 };
const thumbnail: ConsumerTile = { consumerId: 'thumb', tileHeightPx: 180, visible: true };
const main: ConsumerTile = { consumerId: 'main', tileHeightPx: 720, visible: true };

/** The viewer after deciding with `network` held, as the controller hands it over. */
function sampling(
  network: NetworkHysteresis,
  tiles: ConsumerTile[],
  changes: Partial<Omit<SamplingState, 'state'>> = {},
): SamplingState {
  const input = { consumers: tiles, reservedBitrateBps: 0 };
  const { decisions } = decideLayers(
    { network: { held: network.held, worseStreak: 0, upgrade: null }, lastByConsumerId: {} },
    input,
    0,
  );
  const lastByConsumerId = Object.fromEntries(decisions.map((decision) => [decision.consumerId, decision]));
  return {
    state: { network, lastByConsumerId },
    sample: undefined,
    input,
    decisionsChanged: false,
    awaitingMedia: 0,
    ...changes,
  };
}
const steady = (held: HeldNetwork): NetworkHysteresis => ({ held, worseStreak: 0, upgrade: null });
const upgradingTo = (held: HeldNetwork, floor: HeldNetwork): NetworkHysteresis => ({
  held,
  worseStreak: 0,
  upgrade: { sinceMs: 0, recent: [{ atMs: 0, network: floor }] },
});

test('a sample: bandwidth from the transport, the RTT given, the worse of the two losses', () => {
  assert.equal(
    networkSampleFrom({ availableOutgoingBitrate: 2_000_000, rtpPacketLossSent: 0.02 }, 35, [{ fractionLost: 0 }]),
    { availableBitrateBps: 2_000_000, rttMs: 35, lossPct: 2 },
  );
  // A REMB-only viewer has no transport-cc loss: the receiver reports tell it (64/256 = 25 %).
  assert.equal(networkSampleFrom({ availableOutgoingBitrate: 2_000_000 }, 0, [{ fractionLost: 64 }]), {
    availableBitrateBps: 2_000_000,
    rttMs: 0,
    lossPct: 25,
  });
  // No consumer read this time: the transport's loss alone.
  assert.equal(networkSampleFrom({ availableOutgoingBitrate: 900_000, rtpPacketLossSent: 0.005 }, 12), {
    availableBitrateBps: 900_000,
    rttMs: 12,
    lossPct: 0.5,
  });
});

test('no bandwidth estimate yet (0 or absent) is no sample, not "no bandwidth"', () => {
  assert.is(networkSampleFrom({ availableOutgoingBitrate: 0, rtpPacketLossSent: 0 }, 10), undefined);
  assert.is(networkSampleFrom(undefined, 10, [{ fractionLost: 0 }]), undefined);
});

test('samples fall on a shared grid, never earlier than asked', () => {
  assert.is(alignedDelayMs(1000, 2000), 2000);
  assert.is(alignedDelayMs(1010, 2000), 2240);
  assert.is(alignedDelayMs(1249.5, 0), 0.5);
});

test('a settled viewer is sampled at the slow pace', () => {
  assert.is(nextSampleDelayMs(sampling(steady(GOOD), [thumbnail, main])), SETTLED_SAMPLE_INTERVAL_MS);
  // No estimate yet and media flowing: nothing to watch closely either.
  const noEstimateYet: NetworkHysteresis = { held: null, worseStreak: 0, upgrade: null };
  assert.is(nextSampleDelayMs(sampling(noEstimateYet, [thumbnail])), SETTLED_SAMPLE_INTERVAL_MS);
});

test('a change just made, media awaited or a video off for bandwidth keeps the active pace', () => {
  const tiles = [thumbnail, main];
  assert.is(nextSampleDelayMs(sampling(steady(GOOD), tiles, { decisionsChanged: true })), ACTIVE_SAMPLE_INTERVAL_MS);
  assert.is(nextSampleDelayMs(sampling(steady(GOOD), tiles, { awaitingMedia: 1 })), ACTIVE_SAMPLE_INTERVAL_MS);
  // 100 kbit/s cannot carry two tiles: the thumbnail is paused until the estimate grows back.
  const starved: HeldNetwork = { tier: 'poor', availableBitrateBps: 100_000 };
  const paused = sampling(steady(starved), tiles);
  assert.ok(Object.values(paused.state.lastByConsumerId).some((choice) => choice.pauseReason === 'bandwidth'));
  assert.is(nextSampleDelayMs(paused), ACTIVE_SAMPLE_INTERVAL_MS);
});

test('an upgrade on hold is watched when it would change something, not when it would not', () => {
  const excellent: HeldNetwork = { tier: 'excellent', availableBitrateBps: 5_000_000 };
  // Good → excellent gives the main tile its full frame rate (and shows a better tier): watch it.
  assert.is(nextSampleDelayMs(sampling(upgradingTo(GOOD, excellent), [thumbnail, main])), ACTIVE_SAMPLE_INTERVAL_MS);
  // A higher estimate within the same tier, for a thumbnail that already has its 180p: nothing to gain.
  const moreOfGood: HeldNetwork = { tier: 'good', availableBitrateBps: 1_900_000 };
  assert.is(nextSampleDelayMs(sampling(upgradingTo(GOOD, moreOfGood), [thumbnail])), SETTLED_SAMPLE_INTERVAL_MS);
  // The same estimate for three 720p tiles sharing the budget: the second one would get more.
  const crowded = ['a', 'b', 'c'].map((consumerId) => ({ ...main, consumerId }));
  assert.is(nextSampleDelayMs(sampling(upgradingTo(GOOD, moreOfGood), crowded)), ACTIVE_SAMPLE_INTERVAL_MS);
});

test('a downgrade being counted is watched when the worse sample would change something', () => {
  const counting: NetworkHysteresis = { held: GOOD, worseStreak: 1, upgrade: null };
  // Fair caps at 360p: the main tile would drop from 720p.
  const fair = { availableBitrateBps: 800_000, rttMs: 150, lossPct: 0 };
  assert.is(nextSampleDelayMs(sampling(counting, [thumbnail, main], { sample: fair })), ACTIVE_SAMPLE_INTERVAL_MS);
  // 20 % less bandwidth, still good, for a thumbnail: the same 180p.
  const lessOfGood = { availableBitrateBps: 1_200_000, rttMs: 20, lossPct: 0 };
  assert.is(nextSampleDelayMs(sampling(counting, [thumbnail], { sample: lessOfGood })), SETTLED_SAMPLE_INTERVAL_MS);
});

test.run();
