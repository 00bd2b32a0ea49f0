// `npm run bench -- baseline`: the same peers against Stagecast and against
// bare mediasoup (bench/baseline/server.ts) in one run. The rooms workload
// gives CPU per consumer on both; the fan-out ramp (unless --no-fanout)
// gives capacityRatio. Ratios are Stagecast ÷ baseline.
import { socketBufferFigures } from '../baseline/socketBuffers.ts';
import type { BaselineOptions } from '../cli.ts';
import { startBaselineTarget, startStagecastTarget } from '../server/targets.ts';
import { round } from '../stats.ts';
import type { RunContext } from './context.ts';
import { runFanoutRamp } from './fanout.ts';
import { fanoutFigures, rampOf, withTarget } from './fanoutScenario.ts';
import { runRoomsWorkload, type RoomsFigures } from './rooms.ts';

export async function runBaselineScenario(options: BaselineOptions, context: RunContext) {
  const workload = {
    rooms: options.rooms,
    hosts: options.hosts,
    durationS: options.durationS,
    tileHeight: options.tileHeight,
    roomIntervalMs: options.roomIntervalMs,
  };
  const ramp = rampOf(options, options.fanoutTileHeight);
  const params = {
    rooms: workload,
    fanout: options.fanout ? ramp : null,
    workers: options.workers,
    bandwidthEstimation: options.bandwidthEstimation,
    live: options.live,
  };
  const startStagecast = () =>
    startStagecastTarget({ url: options.url, workers: options.workers, pin: options.pin, live: options.live });
  const startBaseline = () => startBaselineTarget({ workers: options.workers, pin: options.pin });

  const roomsOn = (start: typeof startStagecast, label: string) =>
    withTarget(start, (target) => runRoomsWorkload(target, context, workload, label));
  const stagecastRooms = await roomsOn(startStagecast, 'rooms stagecast');
  const baselineRooms = await roomsOn(startBaseline, 'rooms baseline');
  const fanout = options.fanout
    ? fanoutFigures(
        await withTarget(startStagecast, (target) => runFanoutRamp(target, context, ramp, 'fanout stagecast')),
        await withTarget(startBaseline, (target) => runFanoutRamp(target, context, ramp, 'fanout baseline')),
      )
    : null;

  const ratio = (a: number | null, b: number | null) => (a !== null && b ? round(a / b, 3) : null);
  const serverCpuPerConsumer = (figures: RoomsFigures) =>
    figures.receivingConsumers > 0
      ? round((figures.workerCpuPct + (figures.nodeCpuPct ?? 0)) / figures.receivingConsumers, 4)
      : null;
  const summary = (figures: RoomsFigures) => ({
    expectedConsumers: figures.expectedConsumers,
    receivingConsumers: figures.receivingConsumers,
    lossPct: figures.lossPct,
    joinToAllMediaMs: figures.joinToAllMediaMs,
    workerCpuPct: figures.workerCpuPct,
    nodeCpuPct: figures.nodeCpuPct,
    workerCpuPerConsumerPct: figures.workerCpuPerConsumerPct,
    serverCpuPerConsumerPct: serverCpuPerConsumer(figures),
    jitterMs: figures.media.jitterMs,
    videoBitrateKbps: figures.media.videoBitrateKbps,
    generatorCpuPct: figures.generator.cpuPct,
  });
  return {
    params,
    figures: {
      capacityRatio: fanout?.capacityRatio ?? null,
      cpuPerConsumerRatio: ratio(stagecastRooms.workerCpuPerConsumerPct, baselineRooms.workerCpuPerConsumerPct),
      serverCpuPerConsumerRatio: ratio(serverCpuPerConsumer(stagecastRooms), serverCpuPerConsumer(baselineRooms)),
      rooms: { stagecast: summary(stagecastRooms), baseline: summary(baselineRooms) },
      fanout,
      pinned: fanout?.pinned ?? false,
      socketBuffers: socketBufferFigures(options.url === undefined),
    },
  };
}
