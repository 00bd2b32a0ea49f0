// A worker thread running one of the bench's TypeScript modules through
// tsx, as the bench itself runs (Node cannot load .ts in a worker alone).
import { Worker } from 'node:worker_threads';

export function startTypeScriptWorker(entry: URL, workerData: unknown): Worker {
  const tsxApi = import.meta.resolve('tsx/esm/api');
  return new Worker(
    `import(${JSON.stringify(tsxApi)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })`,
    { eval: true, workerData },
  );
}
