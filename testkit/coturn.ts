// Starts a real coturn (Debian's `turnserver`) for a test: loopback only, a
// free listening port, TURN REST API auth (`use-auth-secret`), and every file
// it writes (user DB, pid file, log) in a throwaway folder.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './freePort.ts';
import { readTail, resolveOnPath, superviseDaemon } from './testDaemon.ts';

export interface Coturn {
  /** UDP and TCP listening port on 127.0.0.1. */
  readonly port: number;
  /** turn: URIs for this server, UDP first (what a client would be handed). */
  readonly urls: string[];
  readonly secret: string;
  readonly realm: string;
  /** Range that relayed addresses are allocated from. */
  readonly relayPorts: { min: number; max: number };
  readonly pid: number;
  /** Where coturn's log is (read it when a test fails). */
  readonly logFile: string;
  /** Stops this coturn (by its PID) and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

export interface CoturnOptions {
  /** Default: 32 random bytes, hex. */
  secret?: string;
  /** Default: 'stagecast-test'. */
  realm?: string;
  /** Caps each TURN session's bandwidth, per direction (`--max-bps`, bytes per second): a thin link. */
  maxBytesPerSecond?: number;
}

const READY_TIMEOUT_MS = 10_000;
// Relay ports come from above Linux's default ephemeral range (32768–60999), so
// sockets the OS hands out elsewhere (freePort, mediasoup) do not take them.
// The window is random so that concurrent test processes rarely share one; if
// they do, coturn skips relay ports it cannot bind.
const RELAY_PORT_COUNT = 32;
const RELAY_FIRST_PORT = 61_000;
const RELAY_LAST_PORT = 65_535;

export function resolveTurnserver(env: NodeJS.ProcessEnv = process.env): string {
  return resolveOnPath('turnserver', 'coturn', env);
}

export async function startCoturn(options: CoturnOptions = {}): Promise<Coturn> {
  const bin = resolveTurnserver();
  const secret = options.secret ?? randomBytes(32).toString('hex');
  const realm = options.realm ?? 'stagecast-test';
  const port = await freePort();
  const min = RELAY_FIRST_PORT + Math.floor(Math.random() * (RELAY_LAST_PORT - RELAY_FIRST_PORT - RELAY_PORT_COUNT));
  const relayPorts = { min, max: min + RELAY_PORT_COUNT - 1 };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-coturn-'));
  const logFile = path.join(dir, 'turnserver.log');

  const args = [
    '-n', // no config file: everything is on this command line
    '--listening-ip=127.0.0.1',
    '--relay-ip=127.0.0.1',
    `--listening-port=${port}`,
    `--min-port=${relayPorts.min}`,
    `--max-port=${relayPorts.max}`,
    '--use-auth-secret',
    `--static-auth-secret=${secret}`,
    `--realm=${realm}`,
    '--no-tls',
    '--no-dtls',
    '--allow-loopback-peers',
    '--no-cli',
    '--fingerprint',
    // Defaults live under /var: a shared pid file and DB would clash between runs.
    `--userdb=${path.join(dir, 'turndb')}`,
    `--pidfile=${path.join(dir, 'turnserver.pid')}`,
    `--log-file=${logFile}`,
    '--simple-log', // exactly this file name, no date suffix or rollover
    '--no-stdout-log',
    ...(options.maxBytesPerSecond ? [`--max-bps=${options.maxBytesPerSecond}`] : []),
  ];
  // Anything coturn still prints (e.g. "socket: Protocol not supported" when SCTP is missing) goes to a file,
  // not into the test's output.
  const outputFd = fs.openSync(path.join(dir, 'output.txt'), 'a');
  const child = spawn(bin, args, { stdio: ['ignore', outputFd, outputFd] });
  fs.closeSync(outputFd);

  const daemon = superviseDaemon(child, dir);
  const { pid, stop } = daemon;

  try {
    if (pid === undefined) throw new Error('could not spawn it');
    await waitUntilAnswering(port, daemon.hasExited);
  } catch (error) {
    const log = readTail(logFile) || readTail(path.join(dir, 'output.txt'));
    await stop();
    throw new Error(`coturn did not start on 127.0.0.1:${port}: ${(error as Error).message}\n${log}`, {
      cause: error,
    });
  }

  return {
    port,
    urls: [`turn:127.0.0.1:${port}?transport=udp`, `turn:127.0.0.1:${port}?transport=tcp`],
    secret,
    realm,
    relayPorts,
    pid,
    logFile,
    stop,
  };
}

/** Ready means a STUN Binding request over UDP is answered: the path TURN clients take first. */
async function waitUntilAnswering(port: number, hasExited: () => boolean): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error('turnserver exited');
    if (await stunBindingAnswered(port, 200)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no STUN answer within ${READY_TIMEOUT_MS} ms`);
}

async function stunBindingAnswered(port: number, timeoutMs: number): Promise<boolean> {
  const transactionId = randomBytes(12);
  // RFC 5389 header: Binding request (0x0001), no attributes, magic cookie, transaction id.
  const request = Buffer.concat([Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]), transactionId]);
  const socket = dgram.createSocket('udp4');
  try {
    return await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      socket.on('message', (message) => {
        // A Binding success response (0x0101) to this very request.
        if (
          message.length >= 20 &&
          message.readUInt16BE(0) === 0x0101 &&
          message.subarray(8, 20).equals(transactionId)
        ) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      // ICMP port unreachable surfaces as an error on some systems: just "not yet".
      socket.on('error', () => {
        clearTimeout(timer);
        resolve(false);
      });
      socket.send(request, port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}
