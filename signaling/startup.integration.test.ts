// `npm start` when its ports are taken (a second Stagecast on the same
// machine): the real entry point in its own process must print one line
// naming the variable and what to do, exit non-zero, and leave no
// mediasoup-worker behind. Workers are found by PID through an environment
// marker they inherit from the server process.
// It runs alone (scripts/run-tests.ts): it needs particular ports free, which a test beside it may take.
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { migrateDatabase } from '../prisma/migrateDatabase.ts';
import { loadConfig } from './config/config.ts';

const repoRoot = path.resolve(import.meta.dirname, '..');
let dataDir: string;
const held: { close(): void }[] = [];

test.before(async () => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-startup-'));
  await migrateDatabase(loadConfig({ DATA_DIR: dataDir }).databaseUrl);
});
test.after(() => {
  for (const socket of held) socket.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  /** PIDs of processes still alive that carry this run's marker (mediasoup workers). */
  survivors: number[];
}

/** PIDs of live mediasoup workers whose environment holds `marker` (ours only: others' environ is unreadable). */
function processesMarked(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // comm is cut at 15 characters: "mediasoup-worke".
      if (!fs.readFileSync(`/proc/${entry}/comm`, 'utf8').startsWith('mediasoup-work')) continue;
      if (fs.readFileSync(`/proc/${entry}/environ`, 'latin1').includes(marker)) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours
    }
  }
  return pids;
}

async function survivorsOf(marker: string): Promise<number[]> {
  // A process killed with its parent may take a moment to be reaped.
  const deadline = Date.now() + 1000;
  let pids = processesMarked(marker);
  while (pids.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    pids = processesMarked(marker);
  }
  return pids;
}

/** Runs `node --import tsx signaling/main.ts` with `env`; `whileRunning` runs once it says it is up. */
function runMain(env: Record<string, string>, whileRunning?: (pid: number, marker: string) => void): Promise<Run> {
  const marker = `STAGECAST_STARTUP_TEST=${crypto.randomUUID()}`;
  const [markerName, markerValue] = marker.split('=') as [string, string];
  const child = spawn(process.execPath, ['--import', 'tsx', 'signaling/main.ts'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      [markerName]: markerValue,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    if (whileRunning && stdout.includes('Stagecast is running at')) {
      const run = whileRunning;
      whileRunning = undefined;
      run(child.pid!, marker);
    }
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timeout = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timeout);
      survivorsOf(marker).then((survivors) => resolve({ code, stdout, stderr, survivors }), reject);
    });
  });
}

async function holdUdpPort(): Promise<number> {
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  held.push(socket);
  return socket.address().port;
}

/** Whether nothing listens on `port` (TCP and UDP) right now. */
async function portFree(port: number): Promise<boolean> {
  const tryBind = (bind: (done: (ok: boolean) => void) => void) => new Promise<boolean>((resolve) => bind(resolve));
  const tcp = await tryBind((done) => {
    const server = net.createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
  const udp = await tryBind((done) => {
    const socket = dgram.createSocket('udp4');
    socket.once('error', () => done(false));
    socket.bind(port, '127.0.0.1', () => socket.close(() => done(true)));
  });
  return tcp && udp;
}

/**
 * A held UDP port whose lower neighbour is free (the first worker binds it): an
 * ephemeral port's neighbour may be another program's (CI once found its TCP
 * side taken, and the first worker failed instead of the second).
 */
async function holdUdpPortAboveAFreeOne(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await holdUdpPort();
    if (await portFree(port - 1)) return port;
  }
  throw new Error('no UDP port with a free neighbour in 20 tries');
}

async function holdTcpPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  held.push(server);
  return (server.address() as net.AddressInfo).port;
}

test('the check itself: a running server has marked workers, and none survives a normal stop', async () => {
  let seenWhileRunning: number[] = [];
  const run = await runMain({ PORT: '0', RTC_SERVER_PORT: '0', MEDIASOUP_WORKERS: '2' }, (pid, marker) => {
    seenWhileRunning = processesMarked(marker);
    process.kill(pid, 'SIGTERM');
  });
  assert.is(seenWhileRunning.length, 2, `workers seen: ${seenWhileRunning.join(' ')}; stderr: ${run.stderr}`);
  assert.is(run.code, 0, run.stderr);
  assert.equal(run.survivors, []);
});

test('RTC_SERVER_PORT taken: one line naming it, exit 1, no worker left', async () => {
  const port = await holdUdpPort();
  const run = await runMain({ PORT: '0', RTC_SERVER_PORT: String(port), MEDIASOUP_WORKERS: '1' });
  assert.is(run.code, 1);
  assert.is(
    run.stderr,
    `stagecast: UDP port ${port} (RTC_SERVER_PORT) is in use — is another Stagecast running? Set RTC_SERVER_PORT or stop it\n`,
  );
  assert.equal(run.survivors, [], 'no mediasoup-worker survives');
});

test("the second worker's port taken: the first worker does not survive", async () => {
  const port = await holdUdpPortAboveAFreeOne();
  const run = await runMain({ PORT: '0', RTC_SERVER_PORT: String(port - 1), MEDIASOUP_WORKERS: '2' });
  assert.is(run.code, 1);
  assert.is(
    run.stderr,
    `stagecast: UDP port ${port} (RTC_SERVER_PORT + 1, for mediasoup worker 2) is in use — is another Stagecast running? Set RTC_SERVER_PORT or stop it\n`,
  );
  assert.equal(run.survivors, [], 'no mediasoup-worker survives');
});

test('PORT taken: one line naming it, exit 1, the workers already started do not survive', async () => {
  const port = await holdTcpPort();
  const run = await runMain({ PORT: String(port), RTC_SERVER_PORT: '0', MEDIASOUP_WORKERS: '2' });
  assert.is(run.code, 1);
  assert.is(
    run.stderr,
    `stagecast: TCP port ${port} (PORT) is in use — is another Stagecast running? Set PORT or stop it\n`,
  );
  assert.equal(run.survivors, [], 'no mediasoup-worker survives');
});

test.run();
