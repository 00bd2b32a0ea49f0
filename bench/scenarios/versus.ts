// The three targets side by side (`--vs janus`): the same figures for
// Stagecast, bare mediasoup and Janus, and Stagecast ÷ Janus. "Media CPU"
// is the process that forwards media: the mediasoup worker, or all of Janus
// (its signalling runs in the same process); "server CPU" adds Stagecast's
// or the baseline's Node process, so that figure compares whole servers.
import { round, type Percentiles } from '../stats.ts';
import { bestStep, type FanoutFigures } from './fanout.ts';
import type { RoomsFigures } from './rooms.ts';

export interface FanoutTargetSummary {
  /** One media process on one core: consumers it carried at < 1 % loss. */
  consumersPerCoreAtLoss1pct: number;
  mediaCpuPerConsumerPct: number | null;
  /**
   * The ramp's least-squares slope of media CPU against consumers (steps under 1 % loss): what one
   * more consumer costs, less the fixed cost of the publishers and rooms, and steadier than one step.
   */
  mediaCpuPerAddedConsumerPct: number | null;
  serverCpuPerConsumerPct: number | null;
  /**
   * Media CPU per Mb/s the subscribers received: consumers can carry different
   * layers (Stagecast's quality controller picks per consumer, Janus forwards
   * the substream asked for), so this compares the forwarding work itself.
   */
  mediaCpuPerForwardedMbpsPct: number | null;
  /** At that step. */
  lossPct: number | null;
  jitterMs: Percentiles | null;
  limitedBy: string;
  pinned: boolean;
}

export interface RoomsTargetSummary {
  expectedConsumers: number;
  receivingConsumers: number;
  lossPct: number;
  jitterMs: Percentiles;
  /** A host's socket connect → first packet of its last expected track. */
  joinToAllMediaMs: Percentiles;
  /** Asking for a stream → its first packet. */
  timeToFirstPacketMs: Percentiles;
  mediaCpuPct: number;
  mediaCpuPerConsumerPct: number | null;
  serverCpuPerConsumerPct: number | null;
  videoBitrateKbps: Percentiles;
  receivedMbps: number;
  mediaCpuPerForwardedMbpsPct: number | null;
}

function perMbps(cpuPct: number | undefined, mbps: number | undefined): number | null {
  return cpuPct !== undefined && mbps ? round(cpuPct / mbps, 3) : null;
}

export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  return a !== null && a !== undefined && b ? round(a / b, 3) : null;
}

export function fanoutSummary(figures: FanoutFigures): FanoutTargetSummary {
  const best = bestStep(figures.steps);
  const serverCpu = best ? best.workerCpuPct + (best.nodeCpuPct ?? 0) : undefined;
  return {
    consumersPerCoreAtLoss1pct: figures.consumersPerWorkerAtLoss1pct,
    mediaCpuPerConsumerPct: figures.workerCpuPerConsumerPct,
    mediaCpuPerAddedConsumerPct: slope(
      figures.steps
        .filter((step) => step.lossPct < 1 && step.receivingConsumers > 0)
        .map((step) => [step.receivingConsumers, step.workerCpuPct] as const),
    ),
    serverCpuPerConsumerPct: best && serverCpu !== undefined ? round(serverCpu / best.receivingConsumers, 4) : null,
    mediaCpuPerForwardedMbpsPct: perMbps(best?.workerCpuPct, best?.receivedMbps),
    lossPct: best?.lossPct ?? null,
    jitterMs: best?.jitterMs ?? null,
    limitedBy: figures.limitedBy,
    pinned: figures.pinned,
  };
}

/** Stagecast ÷ Janus: capacity above 1 is Stagecast carrying more; CPU below 1 is Stagecast spending less. */
export function fanoutVersus(stagecast: FanoutTargetSummary, janus: FanoutTargetSummary) {
  return {
    capacity: ratio(stagecast.consumersPerCoreAtLoss1pct, janus.consumersPerCoreAtLoss1pct),
    mediaCpuPerConsumer: ratio(stagecast.mediaCpuPerConsumerPct, janus.mediaCpuPerConsumerPct),
    mediaCpuPerAddedConsumer: ratio(stagecast.mediaCpuPerAddedConsumerPct, janus.mediaCpuPerAddedConsumerPct),
    serverCpuPerConsumer: ratio(stagecast.serverCpuPerConsumerPct, janus.serverCpuPerConsumerPct),
    mediaCpuPerForwardedMbps: ratio(stagecast.mediaCpuPerForwardedMbpsPct, janus.mediaCpuPerForwardedMbpsPct),
  };
}

/** Least-squares slope of y on x; null with fewer than two distinct x. */
export function slope(points: readonly (readonly [number, number])[]): number | null {
  if (points.length < 2) return null;
  const meanX = points.reduce((sum, [x]) => sum + x, 0) / points.length;
  const meanY = points.reduce((sum, [, y]) => sum + y, 0) / points.length;
  let covariance = 0;
  let variance = 0;
  for (const [x, y] of points) {
    covariance += (x - meanX) * (y - meanY);
    variance += (x - meanX) ** 2;
  }
  return variance === 0 ? null : round(covariance / variance, 4);
}

export function roomsSummary(figures: RoomsFigures): RoomsTargetSummary {
  const consumers = figures.receivingConsumers;
  return {
    expectedConsumers: figures.expectedConsumers,
    receivingConsumers: consumers,
    lossPct: figures.lossPct,
    jitterMs: figures.media.jitterMs,
    joinToAllMediaMs: figures.joinToAllMediaMs,
    timeToFirstPacketMs: figures.timeToFirstPacketMs,
    mediaCpuPct: figures.workerCpuPct,
    mediaCpuPerConsumerPct: figures.workerCpuPerConsumerPct,
    serverCpuPerConsumerPct:
      consumers > 0 ? round((figures.workerCpuPct + (figures.nodeCpuPct ?? 0)) / consumers, 4) : null,
    videoBitrateKbps: figures.media.videoBitrateKbps,
    receivedMbps: figures.media.receivedMbps,
    mediaCpuPerForwardedMbpsPct: perMbps(figures.workerCpuPct, figures.media.receivedMbps),
  };
}

export function roomsVersus(stagecast: RoomsTargetSummary, janus: RoomsTargetSummary) {
  return {
    mediaCpuPerConsumer: ratio(stagecast.mediaCpuPerConsumerPct, janus.mediaCpuPerConsumerPct),
    serverCpuPerConsumer: ratio(stagecast.serverCpuPerConsumerPct, janus.serverCpuPerConsumerPct),
    joinToAllMediaP50: ratio(stagecast.joinToAllMediaMs.p50, janus.joinToAllMediaMs.p50),
    joinToAllMediaP95: ratio(stagecast.joinToAllMediaMs.p95, janus.joinToAllMediaMs.p95),
    mediaCpuPerForwardedMbps: ratio(stagecast.mediaCpuPerForwardedMbpsPct, janus.mediaCpuPerForwardedMbpsPct),
  };
}
