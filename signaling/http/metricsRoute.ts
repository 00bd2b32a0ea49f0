import { Router } from 'express';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { WorkerPool } from '../../sfu/WorkerPool.ts';
import type { MediaCounts } from '../../sfu/WorkerPoolTypes.ts';

export interface SignalingCounts {
  /** Open Socket.io connections. */
  connections: number;
  /** Sessions (rooms) that have not ended. */
  sessions: number;
  /** Hosts joined to a session's media room (peers). */
  connectedHosts: number;
}

/** GET /metrics in Prometheus text format. Gauges and counters are read at scrape time. */
export function metricsRoute(
  pool: WorkerPool,
  signalingCounts: () => SignalingCounts,
  /** Compositor restarts since the node started, by cause (exited, stalled, lagging). */
  encoderRestarts: () => Readonly<Record<string, number>>,
): Router {
  // A registry per server instance: tests run several servers in one process.
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'stagecast_process_' });

  const mediaGauges: Record<keyof MediaCounts, string> = {
    workers: 'Live mediasoup workers',
    routers: 'Open mediasoup routers (one per room, plus battle pipes)',
    transports: 'Open mediasoup transports',
    producers: 'Open mediasoup producers',
    consumers: 'Open mediasoup consumers',
  };
  for (const [key, help] of Object.entries(mediaGauges) as [keyof MediaCounts, string][]) {
    new Gauge({
      name: `stagecast_mediasoup_${key}`,
      help,
      registers: [registry],
      collect() {
        this.set(pool.counts[key]);
      },
    });
  }
  const signalingGauges: Record<keyof SignalingCounts, [name: string, help: string]> = {
    connections: ['stagecast_socket_connections', 'Open Socket.io connections'],
    sessions: ['stagecast_rooms', 'Co-host sessions (rooms) that have not ended'],
    connectedHosts: ['stagecast_peers', 'Hosts joined to a room with media'],
  };
  for (const [key, [name, help]] of Object.entries(signalingGauges) as [keyof SignalingCounts, [string, string]][]) {
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(signalingCounts()[key]);
      },
    });
  }

  // A counter the broadcast service keeps; read as it stands at each scrape.
  new Counter({
    name: 'stagecast_compositor_restarts_total',
    help: 'Compositor FFmpeg restarts by cause: exited (by itself), stalled (no output), lagging (behind real time)',
    labelNames: ['cause'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [cause, count] of Object.entries(encoderRestarts())) this.inc({ cause }, count);
    },
  });

  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.set('Content-Type', registry.contentType).send(await registry.metrics());
  });
  return router;
}
