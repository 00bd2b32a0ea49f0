// Applies pending migrations to a database: SQLite with the Prisma CLI
// (`migrate deploy` through the driver adapter: no engine download),
// PostgreSQL with prisma/postgresMigrations.ts (Prisma's PostgreSQL migrate
// commands need an engine that cannot be downloaded everywhere).
import fs from 'node:fs';
import path from 'node:path';
import { databaseProvider } from './database.ts';
import { migratePostgres } from './postgresMigrations.ts';
import { cliOutput, runPrisma, sqliteConfig } from './prismaCli.ts';

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
  if (databaseProvider(databaseUrl) === 'postgresql') {
    try {
      await migratePostgres(databaseUrl);
    } catch (error) {
      throw new MigrationError('database migration failed', String(error));
    }
    return;
  }
  fs.mkdirSync(path.dirname(databaseUrl.slice('file:'.length)), { recursive: true });
  try {
    await runPrisma(['migrate', 'deploy'], sqliteConfig, databaseUrl);
  } catch (error) {
    throw new MigrationError('database migration failed', cliOutput(error));
  }
}
