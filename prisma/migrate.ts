// Applies pending migrations to the configured database (run by `npm start`).
// Reads DATABASE_URL / DATA_DIR through the same config module as the server,
// so both always agree on which database they mean.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfigOrExit } from '../signaling/config/config.ts';

const config = loadConfigOrExit();
const repoRoot = path.resolve(import.meta.dirname, '..');

if (config.databaseUrl.startsWith('file:')) {
  fs.mkdirSync(path.dirname(config.databaseUrl.slice('file:'.length)), { recursive: true });
}
try {
  execFileSync('npx', ['--no-install', 'prisma', 'migrate', 'deploy', '--config', 'prisma/prisma.config.ts'], {
    cwd: repoRoot,
    env: { ...process.env, DATABASE_URL: config.databaseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
} catch (error) {
  const output = error as { stdout?: Buffer; stderr?: Buffer };
  process.stderr.write(`${output.stdout?.toString() ?? ''}${output.stderr?.toString() ?? ''}`);
  process.stderr.write('stagecast: database migration failed\n');
  process.exit(1);
}
