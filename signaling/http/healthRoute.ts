import { Router } from 'express';
import type { Logger } from 'pino';
import type { Database } from '../../prisma/database.ts';
import type { WorkerPool } from '../../sfu/WorkerPool.ts';

/**
 * GET /health: each mediasoup worker's pid and whether it answers, and
 * whether the database answers. 200 when all do, 503 otherwise (so a load
 * balancer or orchestrator can act on it).
 */
export function healthRoute(pool: WorkerPool, database: Database, startedAt: number, logger: Logger): Router {
  const router = Router();
  router.get('/health', async (_req, res) => {
    const [workers, databaseUp] = await Promise.all([pool.health(), answers(database, logger)]);
    const healthy = databaseUp && workers.every((worker) => worker.alive);
    res
      .status(healthy ? 200 : 503)
      .set('Cache-Control', 'no-store')
      .json({
        status: healthy ? 'ok' : 'degraded',
        uptimeS: Math.round((Date.now() - startedAt) / 1000),
        database: databaseUp ? 'up' : 'down',
        workers,
      });
  });
  return router;
}

async function answers(database: Database, logger: Logger): Promise<boolean> {
  try {
    await database.$queryRaw`SELECT 1`;
    return true;
  } catch (error) {
    // The probe answers "down"; the log says why.
    logger.warn({ err: error }, 'health check: the database does not answer');
    return false;
  }
}
