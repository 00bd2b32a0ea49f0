import type { types } from 'mediasoup';
import type { Logger } from 'pino';

export interface WorkerPoolOptions {
  /** Number of mediasoup workers (processes). */
  workerCount: number;
  /** mediasoup-worker binary. Default: mediasoup's own (node_modules/mediasoup/worker/out/Release). */
  workerBin?: string;
  /** Default: 'warn'. */
  logLevel?: types.WorkerLogLevel;
  /** IP the WebRtcServer sockets listen on. */
  listenIp: string;
  /** Address put in ICE candidates; default: listenIp. */
  announcedAddress?: string;
  /** Worker i's WebRtcServer listens on UDP and TCP port `webRtcServerPort + i`; 0 lets the OS pick. */
  webRtcServerPort: number;
  /**
   * Socket buffer sizes (bytes) of the WebRtcServer sockets, which carry every host's media: the
   * default ~208 KB overflows on a short worker stall at a few hundred consumers (bench/RESULTS.md).
   * The kernel caps them at net.core.rmem_max / wmem_max. Default: the OS default.
   */
  socketBufferBytes?: number;
  /** Port range for PlainTransports and PipeTransports. */
  rtcMinPort: number;
  rtcMaxPort: number;
  logger: Logger;
  /** Delay before a dead worker is replaced; doubles up to 30 s while replacements keep dying. Default: 1000. */
  respawnDelayMs?: number;
}

/** One slot of the pool: the worker that currently serves it and its WebRtcServer. */
export interface MediaWorker {
  readonly index: number;
  readonly worker: types.Worker;
  readonly webRtcServer: types.WebRtcServer;
  /** Routers currently open on this worker (one per room, plus battle pipes). */
  readonly routerCount: number;
}

export interface WorkerHealth {
  index: number;
  pid: number;
  /** The process answered a request within the probe timeout. */
  alive: boolean;
  routers: number;
}

/** Live counts of mediasoup entities, kept by observers (so they cannot drift). */
export interface MediaCounts {
  workers: number;
  routers: number;
  transports: number;
  producers: number;
  consumers: number;
}

export type WorkerPoolEvents = {
  /** A worker died; its routers (rooms) are gone. A replacement follows. */
  workerdied: [index: number, error: Error];
  /** A dead worker's slot has a new, live worker. */
  workerreplaced: [worker: MediaWorker];
};
