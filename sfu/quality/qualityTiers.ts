// The product spec's network tiers, in one table. A viewer's downlink is sorted into a tier from one sample of
// its receive transport; the tier caps the simulcast layers every consumer on that transport may get.

export type QualityTier = 'excellent' | 'good' | 'fair' | 'poor';

/** One measurement of a viewer's downlink (server → viewer). */
export interface NetworkSample {
  /** The recv WebRtcTransport's `getStats()` `availableOutgoingBitrate` (transport-cc / REMB estimate), bit/s. */
  availableBitrateBps: number;
  /** Round-trip time from the viewer's RTCP receiver reports (consumer `getStats()` `roundTripTime`), ms. */
  rttMs: number;
  /** Packet loss towards the viewer in percent (0–100); see `lossPctFromFractionLost`. */
  lossPct: number;
}

/** The highest simulcast layers allowed: compared spatial first, then temporal. */
export interface LayerCap {
  spatialLayer: number;
  temporalLayer: number;
}

export interface TierLimits {
  tier: QualityTier;
  /** A sample reaches the tier only when its bitrate is strictly above this... */
  minBitrateBps: number;
  /** ...its RTT strictly below this... */
  maxRttMs: number;
  /** ...and its loss strictly below this. A value on a boundary falls into the worse tier. */
  maxLossPct: number;
  /** Layers the tier allows; a small tile or a shared budget may still get less. */
  cap: LayerCap;
}

/**
 * Best first. Spatial layers are 0/1/2 ≈ 180p/360p/720p; temporal 0/1/2 ≈ 1/4, 1/2 and full frame rate.
 * - excellent (>2 Mbps, <50 ms, <1 %): everything, 720p at full frame rate.
 * - good (>1 Mbps, <100 ms, <3 %): the spec's "720p/mid": a tile that needs 720p gets it at half frame rate
 *   (about 60 % of its bitrate); smaller tiles are unaffected. Capping such tiles at 360p instead would make a
 *   good network look no better than a fair one for the main tile.
 * - fair (>0.5 Mbps, <200 ms, <5 %): at most 360p.
 * - poor (anything else): 180p only; the budget may lower the frame rate or pause the video.
 */
export const QUALITY_TIERS: readonly TierLimits[] = [
  {
    tier: 'excellent',
    minBitrateBps: 2_000_000,
    maxRttMs: 50,
    maxLossPct: 1,
    cap: { spatialLayer: 2, temporalLayer: 2 },
  },
  { tier: 'good', minBitrateBps: 1_000_000, maxRttMs: 100, maxLossPct: 3, cap: { spatialLayer: 2, temporalLayer: 1 } },
  { tier: 'fair', minBitrateBps: 500_000, maxRttMs: 200, maxLossPct: 5, cap: { spatialLayer: 1, temporalLayer: 2 } },
  {
    tier: 'poor',
    minBitrateBps: -Infinity,
    maxRttMs: Infinity,
    maxLossPct: Infinity,
    cap: { spatialLayer: 0, temporalLayer: 2 },
  },
];

/** 0 for the best tier; a larger rank is a worse tier. */
export function tierRank(tier: QualityTier): number {
  return QUALITY_TIERS.findIndex((limits) => limits.tier === tier);
}

export function tierLimits(tier: QualityTier): TierLimits {
  const limits = QUALITY_TIERS.find((row) => row.tier === tier);
  if (!limits) throw new Error(`unknown quality tier ${tier}`);
  return limits;
}

/**
 * The worst of the sample's three dimensions. The thresholds shrink monotonically down the table, so the first
 * row the sample passes in every dimension is exactly that worst one. A non-numeric value (NaN) counts as poor.
 */
export function classifyTier(sample: NetworkSample): QualityTier {
  const row = QUALITY_TIERS.find(
    (limits) =>
      sample.availableBitrateBps > limits.minBitrateBps &&
      sample.rttMs < limits.maxRttMs &&
      sample.lossPct < limits.maxLossPct,
  );
  return row?.tier ?? 'poor';
}

/**
 * mediasoup reports a consumer's `fractionLost` as the raw RTCP receiver-report field: lost packets since the
 * previous report, in 1/256ths.
 */
export function lossPctFromFractionLost(fractionLost: number): number {
  return (fractionLost * 100) / 256;
}
