import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  allocateLayers,
  decideLayers,
  initialViewerQualityState,
  tileSpatialLayer,
  updateNetwork,
  DEFAULT_SIMULCAST_LAYERS,
} from './layerDecision.ts';
import type { ConsumerTile, LayerDecision, LayerDecisionOptions, ViewerQualityState } from './layerDecision.ts';
import type { NetworkSample } from './qualityTiers.ts';

const EXCELLENT: NetworkSample = { availableBitrateBps: 5_000_000, rttMs: 20, lossPct: 0 };
/** Good only because of its RTT: its bitrate is within the dead band of EXCELLENT's. */
const GOOD_RTT: NetworkSample = { availableBitrateBps: 4_800_000, rttMs: 70, lossPct: 0 };
const GOOD: NetworkSample = { availableBitrateBps: 1_500_000, rttMs: 70, lossPct: 2 };
const FAIR: NetworkSample = { availableBitrateBps: 800_000, rttMs: 150, lossPct: 4 };
const POOR: NetworkSample = { availableBitrateBps: 300_000, rttMs: 300, lossPct: 8 };

const tile = (consumerId: string, tileHeightPx: number, priority?: number): ConsumerTile => ({
  consumerId,
  tileHeightPx,
  visible: true,
  priority,
});

function show(decision: LayerDecision): string {
  if (decision.paused) return `${decision.consumerId} paused:${decision.pauseReason}`;
  return `${decision.consumerId} ${decision.spatialLayer}/${decision.temporalLayer} ${decision.tier}`;
}

function decideOnce(
  sample: NetworkSample | undefined,
  consumers: ConsumerTile[],
  options: Partial<LayerDecisionOptions> = {},
): string[] {
  return decideLayers(initialViewerQualityState(), { sample, consumers }, 0, options).decisions.map(show);
}

/** Feeds one sample a second to a viewer with a single 720-px tile; returns what it gets after each. */
function replay(samples: NetworkSample[]): string[] {
  let state: ViewerQualityState = initialViewerQualityState();
  return samples.map((sample, second) => {
    const step = decideLayers(state, { sample, consumers: [tile('main', 720)] }, second * 1000);
    state = step.state;
    return show(step.decisions[0]!).replace('main ', '');
  });
}

test('a tile needs the smallest layer that covers it with at most 25 % upscaling', () => {
  const needed = [1, 180, 225, 226, 450, 451, 720, 2160].map((px) => tileSpatialLayer(px, DEFAULT_SIMULCAST_LAYERS));
  assert.equal(needed, [0, 0, 0, 1, 1, 2, 2, 2]);
  assert.is(tileSpatialLayer(1000, DEFAULT_SIMULCAST_LAYERS.slice(0, 2)), 1);
  assert.is(tileSpatialLayer(200, DEFAULT_SIMULCAST_LAYERS, 1), 1);
});

test('a tile never gets more than it needs, even on an excellent network', () => {
  assert.equal(decideOnce(EXCELLENT, [tile('thumb', 180), tile('side', 360), tile('main', 720), tile('full', 1080)]), [
    'thumb 0/2 excellent',
    'side 1/2 excellent',
    'main 2/2 excellent',
    'full 2/2 excellent',
  ]);
});

test('each tier caps the layers: good is 720p at half frame rate, fair 360p, poor 180p', () => {
  assert.equal(decideOnce(GOOD, [tile('main', 720)]), ['main 2/1 good']);
  assert.equal(decideOnce(GOOD, [tile('side', 360)]), ['side 1/2 good']);
  assert.equal(decideOnce(FAIR, [tile('main', 720)]), ['main 1/2 fair']);
  assert.equal(decideOnce(POOR, [tile('main', 720)]), ['main 0/2 poor']);
});

test('hidden tiles are paused and cost nothing', () => {
  const decisions = decideLayers(
    initialViewerQualityState(),
    {
      sample: { availableBitrateBps: 2_100_000, rttMs: 20, lossPct: 0 },
      consumers: [
        { consumerId: 'offscreen', tileHeightPx: 720, visible: false, priority: 9 },
        { consumerId: 'collapsed', tileHeightPx: 0, visible: true, priority: 9 },
        tile('main', 720),
      ],
    },
    0,
    { videoBudgetShare: 1 },
  ).decisions;
  assert.equal(decisions[0], {
    consumerId: 'offscreen',
    paused: true,
    spatialLayer: 0,
    temporalLayer: 0,
    tier: 'excellent',
    pauseReason: 'hidden',
    changed: true,
  });
  assert.equal(decisions.map(show), ['offscreen paused:hidden', 'collapsed paused:hidden', 'main 2/2 excellent']);
});

