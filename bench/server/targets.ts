// The servers a scenario drives: Stagecast (started here as a child
// process, or an instance at --url) and the bare-mediasoup baseline. Both
// are reached only through their public surface: HTTP, Socket.io, WebRTC,
// and /proc for the CPU of processes on this machine.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { api, signInGuest } from '../../testkit/signalingClient.ts';
import type { BenchPeer } from '../peers/benchPeer.ts';
import { HostPeer, type HostPlan } from '../peers/hostPeer.ts';
import type { SessionState } from '../../signaling/protocol/index.ts';
import { removeOnExit, startChild, type StartedChild } from './childProcess.ts';
import { pinProcess, processCpuSeconds, processRssMb } from './processStats.ts';
import { scrapeMetrics } from './prometheus.ts';

const repoRoot = path.resolve(import.meta.dirname, '../..');

/** The hosts of one room: its session id and one identity per host (the first is the primary). */
export interface RoomTicket {
  sessionId: string;
  hostTokens: string[];
}

export type TargetKind = 'stagecast' | 'baseline' | 'janus';

export interface BenchTarget {
  readonly kind: TargetKind;
  readonly url: string;
  /** True when the load generator and the media worker run on different cores. */
  readonly pinned: boolean;
  /** Creates a room that `hosts` peers may join. */
  prepareRoom(hosts: number, title: string): Promise<RoomTicket>;
  /** A synthetic peer that speaks this server's signalling (`plan.url`, `sessionId`, `token` from here). */
  newPeer(plan: Omit<HostPlan, 'url'>): BenchPeer;
  /** mediasoup worker pids (for /proc CPU). */
  workerPids(): Promise<number[]>;
  /** Workers that died since the target started (a crash shows here, not only as failed peers). */
  workerDeaths(): Promise<number>;
  /** CPU seconds the signalling (Node) process has used; undefined when it cannot be read. */
  nodeCpuSeconds(): Promise<number | undefined>;
  /** Event-loop delay and open consumers as the server reports them, when it does. */
  serverFigures(): Promise<ServerFigures>;
  memoryMb(): Promise<{ nodeRssMb: number | undefined; workerRssMb: number | undefined }>;
  /** Where the server keeps its records (DATA_DIR or DATABASE_URL), for scripts such as setRole; when known. */
  readonly databaseEnv?: Record<string, string> | undefined;
  close(): Promise<void>;
}

export interface ServerFigures {
  consumers?: number;
  eventLoopDelayP99Ms?: number;
  eventLoopDelayMaxMs?: number;
}

export interface TargetOptions {
  /** Use the Stagecast instance at this URL instead of starting one. */
  url?: string | undefined;
  workers: number;
  /** Pin the generator to CPU 0 and the media worker to CPU 1 (2+ cores only). */
  pin: boolean;
  /** Which CPUs the server's Node process runs on when pinned (default: with the generator). */
  signalingCpu?: string;
  /** Start each session (Stagecast then broadcasts it to HLS with FFmpeg). */
  live?: boolean;
  /** More environment for a server the bench starts (e.g. BATTLE_TIME_SCALE); ignored with `url`. */
  env?: Record<string, string>;
}

export interface PinPlan {
  generator: string;
  signaling: string;
  worker: string;
}

export function pinPlan(options: Pick<TargetOptions, 'pin' | 'signalingCpu'>): PinPlan | undefined {
  // os.cpus(), not availableParallelism(): once this process is pinned the latter says 1.
  if (!options.pin || os.cpus().length < 2) return undefined;
  return { generator: '0', signaling: options.signalingCpu ?? '0', worker: '1' };
}

/** Pins this process (the generator) and the worker; true when both took. */
export function applyPinning(plan: PinPlan | undefined, workerPids: number[]): boolean {
  if (!plan || workerPids.length === 0) return false;
  const generator = pinProcess(process.pid, plan.generator);
  const workers = workerPids.every((pid) => pinProcess(pid, plan.worker));
  return generator && workers;
}

// --- Stagecast ---------------------------------------------------------------

