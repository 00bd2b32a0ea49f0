// Applies pending Prisma migrations to a database with the Prisma CLI
// (`migrate deploy` through the driver adapter: no engine download).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const repoRoot = path.resolve(import.meta.dirname, '..');

export class MigrationError extends Error {
  constructor(
    message: string,
    readonly output: string,
  ) {
    super(message);
    this.name = 'MigrationError';
  }
}

export async function migrateDatabase(databaseUrl: string): Promise<void> {
  if (databaseUrl.startsWith('file:')) {
    fs.mkdirSync(path.dirname(databaseUrl.slice('file:'.length)), { recursive: true });
  }
  try {
    await promisify(execFile)(
      'npx',
      ['--no-install', 'prisma', 'migrate', 'deploy', '--config', 'prisma/prisma.config.ts'],
      { cwd: repoRoot, env: { ...process.env, DATABASE_URL: databaseUrl } },
    );
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new MigrationError('database migration failed', `${stdout}${stderr}`);
  }
}
