// The viewer crowd's worker thread (started by viewerCrowd.ts): runs V
// HlsViewers on its own event loop, so the publishers' media clock in the
// main thread and the viewers' request timing do not delay each other.
import { parentPort, workerData } from 'node:worker_threads';
import { emptyCounters, HlsViewer, mergeCounters } from './hlsViewer.ts';
import type { CrowdPlan, CrowdMessage } from './viewerCrowd.ts';

const PROGRESS_INTERVAL_MS = 1000;

async function runCrowd(plan: CrowdPlan): Promise<void> {
  const port = parentPort!;
  const startedAt = performance.now();
  const stopAtMs = startedAt + plan.rampMs + plan.durationMs;
  const crowd = Array.from({ length: plan.viewers }, () => {
    const counters = emptyCounters();
    const viewer = new HlsViewer({
      liveUrl: plan.liveUrl,
      rendition: plan.rendition,
      lowLatency: plan.lowLatency,
      counters,
    });
    return { viewer, counters };
  });
  port.on('message', (message: { type: 'stop' }) => {
    if (message.type === 'stop') for (const { viewer } of crowd) viewer.stop();
  });
  const progress = setInterval(() => {
    const message: CrowdMessage = {
      type: 'progress',
      segmentsFetched: crowd.reduce((sum, { counters }) => sum + counters.segmentsFetched + counters.partsFetched, 0),
      errors: crowd.reduce((sum, { counters }) => sum + counters.errors, 0),
    };
    port.postMessage(message);
  }, PROGRESS_INTERVAL_MS);
  // Arrivals spread over the ramp, so the polls are spread over the target duration as a real audience's are.
  await Promise.all(
    crowd.map(async ({ viewer }, index) => {
      await new Promise((resolve) => setTimeout(resolve, (index * plan.rampMs) / plan.viewers));
      await viewer.run(stopAtMs);
    }),
  );
  clearInterval(progress);
  const all = crowd.map(({ counters }) => counters);
  const merged = mergeCounters(all);
  const done: CrowdMessage = {
    type: 'done',
    counters: merged,
    viewersWithSegments: all.filter((counters) => counters.segmentsFetched > 0 || counters.partsFetched > 0).length,
    seconds: (performance.now() - startedAt) / 1000,
  };
  port.postMessage(done);
}

void runCrowd(workerData as CrowdPlan);