test('a poor network drops the frame rate, then pauses video when not even the lowest layer fits', () => {
  // 85 % of 100 kbit/s: 180p at a quarter frame rate (60 kbit/s) fits, at half (90 kbit/s) does not.
  const poor = { availableBitrateBps: 100_000, rttMs: 300, lossPct: 8 };
  assert.equal(decideOnce(poor, [tile('main', 720)]), ['main 0/0 poor']);
  // Below that, other tiles pause; the main tile keeps the lowest layer so the
  // bandwidth estimate has media to grow from (a fully paused viewer never recovers).
  assert.equal(decideOnce({ ...poor, availableBitrateBps: 50_000 }, [tile('main', 720, 2), tile('b', 360, 1)]), [
    'main 0/0 poor',
    'b paused:bandwidth',
  ]);
});

test('with pausing off, every visible tile keeps its lowest layer however small the budget', () => {
  const sample = { availableBitrateBps: 50_000, rttMs: 300, lossPct: 8 };
  assert.equal(decideOnce(sample, [tile('main', 720, 2), tile('b', 360, 1)], { pauseWhenNothingFits: false }), [
    'main 0/0 poor',
    'b 0/0 poor',
  ]);
});

test('audio reserved on the transport comes out of the video budget', () => {
  const consumers = [tile('main', 720, 2), tile('b', 360, 1)];
  const sample = { availableBitrateBps: 150_000, rttMs: 300, lossPct: 8 };
  const withAudio = decideLayers(initialViewerQualityState(), { sample, consumers, reservedBitrateBps: 100_000 }, 0, {
    videoBudgetShare: 1,
  });
  assert.equal(withAudio.decisions.map(show), ['main 0/0 poor', 'b paused:bandwidth']);
  assert.equal(decideOnce(sample, consumers, { videoBudgetShare: 1 }), ['main 0/1 poor', 'b 0/0 poor']);
});

test('the budget goes to the highest priority first, after every tile has its lowest layer', () => {
  // 2.1 Mbit/s: 3 × 60 k for the lowest layers, then main takes 1.5 M, a 500 k, c the 90 k left over.
  const sample = { availableBitrateBps: 2_100_000, rttMs: 20, lossPct: 0 };
  const consumers = [tile('a', 360, 1), tile('main', 720, 2), tile('c', 360, 1)];
  assert.equal(decideOnce(sample, consumers, { videoBudgetShare: 1 }), [
    'a 1/2 excellent',
    'main 2/2 excellent',
    'c 0/1 excellent',
  ]);
});

test('at equal priority the bigger tile is served first', () => {
  // Fair, 700 kbit/s: 2 × 60 k, then the 720-px tile takes 360p (500 k), the 360-px one the 200 k left over.
  const sample = { availableBitrateBps: 700_000, rttMs: 150, lossPct: 0 };
  assert.equal(decideOnce(sample, [tile('small', 360), tile('big', 720)], { videoBudgetShare: 1 }), [
    'small 1/0 fair',
    'big 1/2 fair',
  ]);
});

test('the least important tiles are paused when even their lowest layer does not fit', () => {
  const sample = { availableBitrateBps: 150_000, rttMs: 300, lossPct: 8 };
  const consumers = [tile('low', 180, 0), tile('main', 720, 2), tile('side', 360, 1)];
  assert.equal(decideOnce(sample, consumers, { videoBudgetShare: 1 }), [
    'low paused:bandwidth',
    'main 0/1 poor',
    'side 0/0 poor',
  ]);
});

test('per-consumer encodings are honoured', () => {
  const twoLayers = [
    { heightPx: 240, bitrateBps: 200_000 },
    { heightPx: 480, bitrateBps: 800_000 },
  ];
  const choices = allocateLayers({ tier: 'excellent', availableBitrateBps: 5_000_000 }, [
    { ...tile('main', 1080), layers: twoLayers },
  ]);
  assert.equal(
    choices.map((choice) => [choice.spatialLayer, choice.temporalLayer]),
    [[1, 2]],
  );
});

test('before the first sample visible tiles start at 180p, unbudgeted, with no tier', () => {
  assert.equal(decideOnce(undefined, [tile('main', 720), tile('hidden', 0)]), [
    'main 0/2 null',
    'hidden paused:hidden',
  ]);
});

test('tile changes apply at once and only changed decisions are flagged', () => {
  let state = initialViewerQualityState();
  const step = (consumers: ConsumerTile[], sample?: NetworkSample) => {
    const result = decideLayers(state, { sample, consumers }, 0);
    state = result.state;
    return result.decisions.map((decision) => `${show(decision)}${decision.changed ? ' *' : ''}`);
  };
  assert.equal(step([tile('a', 720), tile('b', 180)], EXCELLENT), ['a 2/2 excellent *', 'b 0/2 excellent *']);
  assert.equal(step([tile('a', 720), tile('b', 180)]), ['a 2/2 excellent', 'b 0/2 excellent']);
  assert.equal(step([tile('a', 180), tile('b', 180)]), ['a 0/2 excellent *', 'b 0/2 excellent']);
  assert.equal(step([tile('a', 720)]), ['a 2/2 excellent *']);
  assert.equal(Object.keys(state.lastByConsumerId), ['a']);
  assert.equal(step([tile('a', 720), tile('b', 180)]), ['a 2/2 excellent', 'b 0/2 excellent *']);
});

