// The life of a server program a test starts (coturn, redis-server): found
// on PATH, stopped by its PID (SIGTERM, then SIGKILL if it lingers), killed
// on exit if the test process dies first, its throwaway folder removed.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const STOP_TIMEOUT_MS = 5_000;

export interface TestDaemon {
  /** Undefined when it could not be spawned. */
  readonly pid: number | undefined;
  hasExited(): boolean;
  /** Stops it (by its PID) and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

/** The program's path on PATH; the error says which Debian package has it. */
export function resolveOnPath(program: string, aptPackage: string, env: NodeJS.ProcessEnv = process.env): string {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, program);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      return file;
    } catch {
      // Not in this folder; try the next.
    }
  }
  throw new Error(`${program} not found on PATH: apt-get install ${aptPackage} (\`npm test\` set-up does this)`);
}

/** Watches a spawned program that owns `dir`. */
export function superviseDaemon(child: ChildProcess, dir: string): TestDaemon {
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    // spawn failures (ENOENT, EACCES) emit 'error' and no 'exit'.
    child.once('error', () => {
      exited = true;
      resolve();
    });
  });
  const pid = child.pid;

  // If the test process dies without calling stop(), do not leave the program behind.
  const killOnExit = () => {
    if (pid !== undefined && !exited) signal(pid, 'SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);

  let stopped = false;
  return {
    pid,
    hasExited: () => exited,
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', killOnExit);
      if (pid !== undefined && !exited) {
        signal(pid, 'SIGTERM');
        if (!(await settlesWithin(exitedPromise, STOP_TIMEOUT_MS)) && !exited) {
          signal(pid, 'SIGKILL');
          await settlesWithin(exitedPromise, STOP_TIMEOUT_MS);
        }
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The last lines of a log, for the error when a program did not start. */
export function readTail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '';
  }
}

/** Signals our child; ESRCH only means it exited before its 'exit' event reached us. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
