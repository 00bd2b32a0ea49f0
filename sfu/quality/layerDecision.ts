// Which simulcast layers each of a viewer's video consumers should receive: plain data in, plain data out.
// The caller samples the viewer's recv transport, calls `decideLayers`, applies the decisions with
// `consumer.pause()` / `resume()` / `setPreferredLayers()` and pushes `webrtc:quality-adapted` for the changed ones.
// Preferred layers are an upper bound in mediasoup: its own bandwidth estimator may still send less, never more.
import { classifyTier, tierLimits, tierRank } from './qualityTiers.ts';
import type { LayerCap, NetworkSample, QualityTier } from './qualityTiers.ts';

/** One simulcast encoding as the publisher sends it. */
export interface SimulcastLayer {
  heightPx: number;
  /** Bitrate at full frame rate, bit/s. */
  bitrateBps: number;
}

/** Nominal 3-layer camera simulcast. The real encodings are the publisher's: pass them per consumer if they differ. */
export const DEFAULT_SIMULCAST_LAYERS: readonly SimulcastLayer[] = [
  { heightPx: 180, bitrateBps: 150_000 },
  { heightPx: 360, bitrateBps: 500_000 },
  { heightPx: 720, bitrateBps: 1_500_000 },
];

export interface LayerDecisionOptions {
  /** Simulcast layers, lowest first, for consumers that do not bring their own. Default `DEFAULT_SIMULCAST_LAYERS`. */
  layers: readonly SimulcastLayer[];
  /**
   * Share of a spatial layer's bitrate sent up to each temporal layer (cumulative); its length is the number of
   * temporal layers. Default [0.4, 0.6, 1], libwebrtc's split for three temporal layers.
   */
  temporalShares: readonly number[];
  /** Share of `availableOutgoingBitrate` video may use; the rest absorbs RTX, RTCP and estimate error. Default 0.85. */
  videoBudgetShare: number;
  /** How far a layer may be upscaled before a tile needs the next one: 180p serves tiles up to 225 px. Default 1.25. */
  upscaleTolerance: number;
  /** Worse samples in a row that make a downgrade (at one sample a second: about 2 s). Default 2. */
  downgradeSamples: number;
  /**
   * How long every sample must be better before an upgrade; the upgrade takes the worst sample of that long
   * (a sliding window), so a big recovery is not held back by the small one that started the streak. Default 4000 ms.
   */
  upgradeHoldMs: number;
  /** Relative bitrate change treated as noise: neither worse nor better. Default 0.1. */
  bitrateDeadband: number;
  /**
   * A sample with a bitrate below this share of the held one, or two or more tiers worse on bitrate or RTT,
   * downgrades at once. Loss alone counts only as worse: a key frame burst overflowing a queue shows as one
   * sample of heavy loss, and the estimator answers lasting loss by lowering the bitrate anyway. Default 0.5.
   */
  collapseRatio: number;
  /**
   * Pause tiles whose lowest layer does not fit the budget. Off: every visible tile keeps at least its lowest
   * layer whatever the estimate (for rooms where video matters more than a congested link). Default true.
   */
  pauseWhenNothingFits: boolean;
}

export const DEFAULT_LAYER_DECISION_OPTIONS: Readonly<LayerDecisionOptions> = {
  layers: DEFAULT_SIMULCAST_LAYERS,
  temporalShares: [0.4, 0.6, 1],
  videoBudgetShare: 0.85,
  upscaleTolerance: 1.25,
  downgradeSamples: 2,
  upgradeHoldMs: 4000,
  bitrateDeadband: 0.1,
  collapseRatio: 0.5,
  pauseWhenNothingFits: true,
};

/** The conditions layers are chosen from: the last sample the hysteresis accepted. */
export interface HeldNetwork {
  tier: QualityTier;
  availableBitrateBps: number;
}

export interface NetworkHysteresis {
  /** Null until the first sample. */
  held: HeldNetwork | null;
  /** Consecutive samples worse than `held`. */
  worseStreak: number;
  /** An upgrade in waiting: since when every sample was better, and those of the last `upgradeHoldMs`. */
  upgrade: { sinceMs: number; recent: readonly { atMs: number; network: HeldNetwork }[] } | null;
}

