// Applies prisma/postgres/migrations to a PostgreSQL database. Prisma's own
// `migrate deploy` cannot talk to PostgreSQL where its schema engine cannot
// be downloaded (docs/database.md), but the runtime driver adapter can, so
// this runner does the same job through it:
// - each pending migration, in folder order, runs inside its own transaction
//   together with the row that records it, so it applies fully or not at all;
// - the record is Prisma's own `_prisma_migrations` table (same columns, same
//   checksum: SHA-256 of migration.sql), so `prisma migrate deploy/status`
//   agree with it wherever they work;
// - a transaction-level advisory lock (Prisma's key) serialises concurrent
//   runners, e.g. several nodes starting at once, and each runner re-checks
//   the record under the lock, so running it again is a no-op;
// - a migration that was changed after it was applied is an error.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase, type Database } from './database.ts';

export const postgresMigrationsDir = path.join(import.meta.dirname, 'postgres', 'migrations');

/** Prisma's advisory lock key for migrations. */
const MIGRATION_LOCK_KEY = 72707369;
/** Migrations may rewrite big tables: no Prisma transaction timeout worth hitting. */
const MIGRATION_TIMEOUT_MS = 30 * 60_000;

export interface PostgresMigration {
  name: string;
  sql: string;
  checksum: string;
}

export class PostgresMigrationError extends Error {
  constructor(
    readonly migration: string,
    problem: string,
  ) {
    super(`migration ${migration} ${problem}`);
    this.name = 'PostgresMigrationError';
  }
}

/** The migrations in a folder, in the order they apply (folder names start with a timestamp). */
export function readPostgresMigrations(dir = postgresMigrationsDir): PostgresMigration[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && fs.existsSync(path.join(dir, entry.name, 'migration.sql')))
    .map((entry) => entry.name)
    .sort()
    .map((name) => {
      const sql = fs.readFileSync(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: crypto.createHash('sha256').update(sql).digest('hex') };
    });
}

/** Applies what is pending; returns the names of the migrations it applied. */
export async function migratePostgres(databaseUrl: string, dir = postgresMigrationsDir): Promise<string[]> {
  const migrations = readPostgresMigrations(dir);
  const database = openDatabase(databaseUrl);
  const applied: string[] = [];
  try {
    await createRecordTable(database);
    for (const migration of migrations) {
      if (await applyIfPending(database, migration)) applied.push(migration.name);
    }
    return applied;
  } finally {
    await database.$disconnect();
  }
}

/** Prisma's table, exactly as its migrate commands create it (under the lock: concurrent creates collide). */
async function createRecordTable(database: Database): Promise<void> {
  await database.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
      await tx.$executeRawUnsafe(`CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0
    )`);
    },
    { maxWait: MIGRATION_TIMEOUT_MS, timeout: MIGRATION_TIMEOUT_MS },
  );
}

async function applyIfPending(database: Database, migration: PostgresMigration): Promise<boolean> {
  try {
    return await database.$transaction(
      async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`;
        const records = await tx.$queryRaw<{ checksum: string; finished: boolean }[]>`
          SELECT "checksum", "finished_at" IS NOT NULL AS "finished" FROM "_prisma_migrations"
          WHERE "migration_name" = ${migration.name} AND "rolled_back_at" IS NULL`;
        const record = records[0];
        if (record && !record.finished) {
          throw new PostgresMigrationError(migration.name, 'is recorded as failed: resolve it by hand first');
        }
        if (record) {
          if (record.checksum !== migration.checksum) {
            throw new PostgresMigrationError(migration.name, 'was changed after it was applied');
          }
          return false;
        }
        // A query without parameters goes over PostgreSQL's simple protocol,
        // which runs a script of several statements.
        await tx.$executeRawUnsafe(migration.sql);
        await tx.$executeRaw`
          INSERT INTO "_prisma_migrations" ("id", "checksum", "migration_name", "finished_at", "applied_steps_count")
          VALUES (${crypto.randomUUID()}, ${migration.checksum}, ${migration.name}, now(), 1)`;
        return true;
      },
      { maxWait: MIGRATION_TIMEOUT_MS, timeout: MIGRATION_TIMEOUT_MS },
    );
  } catch (error) {
    if (error instanceof PostgresMigrationError) throw error;
    throw new PostgresMigrationError(migration.name, `failed: ${databaseMessage(error)}`);
  }
}

/** PostgreSQL's own words (code and message) rather than Prisma's multi-line wrapper. */
function databaseMessage(error: unknown): string {
  const cause = (
    error as { meta?: { driverAdapterError?: { cause?: { originalCode?: unknown; originalMessage?: unknown } } } }
  ).meta?.driverAdapterError?.cause;
  if (typeof cause?.originalMessage === 'string') return `${String(cause.originalCode ?? '')} ${cause.originalMessage}`;
  return error instanceof Error ? error.message.trim() : String(error);
}
