// Starts a Stagecast node as its own process (`signaling/main.ts`, exactly
// what `npm start` runs) for cluster tests and the bench: loopback, its own
// HTTP port, RTC ports and data folder, one mediasoup worker, in the cluster
// of the Redis and PostgreSQL it is given. Killing it (SIGKILL) is a node
// crash; `stop()` is a clean SIGTERM stop. Its output is kept for a failing
// test's message.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './freePort.ts';

export interface ClusterNodeProcess {
  readonly id: string;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Resolves with the exit code (null after a signal) once the process has exited. */
  readonly exited: Promise<number | null>;
  /** What it printed, stdout and stderr. */
  output(): string;
  kill(signal: NodeJS.Signals): void;
  /** SIGTERM, then SIGKILL after `timeoutMs`; removes its data folder. Safe to call twice. */
  stop(timeoutMs?: number): Promise<void>;
}

export interface ClusterNodeOptions {
  id: string;
  redisUrl: string;
  databaseUrl: string;
  /** Shared by every node: a token signed by one verifies on all. */
  tokenSecret: string;
  /** First port of this node's RTC range (its WebRtcServer, then PlainTransports/PipeTransports). */
  rtcBasePort: number;
  env?: Record<string, string>;
}

const repoRoot = path.resolve(import.meta.dirname, '..');
const READY_TIMEOUT_MS = 60_000;
const READY_LINE = /Stagecast is running at (\S+)/;

export async function startClusterNode(options: ClusterNodeOptions): Promise<ClusterNodeProcess> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `stagecast-node-${options.id}-`));
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(repoRoot, 'signaling', 'main.ts')], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      MEDIASOUP_WORKERS: '1',
      RTC_SERVER_PORT: String(options.rtcBasePort),
      RTC_MIN_PORT: String(options.rtcBasePort + 1),
      RTC_MAX_PORT: String(options.rtcBasePort + 499),
      DATA_DIR: dataDir,
      DATABASE_URL: options.databaseUrl,
      REDIS_URL: options.redisUrl,
      NODE_ID: options.id,
      TOKEN_SECRET: options.tokenSecret,
      MESH_MAX_HOSTS: '0',
      ...(process.env.MEDIASOUP_WORKER_BIN ? { MEDIASOUP_WORKER_BIN: process.env.MEDIASOUP_WORKER_BIN } : {}),
      ...(process.env.FFMPEG_PATH ? { FFMPEG_PATH: process.env.FFMPEG_PATH } : {}),
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let running = true;
  void exited.then(() => (running = false));
  const killOnExit = () => {
    if (running) child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  let stopped = false;
  const node: ClusterNodeProcess = {
    id: options.id,
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    exited,
    output: () => output,
    kill: (signal) => {
      if (running) child.kill(signal);
    },
    async stop(timeoutMs = 15_000) {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', killOnExit);
      if (running) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!READY_LINE.test(output)) {
    if (!running || Date.now() > deadline) {
      await node.stop();
      throw new Error(`cluster node ${options.id} did not start:\n${output.slice(-3000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return node;
}