export interface ConsumerTile {
  consumerId: string;
  /** Height of the tile showing this consumer, in device pixels, as the viewer's client reports it. 0 = hidden. */
  tileHeightPx: number;
  visible: boolean;
  /** Served first when higher, e.g. 2 for the main tile / active speaker, 1 otherwise. Default 0. */
  priority?: number;
  /** This producer's encodings, when they differ from `options.layers`. */
  layers?: readonly SimulcastLayer[];
}

export interface LayerChoice {
  consumerId: string;
  paused: boolean;
  /** For `setPreferredLayers`; 0 when paused. */
  spatialLayer: number;
  temporalLayer: number;
  /** The held tier; null until the viewer's first network sample. */
  tier: QualityTier | null;
  /** Why the video is paused (audio is untouched): the tile is hidden, or not even the lowest layer fits. */
  pauseReason: 'hidden' | 'bandwidth' | null;
}

export interface LayerDecision extends LayerChoice {
  /** Differs from the previous decision for this consumer (always true the first time): apply and announce it. */
  changed: boolean;
}

export interface ViewerQualityState {
  network: NetworkHysteresis;
  lastByConsumerId: Readonly<Record<string, LayerChoice>>;
}

export interface LayerDecisionInput {
  /** A new measurement, or undefined when only the tiles changed. */
  sample?: NetworkSample;
  /** All of the viewer's video consumers (audio consumers are never touched here). */
  consumers: readonly ConsumerTile[];
  /** Bitrate already spoken for on the transport, e.g. the audio consumers. Default 0. */
  reservedBitrateBps?: number;
}

export function initialViewerQualityState(): ViewerQualityState {
  return { network: { held: null, worseStreak: 0, upgrade: null }, lastByConsumerId: {} };
}

/**
 * One step of the viewer's network state machine. The first sample is taken as is (there is nothing to be stable
 * against). After that a worse sample (worse tier, or bitrate below the dead band) only counts: `downgradeSamples`
 * of them in a row, or one very bad one, replace the held conditions. A better sample starts or extends a hold;
 * once every sample has been better for `upgradeHoldMs`, the worst of the samples of the last `upgradeHoldMs` is
 * taken. A sample that is neither worse nor better clears both, so alternating samples never move the held
 * conditions.
 */
export function updateNetwork(
  hysteresis: NetworkHysteresis,
  sample: NetworkSample,
  nowMs: number,
  options: LayerDecisionOptions = DEFAULT_LAYER_DECISION_OPTIONS,
): NetworkHysteresis {
  const sampled: HeldNetwork = { tier: classifyTier(sample), availableBitrateBps: sample.availableBitrateBps };
  const held = hysteresis.held;
  if (!held) return { held: sampled, worseStreak: 0, upgrade: null };

  const tierSteps = tierRank(sampled.tier) - tierRank(held.tier);
  const worse = tierSteps > 0 || sampled.availableBitrateBps < held.availableBitrateBps * (1 - options.bitrateDeadband);
  if (worse) {
    const stepsWithoutLoss = tierRank(classifyTier({ ...sample, lossPct: 0 })) - tierRank(held.tier);
    const veryBad =
      stepsWithoutLoss >= 2 || sampled.availableBitrateBps < held.availableBitrateBps * options.collapseRatio;
    const worseStreak = hysteresis.worseStreak + 1;
    if (veryBad || worseStreak >= options.downgradeSamples) {
      // Take only what got worse: a dimension that improved in the same sample still has to earn its upgrade.
      return { held: worstOf(held, sampled), worseStreak: 0, upgrade: null };
    }
    return { held, worseStreak, upgrade: null };
  }

  if (!isBetter(sampled, held, options)) return { held, worseStreak: 0, upgrade: null };

  const sinceMs = hysteresis.upgrade?.sinceMs ?? nowMs;
  // The samples of the window, and the one just before it (the conditions at its start).
  const earlier = (hysteresis.upgrade?.recent ?? []).filter((entry) => entry.atMs >= nowMs - options.upgradeHoldMs);
  const before = hysteresis.upgrade?.recent.findLast((entry) => entry.atMs < nowMs - options.upgradeHoldMs);
  const recent = [...(before ? [before] : []), ...earlier, { atMs: nowMs, network: sampled }];
  if (nowMs - sinceMs < options.upgradeHoldMs) return { held, worseStreak: 0, upgrade: { sinceMs, recent } };
  const upgraded = bestOf(held, upgradeFloor({ sinceMs, recent }) ?? sampled);
  // The latest samples may be better still: their streak goes on from where it started.
  const firstNotBetter = recent.findLastIndex((entry) => !isBetter(entry.network, upgraded, options));
  const streak = recent.slice(firstNotBetter + 1);
  return {
    held: upgraded,
    worseStreak: 0,
    upgrade: streak[0] ? { sinceMs: streak[0].atMs, recent: streak } : null,
  };
}

