// A fixed number of mediasoup workers, each with one WebRtcServer so that all
// WebRTC transports of a worker share one UDP and one TCP port. A worker that
// dies is replaced in its slot (same ports) after a back-off.
import { EventEmitter } from 'node:events';
import * as mediasoup from 'mediasoup';
import type { types } from 'mediasoup';
import type { Logger } from 'pino';
import { MediaError } from './MediaError.ts';
import { PortInUseError, portInUse } from './PortInUseError.ts';
import { routerMediaCodecs } from './mediaCodecs.ts';
import type { MediaCounts, MediaWorker, WorkerHealth, WorkerPoolEvents, WorkerPoolOptions } from './WorkerPoolTypes.ts';

/** How long a worker may take to answer the liveness probe. */
const HEALTH_PROBE_TIMEOUT_MS = 1000;
const MAX_RESPAWN_DELAY_MS = 30_000;

class Slot implements MediaWorker {
  routerCount = 0;
  constructor(
    readonly index: number,
    readonly worker: types.Worker,
    readonly webRtcServer: types.WebRtcServer,
  ) {}
}

export class WorkerPool extends EventEmitter<WorkerPoolEvents> {
  readonly #options: WorkerPoolOptions;
  readonly #logger: Logger;
  readonly #slots: (Slot | undefined)[];
  readonly #counts: MediaCounts = { workers: 0, routers: 0, transports: 0, producers: 0, consumers: 0 };
  readonly #respawnTimers = new Set<NodeJS.Timeout>();
  #routerRtpCapabilities: types.RtpCapabilities | undefined;
  #closed = false;

  static async create(options: WorkerPoolOptions): Promise<WorkerPool> {
    const pool = new WorkerPool(options);
    try {
      for (let index = 0; index < options.workerCount; index++) {
        await pool.#startSlot(index);
      }
      pool.#routerRtpCapabilities = await probeRouterRtpCapabilities(pool.leastLoaded().worker);
    } catch (error) {
      pool.close();
      throw error;
    }
    return pool;
  }

  private constructor(options: WorkerPoolOptions) {
    super();
    this.#options = options;
    this.#logger = options.logger.child({ component: 'worker-pool' });
    this.#slots = new Array<Slot | undefined>(options.workerCount).fill(undefined);
  }

  /** Live workers, in slot order. */
  get workers(): readonly MediaWorker[] {
    return this.#slots.filter((slot): slot is Slot => slot !== undefined);
  }

  get counts(): Readonly<MediaCounts> {
    return this.#counts;
  }