export async function startStagecastTarget(options: TargetOptions): Promise<BenchTarget> {
  let child: StartedChild | undefined;
  let dataDir: string | undefined;
  let url = options.url;
  const plan = pinPlan(options);
  if (!url) {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-bench-'));
    removeOnExit(dataDir);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      MEDIASOUP_WORKERS: String(options.workers),
      RTC_SERVER_PORT: '0',
      RTC_LISTEN_IP: '127.0.0.1',
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
      // The bench's primary hosts leave last; a short grace keeps teardown quick.
      PRIMARY_HOST_GRACE_S: '1',
      // The synthetic peers speak mediasoup only: rooms go through the SFU unless a scenario asks for the mesh.
      MESH_MAX_HOSTS: '0',
      ...options.env,
    };
    // The database is the bench's own (a scenario may name one: `shop --postgres`), never the caller's.
    if (!options.env?.DATABASE_URL) delete env.DATABASE_URL;
    delete env.REDIS_URL;
    delete env.MEDIA_DIR;
    try {
      await migrate(env);
      child = await startChild({
        command: process.execPath,
        // BENCH_SERVER_CPU_PROF=DIR: the server writes a V8 CPU profile there when it stops (where its time went).
        args: [...cpuProfileArgs(), '--import', 'tsx', 'signaling/main.ts'],
        env,
        cwd: repoRoot,
        readyPattern: /Stagecast is running at (http:\/\/\S+)/,
        timeoutMs: 60_000,
        cpuList: plan?.signaling,
      });
    } catch (error) {
      fs.rmSync(dataDir, { recursive: true, force: true });
      throw error;
    }
    url = child.ready;
  }
  const baseUrl = url;
  const workerPids = async (): Promise<number[]> => {
    const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(5000) });
    const body = (await response.json()) as { workers?: { pid: number; alive: boolean }[] };
    return (body.workers ?? []).filter((worker) => worker.alive && worker.pid > 0).map((worker) => worker.pid);
  };
  const initialWorkerPids = await workerPids();
  const pinned = applyPinning(plan, initialWorkerPids);

  return {
    kind: 'stagecast',
    url: baseUrl,
    pinned,
    // A server we did not start: the database this process was told of (the same variables), if any.
    databaseEnv: options.env?.DATABASE_URL
      ? { DATABASE_URL: options.env.DATABASE_URL }
      : dataDir
        ? { DATA_DIR: dataDir }
        : process.env.DATABASE_URL
          ? { DATABASE_URL: process.env.DATABASE_URL }
          : process.env.DATA_DIR
            ? { DATA_DIR: process.env.DATA_DIR }
            : undefined,
    async nodeCpuSeconds() {
      if (child) return processCpuSeconds(child.pid);
      // A server we did not start: its own process metrics (prom-client's default set).
      const metrics = await scrapeMetrics(baseUrl).catch(() => undefined);
      return metrics?.get('stagecast_process_process_cpu_seconds_total');
    },
    prepareRoom: (hosts, title) => prepareStagecastRoom(baseUrl, hosts, title, options.live ?? false),
    newPeer: (plan) => new HostPeer({ ...plan, url: baseUrl }),
    workerPids,
    async workerDeaths() {
      const now = await workerPids().catch(() => [] as number[]);
      return initialWorkerPids.filter((pid) => !now.includes(pid)).length;
    },
    async serverFigures() {
      try {
        const metrics = await scrapeMetrics(baseUrl);
        const seconds = (name: string) => {
          const value = metrics.get(name);
          return value === undefined ? undefined : Math.round(value * 10_000) / 10;
        };
        return {
          consumers: metrics.get('stagecast_mediasoup_consumers'),
          eventLoopDelayP99Ms: seconds('stagecast_process_nodejs_eventloop_lag_p99_seconds'),
          eventLoopDelayMaxMs: seconds('stagecast_process_nodejs_eventloop_lag_max_seconds'),
        };
      } catch {
        return {};
      }
    },
    async memoryMb() {
      const [workerPid] = await workerPids().catch(() => []);
      return {
        nodeRssMb: child ? processRssMb(child.pid) : undefined,
        workerRssMb: workerPid ? processRssMb(workerPid) : undefined,
      };
    },
    async close() {
      await child?.stop();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** `npm start` migrates before serving; the child's fresh database needs the same. */
async function migrate(env: NodeJS.ProcessEnv): Promise<void> {
  try {
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'signaling/migrate.ts'], {
      cwd: repoRoot,
      env,
      timeout: 90_000,
    });
  } catch (error) {
    const { stderr = '' } = error as { stderr?: string };
    throw new Error(`migrating the bench database failed: ${stderr.trim().split('\n').slice(-3).join(' | ')}`, {
      cause: error,
    });
  }
}

