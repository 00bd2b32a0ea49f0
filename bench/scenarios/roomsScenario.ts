// `npm run bench -- rooms`: the rooms workload against Stagecast; with
// `--vs janus`, then the same rooms on bare mediasoup and on Janus.
import type { RoomsOptions } from '../cli.ts';
import { startJanusTarget } from '../janus/janusTarget.ts';
import { startBaselineTarget, startStagecastTarget } from '../server/targets.ts';
import type { RunContext } from './context.ts';
import { withTarget } from './fanoutScenario.ts';
import { runRoomsWorkload, type RoomsFigures } from './rooms.ts';
import { roomsSummary, roomsVersus } from './versus.ts';

export async function runRoomsScenario(options: RoomsOptions, context: RunContext) {
  const params = {
    rooms: options.rooms,
    hosts: options.hosts,
    duration: options.durationS,
    tileHeight: options.tileHeight,
    roomIntervalMs: options.roomIntervalMs,
    browsers: options.browsers,
    browserCapture: options.browsers > 0 ? options.browserCapture : null,
    workers: options.workers,
    target: options.url ?? 'started',
    bandwidthEstimation: options.bandwidthEstimation,
    live: options.live,
    vs: options.vs ?? null,
  };
  const workload = { ...options, browsers: { count: options.browsers, capture: options.browserCapture } };
  let pinned = false;
  const figures = await withTarget(
    () => startStagecastTarget({ url: options.url, workers: options.workers, pin: options.pin, live: options.live }),
    (target) => {
      pinned = target.pinned;
      return runRoomsWorkload(target, context, workload, options.vs ? 'rooms stagecast' : 'rooms');
    },
  );
  if (!options.vs) return { params, figures: { ...figures, pinned } };

  const baseline = await withTarget(
    () => startBaselineTarget({ workers: options.workers, pin: options.pin }),
    (target) => runRoomsWorkload(target, context, workload, 'rooms baseline'),
  );
  const janus = await withTarget(
    () =>
      startJanusTarget({
        pin: options.pin,
        tileHeight: options.tileHeight,
        layerHeights: context.clip.layers.map((layer) => layer.spec.height),
      }),
    (target) => runRoomsWorkload(target, context, workload, 'rooms janus'),
  );
  return { params, figures: { ...figures, pinned, versus: roomsSideBySide(figures, baseline, janus) } };
}

function roomsSideBySide(stagecast: RoomsFigures, baseline: RoomsFigures, janus: RoomsFigures) {
  const stagecastSummary = roomsSummary(stagecast);
  const janusSummary = roomsSummary(janus);
  return {
    stagecast: stagecastSummary,
    baseline: roomsSummary(baseline),
    janus: {
      ...janusSummary,
      joinErrors: janus.joinErrors,
      consumeErrors: janus.consumeErrors,
      srtpProfile: janus.srtpProfile,
      workerDeaths: janus.workerDeaths,
    },
    stagecastOverJanus: roomsVersus(stagecastSummary, janusSummary),
  };
}