  /**
   * The RTP capabilities of every room router of this pool, known without
   * creating a room: a client asks for them before it joins, and a read must
   * not open a router as a side effect.
   */
  get routerRtpCapabilities(): types.RtpCapabilities {
    // create() sets them before it hands the pool out.
    if (!this.#routerRtpCapabilities) throw new MediaError('UNAVAILABLE', 'the worker pool is starting');
    return this.#routerRtpCapabilities;
  }

  /** The live worker with the fewest routers: where a new room goes. */
  leastLoaded(): MediaWorker {
    const [first, ...rest] = this.workers;
    if (!first) throw new MediaError('UNAVAILABLE', 'no live mediasoup worker');
    return rest.reduce((best, slot) => (slot.routerCount < best.routerCount ? slot : best), first);
  }

  /** Probes every slot: a worker is alive when it answers a request in time. */
  async health(): Promise<WorkerHealth[]> {
    return Promise.all(
      this.#slots.map(async (slot, index) => {
        if (!slot) return { index, pid: 0, alive: false, routers: 0 };
        return {
          index,
          pid: slot.worker.pid,
          alive: await answersInTime(slot.worker, this.#logger),
          routers: slot.routerCount,
        };
      }),
    );
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#respawnTimers) clearTimeout(timer);
    for (const slot of this.#slots) slot?.worker.close();
  }

  async #startSlot(index: number): Promise<Slot> {
    const options = this.#options;
    const worker = await mediasoup.createWorker({
      logLevel: options.logLevel ?? 'warn',
      rtcMinPort: options.rtcMinPort,
      rtcMaxPort: options.rtcMaxPort,
      ...(options.workerBin ? { workerBin: options.workerBin } : {}),
      appData: { index },
    });
    this.#countEntities(worker);
    let webRtcServer: types.WebRtcServer;
    try {
      webRtcServer = await worker.createWebRtcServer({ listenInfos: this.#listenInfos(index) });
    } catch (error) {
      worker.close();
      const taken = portInUse(error);
      if (taken) {
        const port = taken.port ?? options.webRtcServerPort + index;
        throw new PortInUseError(taken.protocol, port, index, { cause: error });
      }
      throw new Error(
        `worker ${index}: cannot open its WebRtcServer: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
    const slot = new Slot(index, worker, webRtcServer);
    worker.observer.on('newrouter', (router) => {
      slot.routerCount++;
      router.observer.once('close', () => slot.routerCount--);
    });
    worker.once('died', (error) => this.#onDied(slot, error));
    this.#slots[index] = slot;
    this.#logger.info({ index, pid: worker.pid }, 'mediasoup worker started');
    return slot;
  }

  #listenInfos(index: number): types.TransportListenInfo[] {
    const { listenIp, announcedAddress, webRtcServerPort, socketBufferBytes } = this.#options;
    // Port 0 (tests): leave it out so the worker picks a free one from its range.
    const port = webRtcServerPort === 0 ? {} : { port: webRtcServerPort + index };
    const announced = announcedAddress ? { announcedAddress } : {};
    const buffers = socketBufferBytes ? { recvBufferSize: socketBufferBytes, sendBufferSize: socketBufferBytes } : {};
    return [
      { protocol: 'udp', ip: listenIp, ...announced, ...port, ...buffers },
      { protocol: 'tcp', ip: listenIp, ...announced, ...port, ...buffers },
    ];
  }

  #onDied(slot: Slot, error: Error, delayMs = this.#options.respawnDelayMs ?? 1000): void {
    this.#logger.error({ index: slot.index, pid: slot.worker.pid, err: error }, 'mediasoup worker died');
    if (this.#slots[slot.index] === slot) this.#slots[slot.index] = undefined;
    this.emit('workerdied', slot.index, error);
    this.#scheduleRespawn(slot.index, delayMs);
  }

  #scheduleRespawn(index: number, delayMs: number): void {
    if (this.#closed) return;
    const timer = setTimeout(() => {
      this.#respawnTimers.delete(timer);
      if (this.#closed) return;
      this.#startSlot(index).then(
        (slot) => this.emit('workerreplaced', slot),
        (error: unknown) => {
          this.#logger.error({ index, err: error }, 'mediasoup worker respawn failed');
          this.#scheduleRespawn(index, Math.min(delayMs * 2, MAX_RESPAWN_DELAY_MS));
        },
      );
    }, delayMs);
    this.#respawnTimers.add(timer);
  }

  /** Keeps #counts in step with the worker's entity tree through its observers. */
  #countEntities(worker: types.Worker): void {
    const counts = this.#counts;
    const track = (key: keyof MediaCounts, observer: { once(event: 'close', listener: () => void): unknown }) => {
      counts[key]++;
      observer.once('close', () => counts[key]--);
    };
    track('workers', worker.observer);
    worker.observer.on('newrouter', (router) => {
      track('routers', router.observer);
      router.observer.on('newtransport', (transport) => {
        track('transports', transport.observer);
        transport.observer.on('newproducer', (producer) => track('producers', producer.observer));
        transport.observer.on('newconsumer', (consumer) => track('consumers', consumer.observer));
      });
    });
  }
}

/**
 * A router's capabilities follow from its media codecs alone (mediasoup
 * derives them in Node, with the same payload types for the same list), and
 * every room router is created with `routerMediaCodecs` and never updated
 * (no `updateMediaCodecs`). So one short-lived router on any worker tells
 * the capabilities of all of them, including those of respawned workers.
 * A real router rather than mediasoup's internal `ortc` helper: the result
 * is by construction what `createRouter` gives a room.
 */
async function probeRouterRtpCapabilities(worker: types.Worker): Promise<types.RtpCapabilities> {
  const router = await worker.createRouter({ mediaCodecs: routerMediaCodecs });
  const { rtpCapabilities } = router;
  router.close();
  return rtpCapabilities;
}

async function answersInTime(worker: types.Worker, logger: Logger): Promise<boolean> {
  if (worker.closed || worker.died) return false;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), HEALTH_PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([worker.getResourceUsage().then(() => true as const), timeout]);
  } catch (error) {
    logger.warn({ pid: worker.pid, err: error }, 'worker liveness probe failed');
    return false;
  } finally {
    clearTimeout(timer);
  }
}