/** Better than the held conditions: a better tier, or a bitrate above the dead band. */
function isBetter(sampled: HeldNetwork, held: HeldNetwork, options: LayerDecisionOptions): boolean {
  return (
    tierRank(sampled.tier) < tierRank(held.tier) ||
    sampled.availableBitrateBps > held.availableBitrateBps * (1 + options.bitrateDeadband)
  );
}

/** The worst conditions of an upgrade in waiting: what it would take. */
export function upgradeFloor(upgrade: NonNullable<NetworkHysteresis['upgrade']>): HeldNetwork | undefined {
  return upgrade.recent
    .map((entry) => entry.network)
    .reduce<HeldNetwork | undefined>((floor, network) => (floor ? worstOf(floor, network) : network), undefined);
}

/** The spatial layer a tile needs: the smallest whose height, mildly upscaled, covers the tile. */
export function tileSpatialLayer(
  tileHeightPx: number,
  layers: readonly SimulcastLayer[],
  upscaleTolerance = DEFAULT_LAYER_DECISION_OPTIONS.upscaleTolerance,
): number {
  const index = layers.findIndex((layer) => layer.heightPx * upscaleTolerance >= tileHeightPx);
  return index === -1 ? layers.length - 1 : index;
}

/**
 * Shares the viewer's video budget among its consumers. Hidden tiles are paused. Visible ones are served in
 * priority order (then larger tile first): first every one gets the lowest layer, pausing those for which even that
 * no longer fits; then each in turn is raised as far as its tile, the tier and the remaining budget allow. So the
 * main tile gets its 720p before a thumbnail gets more than 180p, but never at the price of a thumbnail going dark.
 * Without a network sample yet, every visible tile starts at the lowest spatial layer and is not budgeted.
 */
export function allocateLayers(
  network: HeldNetwork | null,
  consumers: readonly ConsumerTile[],
  options: LayerDecisionOptions = DEFAULT_LAYER_DECISION_OPTIONS,
  reservedBitrateBps = 0,
): LayerChoice[] {
  const tier = network?.tier ?? null;
  const topTemporal = options.temporalShares.length - 1;
  const tierCap = network ? tierLimits(network.tier).cap : { spatialLayer: 0, temporalLayer: topTemporal };
  let remainingBps = network
    ? Math.max(0, network.availableBitrateBps * options.videoBudgetShare - reservedBitrateBps)
    : Infinity;

  const paused = (consumerId: string, pauseReason: 'hidden' | 'bandwidth'): LayerChoice => ({
    consumerId,
    paused: true,
    spatialLayer: 0,
    temporalLayer: 0,
    tier,
    pauseReason,
  });

  const choices = new Map<string, LayerChoice>();
  const contenders: { tile: ConsumerTile; rungs: Rung[]; rung: number }[] = [];
  for (const tile of consumers) {
    if (!tile.visible || tile.tileHeightPx <= 0) {
      choices.set(tile.consumerId, paused(tile.consumerId, 'hidden'));
      continue;
    }
    const layers = tile.layers ?? options.layers;
    const tileCap = {
      spatialLayer: tileSpatialLayer(tile.tileHeightPx, layers, options.upscaleTolerance),
      temporalLayer: topTemporal,
    };
    contenders.push({ tile, rungs: ladder(layers, options.temporalShares, lowerCap(tierCap, tileCap)), rung: -1 });
  }
  // Array#sort is stable: equal tiles keep the caller's order.
  contenders.sort(
    (a, b) => (b.tile.priority ?? 0) - (a.tile.priority ?? 0) || b.tile.tileHeightPx - a.tile.tileHeightPx,
  );

  contenders.forEach((contender, index) => {
    const lowest = contender.rungs[0];
    // The most important visible tile keeps its lowest rung even when it does
    // not fit: with no video flowing, the bandwidth estimate has nothing to
    // grow from and the viewer would never get video back.
    if (lowest && (lowest.bitrateBps <= remainingBps || index === 0 || !options.pauseWhenNothingFits)) {
      contender.rung = 0;
      remainingBps = Math.max(0, remainingBps - lowest.bitrateBps);
    }
  });
  for (const contender of contenders) {
    const current = contender.rungs[contender.rung];
    if (!current) continue;
    const affordableBps = remainingBps + current.bitrateBps;
    contender.rung = contender.rungs.findLastIndex((rung) => rung.bitrateBps <= affordableBps);
    remainingBps = affordableBps - (contender.rungs[contender.rung]?.bitrateBps ?? 0);
  }

  for (const { tile, rungs, rung } of contenders) {
    const chosen = rungs[rung];
    choices.set(
      tile.consumerId,
      chosen
        ? { consumerId: tile.consumerId, paused: false, ...chosen.layers, tier, pauseReason: null }
        : paused(tile.consumerId, 'bandwidth'),
    );
  }
  return consumers.map((tile) => choices.get(tile.consumerId) ?? paused(tile.consumerId, 'hidden'));
}