/**
 * Guest identities, a session created by the first, and co-hosts invited and
 * accepted. Hosts may join a scheduled session ("rehearse"); starting it
 * (`live`) also starts its HLS broadcast, an FFmpeg transcode per session
 * that would dwarf the SFU's work on a small machine, so it is opt-in.
 */
async function prepareStagecastRoom(baseUrl: string, hosts: number, title: string, live: boolean): Promise<RoomTicket> {
  const guests = await Promise.all(
    Array.from({ length: hosts }, (_, index) => signInGuest(baseUrl, `bench ${title} ${index + 1}`.slice(0, 40))),
  );
  const [primary, ...coHosts] = guests;
  if (!primary) throw new Error('a room needs at least one host');
  // Every host on air: the scenarios measure what a composed room costs.
  const created = await api<SessionState>(baseUrl, 'POST', '/api/multihost', primary.token, {
    title,
    backstage: false,
  });
  if (!created.body.ok) throw new Error(`creating a session failed: ${created.body.error.message}`);
  const sessionId = created.body.data.id;
  await Promise.all(
    coHosts.map(async (guest) => {
      const invite = await api(baseUrl, 'POST', `/api/multihost/${sessionId}/invite`, primary.token, {
        userId: guest.userId,
      });
      if (!invite.body.ok) throw new Error(`invite failed: ${invite.body.error.message}`);
      const accept = await api(baseUrl, 'POST', `/api/multihost/${sessionId}/accept`, guest.token);
      if (!accept.body.ok) throw new Error(`accept failed: ${accept.body.error.message}`);
    }),
  );
  if (live) {
    const started = await api(baseUrl, 'POST', `/api/multihost/${sessionId}/start`, primary.token);
    if (!started.body.ok) throw new Error(`start failed: ${started.body.error.message}`);
  }
  return { sessionId, hostTokens: guests.map((guest) => guest.token) };
}

// --- bare mediasoup ------------------------------------------------------------

export async function startBaselineTarget(options: Omit<TargetOptions, 'url'>): Promise<BenchTarget> {
  const plan = pinPlan(options);
  const child = await startChild({
    command: process.execPath,
    args: ['--import', 'tsx', 'bench/baseline/server.ts'],
    env: { ...process.env, BASELINE_WORKERS: String(options.workers) },
    cwd: repoRoot,
    readyPattern: /^BASELINE READY (.+)$/m,
    timeoutMs: 30_000,
    cpuList: plan?.signaling,
  });
  const ready = JSON.parse(child.ready) as { url: string; workerPids: number[] };
  const pinned = applyPinning(plan, ready.workerPids);
  let roomCount = 0;
  return {
    kind: 'baseline',
    url: ready.url,
    pinned,
    nodeCpuSeconds: async () => processCpuSeconds(child.pid),
    // No accounts or sessions: a room is a name, a host any name.
    prepareRoom: async (hosts) => {
      const sessionId = `room-${++roomCount}`;
      return {
        sessionId,
        hostTokens: Array.from({ length: hosts }, (_, index) => `${sessionId}-host-${index + 1}`),
      };
    },
    newPeer: (plan) => new HostPeer({ ...plan, url: ready.url }),
    workerPids: async () => ready.workerPids,
    // The baseline exits when its worker dies.
    workerDeaths: async () => (child.alive ? 0 : ready.workerPids.length),
    serverFigures: async () => ({}),
    memoryMb: async () => ({
      nodeRssMb: processRssMb(child.pid),
      workerRssMb: ready.workerPids[0] ? processRssMb(ready.workerPids[0]) : undefined,
    }),
    close: () => child.stop(),
  };
}

function cpuProfileArgs(): string[] {
  const dir = process.env.BENCH_SERVER_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(dir)}`] : [];
}
