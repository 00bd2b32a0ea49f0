// V synthetic HLS viewers (hlsViewer.ts) in worker threads (as many as the
// crowd needs): started here, they join over `rampMs`, play for `durationMs`,
// and report every request's time. Bounded in viewers and seconds; every
// worker is terminated at the end whatever happens.
import { startTypeScriptWorker } from '../server/typeScriptWorker.ts';
import { mergeCounters, type ViewerCounters } from './hlsViewer.ts';

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

/** The workers may take this long beyond their plan to report before they are terminated. */
const REPORT_GRACE_MS = 20_000;

/**
 * Viewers per worker thread: a low-latency viewer makes about five requests a
 * second (a part, a blocking reload), and one thread's event loop stops
 * keeping time for its viewers at about 200 of them (2026-12-03: of 1000 in
 * one thread only 208 got past their first playlist).
 */
const VIEWERS_PER_THREAD = 250;

/** Starts the crowd in as many worker threads as it needs; one result for all. */
export function startViewerCrowd(plan: CrowdPlan): ViewerCrowd {
  const threads = Math.max(1, Math.ceil(plan.viewers / VIEWERS_PER_THREAD));
  const shares = Array.from(
    { length: threads },
    (_, index) => Math.floor(plan.viewers / threads) + (index < plan.viewers % threads ? 1 : 0),
  );
  const parts = shares.map((viewers) => startCrowdThread({ ...plan, viewers }));
  const result = Promise.all(parts.map((part) => part.result)).then((results) => ({
    counters: mergeCounters(results.map((one) => one.counters)),
    viewersWithSegments: results.reduce((sum, one) => sum + one.viewersWithSegments, 0),
    seconds: Math.max(...results.map((one) => one.seconds)),
  }));
  result.catch(() => undefined);
  return {
    get progress() {
      return {
        segmentsFetched: parts.reduce((sum, part) => sum + part.progress.segmentsFetched, 0),
        errors: parts.reduce((sum, part) => sum + part.progress.errors, 0),
      };
    },
    result,
    stop: () => parts.forEach((part) => part.stop()),
  };
}

function startCrowdThread(plan: CrowdPlan): ViewerCrowd {
  const worker = startTypeScriptWorker(new URL('./viewerCrowdWorker.ts', import.meta.url), plan);
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