/**
 * The whole per-viewer step: feed the sample (if any) through the hysteresis, allocate, and mark what changed
 * since the previous call. Consumers missing from `input.consumers` are forgotten.
 */
export function decideLayers(
  state: ViewerQualityState,
  input: LayerDecisionInput,
  nowMs: number,
  overrides: Partial<LayerDecisionOptions> = {},
): { state: ViewerQualityState; decisions: LayerDecision[] } {
  const options = { ...DEFAULT_LAYER_DECISION_OPTIONS, ...overrides };
  const network = input.sample ? updateNetwork(state.network, input.sample, nowMs, options) : state.network;
  const choices = allocateLayers(network.held, input.consumers, options, input.reservedBitrateBps);

  const lastByConsumerId: Record<string, LayerChoice> = {};
  const decisions = choices.map((choice) => {
    lastByConsumerId[choice.consumerId] = choice;
    const previous = state.lastByConsumerId[choice.consumerId];
    return { ...choice, changed: !previous || !sameChoice(previous, choice) };
  });
  return { state: { network, lastByConsumerId }, decisions };
}

interface Rung {
  layers: LayerCap;
  bitrateBps: number;
}

/**
 * Every (spatial, temporal) pair up to the cap, spatial first: with a tight budget a tile gets more resolution at
 * a lower frame rate before more frame rate at a lower resolution. Cheapest first for any sane set of encodings.
 */
function ladder(layers: readonly SimulcastLayer[], temporalShares: readonly number[], cap: LayerCap): Rung[] {
  const rungs: Rung[] = [];
  layers.forEach((layer, spatialLayer) => {
    temporalShares.forEach((share, temporalLayer) => {
      if (compareLayers({ spatialLayer, temporalLayer }, cap) > 0) return;
      rungs.push({ layers: { spatialLayer, temporalLayer }, bitrateBps: layer.bitrateBps * share });
    });
  });
  return rungs;
}

function compareLayers(a: LayerCap, b: LayerCap): number {
  return a.spatialLayer - b.spatialLayer || a.temporalLayer - b.temporalLayer;
}

function lowerCap(a: LayerCap, b: LayerCap): LayerCap {
  return compareLayers(a, b) <= 0 ? a : b;
}

/** The worse tier and the lower bitrate of the two. */
export function worstOf(a: HeldNetwork, b: HeldNetwork): HeldNetwork {
  return {
    tier: tierRank(a.tier) >= tierRank(b.tier) ? a.tier : b.tier,
    availableBitrateBps: Math.min(a.availableBitrateBps, b.availableBitrateBps),
  };
}

/** The better tier and the higher bitrate of the two. */
export function bestOf(a: HeldNetwork, b: HeldNetwork): HeldNetwork {
  return {
    tier: tierRank(a.tier) <= tierRank(b.tier) ? a.tier : b.tier,
    availableBitrateBps: Math.max(a.availableBitrateBps, b.availableBitrateBps),
  };
}

function sameChoice(a: LayerChoice, b: LayerChoice): boolean {
  return (
    a.paused === b.paused &&
    a.spatialLayer === b.spatialLayer &&
    a.temporalLayer === b.temporalLayer &&
    a.tier === b.tier &&
    a.pauseReason === b.pauseReason
  );
}
