// A server the bench starts as a child process: spawned (optionally under
// `taskset`), its stdout watched for the line that says it is ready, and
// stopped again by its own pid only.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

export interface StartedChild {
  readonly pid: number;
  /** The first match of `readyPattern`'s first group. */
  readonly ready: string;
  /** False once the process has exited. */
  readonly alive: boolean;
  /** The child's last output lines, for error messages. */
  tail(): string;
  stop(graceMs?: number): Promise<void>;
}

export interface ChildSpec {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Matched against stdout; group 1 is returned as `ready`. */
  readyPattern: RegExp;
  timeoutMs: number;
  /** CPU list for `taskset -c` (e.g. "0"); undefined runs unpinned. */
  cpuList?: string | undefined;
}

/** Children still running: stopped on the way out, whatever ends the bench. */
const runningChildren = new Set<ChildProcess>();
/** Temporary folders of those children (their databases), removed on the way out too. */
const temporaryDirs = new Set<string>();
process.once('exit', () => {
  for (const child of runningChildren) child.kill('SIGKILL');
  for (const dir of temporaryDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** Removes `dir` when this process exits, unless `forget` ran first. */
export function removeOnExit(dir: string): { forget(): void } {
  temporaryDirs.add(dir);
  return { forget: () => temporaryDirs.delete(dir) };
}

/** Asks every child this process started to stop (SIGTERM); for signal handlers. */
export function terminateAllChildren(): void {
  for (const child of runningChildren) child.kill('SIGTERM');
}

export async function startChild(spec: ChildSpec): Promise<StartedChild> {
  const [command, args] = spec.cpuList
    ? ['taskset', ['-c', spec.cpuList, spec.command, ...spec.args]]
    : [spec.command, spec.args];
  const child = spawn(command, args, { cwd: spec.cwd, env: spec.env, stdio: ['ignore', 'pipe', 'pipe'] });
  runningChildren.add(child);
  child.once('exit', () => runningChildren.delete(child));
  const lines: string[] = [];
  const remember = (chunk: Buffer) => {
    lines.push(...chunk.toString().split('\n').filter(Boolean));
    if (lines.length > 40) lines.splice(0, lines.length - 40);
  };
  child.stderr?.on('data', remember);
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));

  let readyCleanup = () => {};
  const ready = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => fail(new Error(`not ready within ${spec.timeoutMs} ms`)), spec.timeoutMs);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      kill(child);
      reject(new Error(`${spec.command} ${spec.args.join(' ')}: ${error.message}\n${lines.join('\n')}`));
    };
    const onData = (chunk: Buffer) => {
      remember(chunk);
      stdout += chunk.toString();
      const match = spec.readyPattern.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      // Keep draining stdout so the child never blocks on a full pipe.
      child.stdout?.on('data', remember);
      resolve(match[1] ?? match[0]);
    };
    child.stdout?.on('data', onData);
    const onEarlyExit = (code: number | null, signal: string | null) =>
      fail(new Error(`exited early (code ${code}, signal ${signal})`));
    child.once('error', fail);
    child.once('exit', onEarlyExit);
    readyCleanup = () => child.off('exit', onEarlyExit);
  });
  readyCleanup();

  return {
    pid: child.pid!,
    ready,
    get alive() {
      return !exited;
    },
    tail: () => lines.join('\n'),
    async stop(graceMs = 8000) {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => kill(child), graceMs);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}

function kill(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
