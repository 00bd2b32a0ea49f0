import type { Socket } from 'socket.io';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { WorkerPool } from '../../sfu/WorkerPool.ts';
import { requestRegistrar } from './registerRequest.ts';

const serverInfoRequest = z.object({}).strict();

/** `server:info`: version and live worker count, shown on the home page. */
export function registerServerInfo(socket: Socket, pool: WorkerPool, version: string, logger: Logger): void {
  requestRegistrar(socket, logger)('server:info', serverInfoRequest, () => ({ version, workers: pool.workers.length }));
}
