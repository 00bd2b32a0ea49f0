// `npm run bench -- fanout`: the fan-out ramp on Stagecast, then the same
// ramp on the bare-mediasoup baseline (unless --no-baseline), one after the
// other on the same machine, with the same clip and peers.
import { socketBufferFigures } from '../baseline/socketBuffers.ts';
import type { FanoutOptions } from '../cli.ts';
import { startJanusTarget } from '../janus/janusTarget.ts';
import { startBaselineTarget, startStagecastTarget, type BenchTarget } from '../server/targets.ts';
import { round } from '../stats.ts';
import type { RunContext } from './context.ts';
import { runFanoutRamp, type FanoutFigures, type FanoutRamp } from './fanout.ts';
import { fanoutSummary, fanoutVersus } from './versus.ts';

export async function runFanoutScenario(options: FanoutOptions, context: RunContext) {
  const ramp = rampOf(options, options.tileHeight);
  const params = {
    ...ramp,
    workers: options.workers,
    baseline: options.baseline,
    vs: options.vs ?? null,
    target: options.url ?? 'started',
    bandwidthEstimation: options.bandwidthEstimation,
    live: options.live,
  };
  const stagecast = await withTarget(
    () => startStagecastTarget({ url: options.url, workers: options.workers, pin: options.pin, live: options.live }),
    (target) => runFanoutRamp(target, context, ramp, 'fanout stagecast'),
  );
  const baseline = options.baseline
    ? await withTarget(
        () => startBaselineTarget({ workers: options.workers, pin: options.pin }),
        (target) => runFanoutRamp(target, context, ramp, 'fanout baseline'),
      )
    : undefined;
  const janus = options.vs
    ? await withTarget(
        () =>
          startJanusTarget({
            pin: options.pin,
            tileHeight: ramp.tileHeight,
            layerHeights: context.clip.layers.map((layer) => layer.spec.height),
          }),
        (target) => runFanoutRamp(target, context, ramp, 'fanout janus'),
      )
    : undefined;
  return {
    params,
    figures: {
      ...fanoutFigures(stagecast, baseline),
      socketBuffers: socketBufferFigures(options.url === undefined),
      ...(janus ? { versus: fanoutSideBySide(stagecast, baseline, janus) } : {}),
    },
  };
}

/** `--vs janus`: each target's capacity, CPU, loss and jitter, Janus's ramp in full, and Stagecast ÷ Janus. */
export function fanoutSideBySide(stagecast: FanoutFigures, baseline: FanoutFigures | undefined, janus: FanoutFigures) {
  const stagecastSummary = fanoutSummary(stagecast);
  const janusSummary = fanoutSummary(janus);
  return {
    stagecast: stagecastSummary,
    baseline: baseline ? fanoutSummary(baseline) : null,
    janus: { ...janusSummary, steps: janus.steps, joinErrors: janus.joinErrors, workerDeaths: janus.workerDeaths },
    stagecastOverJanus: fanoutVersus(stagecastSummary, janusSummary),
  };
}

export function rampOf(options: Omit<FanoutRamp, 'tileHeight'>, tileHeight: number): FanoutRamp {
  return {
    maxSubscribers: options.maxSubscribers,
    step: options.step,
    stepSeconds: options.stepSeconds,
    subscribersPerRoom: options.subscribersPerRoom,
    lossLimitPct: options.lossLimitPct,
    cpuLimitPct: options.cpuLimitPct,
    tileHeight,
    maxSeconds: options.maxSeconds,
  };
}

/** The fanout fields, plus both ramps in full. */
export function fanoutFigures(stagecast: FanoutFigures, baseline: FanoutFigures | undefined) {
  const ratio = (a: number | null | undefined, b: number | null | undefined) =>
    a !== null && a !== undefined && b ? round(a / b, 3) : null;
  const limits = new Set(['loss', 'worker-cpu']);
  return {
    consumersPerWorkerAtLoss1pct: stagecast.consumersPerWorkerAtLoss1pct,
    baseline: baseline
      ? {
          consumersPerWorkerAtLoss1pct: baseline.consumersPerWorkerAtLoss1pct,
          signalingCpuShare: baseline.signalingCpuShare,
          workerCpuPerConsumerPct: baseline.workerCpuPerConsumerPct,
          limitedBy: baseline.limitedBy,
          steps: baseline.steps,
          joinErrors: baseline.joinErrors,
        }
      : null,
    capacityRatio: ratio(stagecast.consumersPerWorkerAtLoss1pct, baseline?.consumersPerWorkerAtLoss1pct),
    /** Only a measured capacity when both ramps stopped at the server (loss or worker CPU), not at a bound. */
    capacityRatioBoundByServer: baseline ? limits.has(stagecast.limitedBy) && limits.has(baseline.limitedBy) : false,
    /** Stagecast worker CPU per consumer ÷ the baseline's (1 = no overhead). */
    workerCpuPerConsumerRatio: ratio(stagecast.workerCpuPerConsumerPct, baseline?.workerCpuPerConsumerPct),
    signalingCpuShare: stagecast.signalingCpuShare,
    workerCpuPerConsumerPct: stagecast.workerCpuPerConsumerPct,
    pinned: stagecast.pinned && (baseline?.pinned ?? true),
    limitedBy: stagecast.limitedBy,
    workerDeaths: stagecast.workerDeaths + (baseline?.workerDeaths ?? 0),
    steps: stagecast.steps,
    joinErrors: stagecast.joinErrors,
  };
}

export async function withTarget<T>(start: () => Promise<BenchTarget>, run: (target: BenchTarget) => Promise<T>) {
  const target = await start();
  try {
    return await run(target);
  } finally {
    await target.close();
  }
}
