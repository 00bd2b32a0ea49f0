// Starts a throwaway Redis server for a test: loopback only, a free port, no
// persistence (no RDB snapshots, no AOF), its working folder and log in a temp
// folder. `stop()` stops exactly that server (by its PID) and removes the
// folder; a test process that dies first kills it on exit too.
//   const redis = await startRedis(); … redis.url … await redis.stop();
// Needs Debian's `redis-server` (scripts/setup.sh installs it for `npm test`).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './freePort.ts';
import { readTail, resolveOnPath, superviseDaemon } from './testDaemon.ts';

export interface RedisServer {
  /** redis://127.0.0.1:PORT */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Where redis-server logs (read it when a test fails). */
  readonly logFile: string;
  /** Kills this server (SIGKILL: a crash, nothing kept) and starts an empty one on the same port. */
  restart(): Promise<void>;
  /** Stops this server (by its PID) and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 10_000;

export function resolveRedisServer(env: NodeJS.ProcessEnv = process.env): string {
  return resolveOnPath('redis-server', 'redis-server', env);
}

export async function startRedis(): Promise<RedisServer> {
  const bin = resolveRedisServer();
  // A free port can be taken between choosing and binding it: try a few.
  for (let attempt = 1; ; attempt++) {
    try {
      return restartable(bin, await startOn(bin, await freePort()));
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

/** The server of the moment: restart() replaces it with a new one on the same port. */
function restartable(bin: string, first: RunningRedis): RedisServer {
  let current = first;
  return {
    url: first.url,
    port: first.port,
    get pid() {
      return current.pid;
    },
    get logFile() {
      return current.logFile;
    },
    async restart() {
      current.kill();
      await current.stop();
      current = await startOn(bin, first.port);
    },
    stop: () => current.stop(),
  };
}

interface RunningRedis extends Omit<RedisServer, 'restart'> {
  kill(): void;
}

async function startOn(bin: string, port: number): Promise<RunningRedis> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-redis-'));
  const logFile = path.join(dir, 'redis.log');
  const args = [
    '--bind',
    '127.0.0.1',
    '--port',
    String(port),
    '--dir',
    dir,
    '--logfile',
    logFile,
    '--daemonize',
    'no',
    // Throwaway data: nothing is written to disk.
    '--save',
    '',
    '--appendonly',
    'no',
  ];
  const child = spawn(bin, args, { stdio: 'ignore' });

  const daemon = superviseDaemon(child, dir);
  const { pid, stop } = daemon;

  try {
    if (pid === undefined) throw new Error('could not spawn it');
    await waitUntilAnswering(port, daemon.hasExited);
  } catch (error) {
    const log = readTail(logFile);
    await stop();
    throw new Error(`redis-server did not start on 127.0.0.1:${port}: ${(error as Error).message}\n${log}`, {
      cause: error,
    });
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    pid: pid!,
    logFile,
    kill: () => {
      if (!daemon.hasExited()) process.kill(pid!, 'SIGKILL');
    },
    stop,
  };
}

/** Ready means a PING is answered with PONG. */
async function waitUntilAnswering(port: number, hasExited: () => boolean): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error('redis-server exited');
    if (await pongFrom(port, 500)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no PONG within ${READY_TIMEOUT_MS} ms`);
}

function pongFrom(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let reply = '';
    const done = (answered: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answered);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.on('connect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      reply += data.toString('latin1');
      // A server still loading answers -LOADING: not ready yet.
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.on('error', () => done(false));
  });
}