test('a single worse sample does not downgrade; two in a row do', () => {
  assert.equal(replay([EXCELLENT, GOOD_RTT, EXCELLENT, GOOD_RTT, GOOD_RTT]), [
    '2/2 excellent',
    '2/2 excellent',
    '2/2 excellent',
    '2/2 excellent',
    '2/1 good',
  ]);
});

test('one very bad sample downgrades at once: two tiers worse, or the bitrate halved', () => {
  assert.equal(replay([EXCELLENT, POOR]), ['2/2 excellent', '0/2 poor']);
  const held = updateNetwork(initialViewerQualityState().network, EXCELLENT, 0);
  const collapsed = updateNetwork(held, { ...EXCELLENT, availableBitrateBps: 2_400_000 }, 1000);
  assert.equal(collapsed, {
    held: { tier: 'excellent', availableBitrateBps: 2_400_000 },
    worseStreak: 0,
    upgrade: null,
  });
});

test('bitrate moves inside the 10 % dead band are neither worse nor better', () => {
  const held = updateNetwork(initialViewerQualityState().network, EXCELLENT, 0);
  const steady = { held: held.held, worseStreak: 0, upgrade: null };
  assert.equal(updateNetwork(held, { ...EXCELLENT, availableBitrateBps: 4_600_000 }, 1000), steady);
  assert.equal(updateNetwork(held, { ...EXCELLENT, availableBitrateBps: 5_400_000 }, 1000), steady);
  assert.equal(updateNetwork(held, { ...EXCELLENT, availableBitrateBps: 4_400_000 }, 1000).worseStreak, 1);
  assert.equal(updateNetwork(held, { ...EXCELLENT, availableBitrateBps: 5_600_000 }, 1000).upgrade, {
    sinceMs: 1000,
    recent: [{ atMs: 1000, network: { tier: 'excellent', availableBitrateBps: 5_600_000 } }],
  });
});

test('an upgrade waits until conditions have been better for 4 s', () => {
  const samples = [POOR, ...Array<NetworkSample>(5).fill(EXCELLENT)];
  assert.equal(replay(samples), [
    '0/2 poor',
    '0/2 poor', // t = 1 s: the hold starts
    '0/2 poor',
    '0/2 poor',
    '0/2 poor', // t = 4 s: 3 s of better samples
    '2/2 excellent', // t = 5 s: 4 s
  ]);
});

test('an upgrade takes the worst conditions of its last 4 s', () => {
  const samples = [POOR, EXCELLENT, GOOD, EXCELLENT, EXCELLENT, EXCELLENT];
  assert.equal(replay(samples).at(-1), '2/1 good');
  // A small improvement that started the streak does not hold back the big one that followed.
  const recovering = [POOR, FAIR, FAIR, ...Array<NetworkSample>(5).fill(EXCELLENT)];
  // Fair at t = 5 s (4 s after the fair samples began); the excellent ones' own streak began at t = 3 s, so
  // excellent at t = 7 s, not 4 s after the fair upgrade.
  assert.equal(replay(recovering).slice(4), ['0/2 poor', '1/2 fair', '1/2 fair', '2/2 excellent']);
});

test('loss alone never downgrades at once: a lasting loss does', () => {
  const burst = { ...EXCELLENT, lossPct: 40 };
  assert.equal(replay([EXCELLENT, burst, EXCELLENT]), ['2/2 excellent', '2/2 excellent', '2/2 excellent']);
  assert.equal(replay([EXCELLENT, burst, burst]).at(-1), '0/2 poor');
});

test('a sample no better than the held one restarts the hold', () => {
  const samples = [POOR, ...Array<NetworkSample>(3).fill(EXCELLENT), POOR, ...Array<NetworkSample>(5).fill(EXCELLENT)];
  const shown = replay(samples);
  assert.is(shown.indexOf('2/2 excellent'), 9);
});

test('alternating samples do not flap', () => {
  const alternate = (a: NetworkSample, b: NetworkSample) =>
    Array.from({ length: 20 }, (_, index) => (index % 2 === 0 ? a : b));
  // Held excellent, every other sample one tier worse: never two worse in a row.
  assert.equal(new Set(replay(alternate(EXCELLENT, GOOD_RTT))), new Set(['2/2 excellent']));
  // Held fair, every other sample excellent: the hold never lasts.
  assert.equal(new Set(replay(alternate(FAIR, EXCELLENT))), new Set(['1/2 fair']));
  // Held good, swinging between poor and excellent: one drop, then it stays down.
  assert.equal(new Set(replay([GOOD, ...alternate(POOR, EXCELLENT)])), new Set(['2/1 good', '0/2 poor']));
  assert.is(replay([GOOD, ...alternate(POOR, EXCELLENT)]).lastIndexOf('2/1 good'), 0);
});

test.run();
