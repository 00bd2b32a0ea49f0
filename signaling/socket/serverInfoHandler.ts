import type { Logger } from 'pino';
import type { WorkerPool } from '../../sfu/WorkerPool.ts';
import { requestRegistrar } from './registerRequest.ts';
import type { RequestSocket } from './socketData.ts';

/** `server:info`: version and live worker count, shown on the home page. */
export function registerServerInfo(socket: RequestSocket, pool: WorkerPool, version: string, logger: Logger): void {
  requestRegistrar(socket, logger)('server:info', () => ({ version, workers: pool.workers.length }));
}
