import { once } from 'node:events';
import { pino } from 'pino';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MediaError } from './MediaError.ts';
import { routerMediaCodecs } from './mediaCodecs.ts';
import { WorkerPool } from './WorkerPool.ts';

const logger = pino({ level: 'silent' });
const options = { listenIp: '127.0.0.1', webRtcServerPort: 0, rtcMinPort: 42000, rtcMaxPort: 42999, logger };

test('starts the configured number of live workers, each with a WebRtcServer', async () => {
  const pool = await WorkerPool.create({ ...options, workerCount: 2 });
  try {
    const health = await pool.health();
    assert.is(health.length, 2);
    assert.ok(health.every((worker) => worker.alive && worker.pid > 0));
    assert.is.not(health[0]!.pid, health[1]!.pid);
    assert.is(pool.counts.workers, 2);
    // Known at creation; the router that told them is closed again.
    assert.ok(pool.routerRtpCapabilities.codecs?.some((codec) => codec.mimeType === 'video/VP8'));
    assert.is(pool.counts.routers, 0);
  } finally {
    pool.close();
  }
});

test('new routers go to the least-loaded worker', async () => {
  const pool = await WorkerPool.create({ ...options, workerCount: 2 });
  try {
    const first = pool.leastLoaded();
    await first.worker.createRouter({ mediaCodecs: routerMediaCodecs });
    const second = pool.leastLoaded();
    assert.is.not(second.index, first.index);
    await second.worker.createRouter({ mediaCodecs: routerMediaCodecs });
    assert.equal(
      pool.workers.map((worker) => worker.routerCount),
      [1, 1],
    );
  } finally {
    pool.close();
  }
});

test('a worker that dies is replaced in its slot', async () => {
  const pool = await WorkerPool.create({ ...options, workerCount: 1, respawnDelayMs: 50 });
  try {
    const { worker } = pool.leastLoaded();
    const router = await worker.createRouter({ mediaCodecs: routerMediaCodecs });
    const died = once(pool, 'workerdied');
    const replaced = once(pool, 'workerreplaced');
    process.kill(worker.pid, 'SIGKILL');
    await died;
    assert.ok(router.closed, 'the dead worker closed its routers');
    assert.is((await pool.health())[0]!.alive, false);
    assert.throws(
      () => pool.leastLoaded(),
      (error: unknown) => error instanceof MediaError && error.code === 'UNAVAILABLE',
      'no live worker: UNAVAILABLE',
    );
    await replaced;
    const [health] = await pool.health();
    assert.ok(health!.alive);
    assert.is.not(health!.pid, worker.pid);
    assert.is(pool.counts.workers, 1);
    assert.is(pool.counts.routers, 0);
  } finally {
    pool.close();
  }
});

test.run();
