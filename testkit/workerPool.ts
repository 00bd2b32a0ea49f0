// One mediasoup worker on loopback for media tests, with its own RTC port
// range (tests that run one after another must not reuse a port still in
// TIME_WAIT or held by a worker that is closing).
import type { Logger } from 'pino';
import { pino } from 'pino';
import { WorkerPool } from '../sfu/WorkerPool.ts';

export function startLoopbackWorkerPool(rtcMinPort: number, logger?: Logger, workerCount = 1): Promise<WorkerPool> {
  return WorkerPool.create({
    workerCount,
    listenIp: '127.0.0.1',
    webRtcServerPort: 0,
    rtcMinPort,
    rtcMaxPort: rtcMinPort + 999,
    logger: logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
}
