// V synthetic HLS viewers (hlsViewer.ts) in a worker thread: started here,
// they join over `rampMs`, play for `durationMs`, and report every request's
// time. Bounded in viewers and seconds; the worker is terminated at the end
// whatever happens.
import { Worker } from 'node:worker_threads';
import type { ViewerCounters } from './hlsViewer.ts';

export interface CrowdPlan {
  liveUrl: string;
  viewers: number;
  /** Viewers arrive evenly over this long. */
  rampMs: number;
  /** Everyone plays this long after the ramp. */
  durationMs: number;
  rendition: string | undefined;
  /** Viewers play the low-latency playlist (parts, blocking reload). */
  lowLatency: boolean;
}

export type CrowdMessage =
  /** `segmentsFetched` counts parts too (low-latency viewers fetch parts). */
  | { type: 'progress'; segmentsFetched: number; errors: number }
  | { type: 'done'; counters: ViewerCounters; viewersWithSegments: number; seconds: number };

export interface CrowdResult {
  counters: ViewerCounters;
  viewersWithSegments: number;
  seconds: number;
}

export interface ViewerCrowd {
  /** Latest progress figures from the worker. */
  readonly progress: { segmentsFetched: number; errors: number };
  readonly result: Promise<CrowdResult>;
  /** Ends every viewer now (their figures so far are still reported). */
  stop(): void;
}

/** The worker may take this long beyond its plan to report before it is terminated. */
const REPORT_GRACE_MS = 20_000;

export function startViewerCrowd(plan: CrowdPlan): ViewerCrowd {
  // The worker runs TypeScript through tsx, as the bench itself does.
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./viewerCrowdWorker.ts', import.meta.url).href;
  const worker = new Worker(
    `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`,
    { eval: true, workerData: plan },
  );
  const progress = { segmentsFetched: 0, errors: 0 };
  const result = new Promise<CrowdResult>((resolve, reject) => {
    const deadline = setTimeout(
      () => reject(new Error('the viewer crowd did not report in time')),
      plan.rampMs + plan.durationMs + REPORT_GRACE_MS,
    );
    worker.on('message', (message: CrowdMessage) => {
      if (message.type === 'progress') Object.assign(progress, message);
      else {
        clearTimeout(deadline);
        resolve({
          counters: message.counters,
          viewersWithSegments: message.viewersWithSegments,
          seconds: message.seconds,
        });
      }
    });
    worker.once('error', (error) => {
      clearTimeout(deadline);
      reject(error);
    });
    worker.once('exit', (code) => {
      clearTimeout(deadline);
      reject(new Error(`the viewer crowd exited (code ${code}) without a report`));
    });
  });
  const finished = result.finally(() => void worker.terminate());
  finished.catch(() => undefined);
  return {
    progress,
    result: finished,
    stop: () => worker.postMessage({ type: 'stop' }),
  };
}
