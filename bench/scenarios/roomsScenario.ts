// `npm run bench -- rooms`: the rooms workload against Stagecast.
import type { RoomsOptions } from '../cli.ts';
import { startStagecastTarget } from '../server/targets.ts';
import type { RunContext } from './context.ts';
import { runRoomsWorkload } from './rooms.ts';

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
  };
  const target = await startStagecastTarget({
    url: options.url,
    workers: options.workers,
    pin: options.pin,
    live: options.live,
  });
  try {
    const figures = await runRoomsWorkload(target, context, {
      ...options,
      browsers: { count: options.browsers, capture: options.browserCapture },
    });
    return { params, figures: { ...figures, pinned: target.pinned } };
  } finally {
    await target.close();
  }
}
