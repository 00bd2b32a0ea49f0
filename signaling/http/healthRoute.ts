import { Router } from 'express';
import type { Database } from '../../prisma/database.ts';
import type { WorkerPool } from '../../sfu/WorkerPool.ts';

/**
 * GET /health: each mediasoup worker's pid and whether it answers, and
 * whether the database answers. 200 when all do, 503 otherwise (so a load
 * balancer or orchestrator can act on it).
 */
export function healthRoute(pool: WorkerPool, database: Database, startedAt: number): Router {
  const router = Router();
  router.get('/health', async (_req, res) => {
    const [workers, databaseUp] = await Promise.all([pool.health(), answers(database)]);
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

async function answers(database: Database): Promise<boolean> {
  try {
    await database.$queryRaw`SELECT 1`;
    return true;
  } catch {
    return false;
  }
}
