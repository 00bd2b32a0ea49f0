// Starts a throwaway PostgreSQL server for a test: a fresh cluster in a temp
// folder (trust auth, loopback only, fsync off), on a free port, with one
// database. `stop()` stops exactly that server and removes the folder; a test
// process that dies first stops it on exit too.
//   const postgres = await startPostgres(); … postgres.url … await postgres.stop();
// Needs Debian's `postgresql` (scripts/setup.sh installs it for `npm test`).
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './freePort.ts';

export interface PostgresServer {
  /** postgresql://postgres@127.0.0.1:PORT/DATABASE */
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

const run = promisify(execFile);

/** The newest installed server's binaries, or POSTGRES_BIN_DIR. */
function binDir(): string {
  if (process.env.POSTGRES_BIN_DIR) return process.env.POSTGRES_BIN_DIR;
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root)
    ? fs
        .readdirSync(root)
        .filter((version) => fs.existsSync(path.join(root, version, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions[0])
    throw new Error('PostgreSQL server not found (apt-get install postgresql, or set POSTGRES_BIN_DIR)');
  return path.join(root, versions[0], 'bin');
}

export async function startPostgres(database = 'stagecast'): Promise<PostgresServer> {
  const bin = binDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-pg-'));
  const dataDir = path.join(dir, 'data');
  // PostgreSQL refuses to run as root: as root, run it as the `postgres` user.
  const asOwner = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  if (asOwner.length > 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    fs.chownSync(dir, uid, gid);
  }
  const pgCommand = (tool: string, args: string[]) => {
    const [command, ...rest] = [...asOwner, path.join(bin, tool), ...args] as [string, ...string[]];
    return run(command, rest, { timeout: 60_000 });
  };
  const stopNow = () => {
    try {
      const [command, ...rest] = [...asOwner, path.join(bin, 'pg_ctl'), '-D', dataDir, '-m', 'immediate', '-w', 'stop'];
      execFileSync(command as string, rest, { stdio: 'ignore', timeout: 30_000 });
    } catch {
      // Not running (never started, or already stopped).
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  try {
    await pgCommand('initdb', [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '--no-sync',
      '-E',
      'UTF8',
      '--locale=C',
    ]);
    const port = await startOnFreePort(pgCommand, dataDir, dir);
    process.once('exit', stopNow);
    await pgCommand('psql', [
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-U',
      'postgres',
      '-d',
      'postgres',
      '-q',
      '-c',
      `CREATE DATABASE "${database}"`,
    ]);
    return {
      url: `postgresql://postgres@127.0.0.1:${port}/${database}`,
      port,
      async stop() {
        process.off('exit', stopNow);
        await pgCommand('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
        stopNow();
      },
    };
  } catch (error) {
    process.off('exit', stopNow);
    stopNow();
    throw error;
  }
}

/** A free port can be taken between choosing and binding it: try a few. */
async function startOnFreePort(
  pgCommand: (tool: string, args: string[]) => Promise<unknown>,
  dataDir: string,
  socketDir: string,
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const options = [
      `-c listen_addresses=127.0.0.1 -p ${port} -k ${socketDir}`,
      // Throwaway data: durability off, speed on.
      '-c fsync=off -c synchronous_commit=off -c full_page_writes=off',
    ].join(' ');
    try {
      await pgCommand('pg_ctl', [
        '-D',
        dataDir,
        '-o',
        options,
        '-l',
        path.join(socketDir, 'server.log'),
        '-w',
        'start',
      ]);
      return port;
    } catch (error) {
      if (attempt >= 3) {
        const log = fs.existsSync(path.join(socketDir, 'server.log'))
          ? fs.readFileSync(path.join(socketDir, 'server.log'), 'utf8').slice(-2000)
          : '';
        throw new Error(`PostgreSQL did not start: ${(error as Error).message}\n${log}`, { cause: error });
      }
    }
  }
}
