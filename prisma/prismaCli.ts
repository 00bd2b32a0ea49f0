// Runs the project's Prisma CLI (never a downloaded one: `--no-install`).
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

export const repoRoot = path.resolve(import.meta.dirname, '..');
export const sqliteConfig = 'prisma/prisma.config.ts';
export const postgresConfig = 'prisma/postgres/prisma.config.ts';

/**
 * `prisma <args> --config <config>`. DATABASE_URL must be set even when no
 * connection is made, or the CLI tries to download a query engine.
 */
export async function runPrisma(
  args: string[],
  config: string,
  databaseUrl: string,
): Promise<{ stdout: string; stderr: string }> {
  return promisify(execFile)('npx', ['--no-install', 'prisma', ...args, '--config', config], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: databaseUrl },
    maxBuffer: 16 * 1024 * 1024,
  });
}

/** The CLI's output of a failed run (execFile attaches it to the error). */
export function cliOutput(error: unknown): string {
  const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
  return `${stdout}${stderr}`;
}
