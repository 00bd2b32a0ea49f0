// How a viewer's downlink is sampled for adaptive quality: what one sample is
// made of, and how soon the next one is due. Every sample costs the
// signalling process and the media worker a round trip per statistic read,
// for every viewer, so a viewer whose conditions cannot change anything is
// sampled less often; the caller brings a sample forward when mediasoup
// reports a change (a consumer's layers or a falling score).
import {
  bestOf,
  decideLayers,
  worstOf,
  type HeldNetwork,
  type LayerDecisionInput,
  type LayerDecisionOptions,
  type NetworkHysteresis,
  type ViewerQualityState,
  upgradeFloor,
} from './layerDecision.ts';
import { classifyTier, lossPctFromFractionLost, type NetworkSample } from './qualityTiers.ts';

/** While a viewer is joining or its conditions are moving. */
export const ACTIVE_SAMPLE_INTERVAL_MS = 1000;
/** Once nothing a sample could show would change the viewer's layers or tier (events still bring samples forward). */
export const SETTLED_SAMPLE_INTERVAL_MS = 6000;
/**
 * Samples fall on this grid (of the process's clock), so the viewers'
 * samples are taken together: their requests to the worker go out, and the
 * answers come back, in a few batches instead of one wake-up each.
 */
export const SAMPLE_GRID_MS = 250;
/** A path's RTT moves slowly: a consumer is read for it this often; the transport (bandwidth, loss) every sample. */
export const RTT_READ_INTERVAL_MS = 6000;

/** The delay to the first grid point at least `delayMs` from `nowMs`. */
export function alignedDelayMs(nowMs: number, delayMs: number): number {
  return Math.ceil((nowMs + delayMs) / SAMPLE_GRID_MS) * SAMPLE_GRID_MS - nowMs;
}

/** The recv transport's `getStats()` fields a sample uses. */
export interface TransportReading {
  /** transport-cc / REMB estimate; 0 or absent: no estimate yet. */
  availableOutgoingBitrate?: number | undefined;
  /** Share (0–1) of the packets sent on the transport that transport-cc feedback reported lost, recent-weighted. */
  rtpPacketLossSent?: number | undefined;
}

/** A consumer's `outbound-rtp` field a sample uses (from the viewer's receiver reports). */
export interface ConsumerReading {
  /** Raw RTCP field: lost since the previous report, in 1/256ths. */
  fractionLost: number;
}

/**
 * One sample from a transport reading, the path's RTT (any flowing
 * consumer's receiver reports give it, so one is read now and then) and the
 * consumers read this time. Loss is the worse of the transport's (every
 * packet, from transport-cc feedback) and those consumers' receiver reports
 * (which also cover REMB-only viewers). Undefined without a bandwidth
 * estimate: 0 means "no congestion feedback yet", not "no bandwidth", and
 * deciding on it would pause everything before media starts.
 */
export function networkSampleFrom(
  transport: TransportReading | undefined,
  rttMs: number,
  consumers: readonly ConsumerReading[] = [],
): NetworkSample | undefined {
  const bitrate = transport?.availableOutgoingBitrate;
  if (!bitrate) return undefined;
  let lossPct = (transport.rtpPacketLossSent ?? 0) * 100;
  for (const consumer of consumers) lossPct = Math.max(lossPct, lossPctFromFractionLost(consumer.fractionLost));
  return { availableBitrateBps: bitrate, rttMs, lossPct };
}

export interface SamplingState {
  /** The viewer's state after the latest decision. */
  state: ViewerQualityState;
  /** The sample that decision was taken on (undefined: none); a downgrade being counted would move towards it. */
  sample: NetworkSample | undefined;
  /** What the decision was taken for: the viewer's video tiles and the bitrate set aside. */
  input: Pick<LayerDecisionInput, 'consumers' | 'reservedBitrateBps'>;
  /** The latest decision changed something (layers are moving: keep watching closely). */
  decisionsChanged: boolean;
  /** Flowing video consumers not yet seen sending: their first key frame is awaited (and re-requested). */
  awaitingMedia: number;
}

/** When the next sample is due: soon while anything is in motion, later once the viewer has settled. */
export function nextSampleDelayMs(
  state: SamplingState,
  overrides: Partial<LayerDecisionOptions> = {},
): typeof ACTIVE_SAMPLE_INTERVAL_MS | typeof SETTLED_SAMPLE_INTERVAL_MS {
  return isSettled(state, overrides) ? SETTLED_SAMPLE_INTERVAL_MS : ACTIVE_SAMPLE_INTERVAL_MS;
}

/**
 * Settled: media flows, no video is paused for bandwidth, the last decision
 * changed nothing, and the change the hysteresis is counting towards (an
 * upgrade on hold, a downgrade after one worse sample), if any, would change
 * nothing either — no layer, no pause, no tier. A wandering estimate within one tier, on tiles that
 * already get what they need, is then sampled at the slow pace. A viewer
 * without an estimate yet settles too: its first estimate is noticed at
 * the slower pace, and its media is watched by `awaitingMedia`.
 */
export function isSettled(sampling: SamplingState, overrides: Partial<LayerDecisionOptions> = {}): boolean {
  if (sampling.awaitingMedia > 0 || sampling.decisionsChanged) return false;
  // A video off for want of bandwidth is watched closely for the estimate to come back.
  const choices = Object.values(sampling.state.lastByConsumerId);
  if (choices.some((choice) => choice.pauseReason === 'bandwidth')) return false;
  const pending = pendingNetwork(sampling.state.network, sampling.sample);
  if (!pending) return true;
  const { decisions } = decideLayers(
    { network: { held: pending, worseStreak: 0, upgrade: null }, lastByConsumerId: sampling.state.lastByConsumerId },
    sampling.input,
    0,
    overrides,
  );
  return decisions.every((decision) => !decision.changed);
}

/** Where the held conditions may move next, or null when nothing is under way. */
function pendingNetwork(network: NetworkHysteresis, sample: NetworkSample | undefined): HeldNetwork | null {
  if (!network.held) return null;
  const floor = network.upgrade && upgradeFloor(network.upgrade);
  if (floor) return bestOf(network.held, floor);
  if (network.worseStreak > 0 && sample) {
    return worstOf(network.held, { tier: classifyTier(sample), availableBitrateBps: sample.availableBitrateBps });
  }
  return null;
}
