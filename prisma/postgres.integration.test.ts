// PostgreSQL for real (a server started for this test): the migration
// runner (applies in order, records in Prisma's table, idempotent, atomic per
// migration, safe to run concurrently, refuses edited history), and a whole
// node running on PostgreSQL.
// run-tests: shares the machine
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { registerAccount, request } from '../testkit/accountClient.ts';
import { startPostgres, type PostgresServer } from '../testkit/postgres.ts';
import { startTestServer } from '../testkit/testServer.ts';
import { openDatabase } from './database.ts';
import { migrateDatabase } from './migrateDatabase.ts';
import { migratePostgres, postgresMigrationsDir, readPostgresMigrations } from './postgresMigrations.ts';

let postgres: PostgresServer;
let scratchDir: string;
let databaseCount = 0;

test.before(async () => {
  postgres = await startPostgres();
  scratchDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-pg-migrations-'));
});
test.after(async () => {
  await postgres.stop();
  fs.rmSync(scratchDir, { recursive: true, force: true });
});

/** A fresh, empty database on the test server. */
async function freshDatabase(): Promise<string> {
  databaseCount += 1;
  const name = `test_${databaseCount}`;
  const admin = openDatabase(postgres.url);
  try {
    await admin.$executeRawUnsafe(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.$disconnect();
  }
  return postgres.url.replace(/\/[^/]+$/, `/${name}`);
}

/** A migrations folder with the given migrations (name → SQL). */
function migrationsFolder(migrations: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(scratchDir, 'migrations-'));
  for (const [name, sql] of Object.entries(migrations)) {
    fs.mkdirSync(path.join(dir, name));
    fs.writeFileSync(path.join(dir, name, 'migration.sql'), sql);
  }
  return dir;
}

async function tables(url: string): Promise<string[]> {
  const database = openDatabase(url);
  try {
    const rows = await database.$queryRaw<{ name: string }[]>`
      SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`;
    return rows.map((row) => row.name);
  } finally {
    await database.$disconnect();
  }
}

test('the shipped migrations apply in order, are recorded like Prisma records them, and apply once', async () => {
  const url = await freshDatabase();
  const shipped = readPostgresMigrations();
  assert.equal(
    await migratePostgres(url),
    shipped.map((migration) => migration.name),
  );
  assert.equal(await migratePostgres(url), [], 'a second run has nothing to do');
  for (const table of [
    'LiveSession',
    'User',
    'RefreshToken',
    'Channel',
    'Follow',
    'Wallet',
    'CoinTransaction',
    'GiftType',
  ]) {
    assert.ok((await tables(url)).includes(table), table);
  }
  const database = openDatabase(url);
  try {
    const records = await database.$queryRaw<
      { migration_name: string; checksum: string; applied_steps_count: number }[]
    >`
      SELECT migration_name, checksum, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name`;
    assert.equal(
      records,
      shipped.map((migration) => ({
        migration_name: migration.name,
        checksum: migration.checksum,
        applied_steps_count: 1,
      })),
    );
  } finally {
    await database.$disconnect();
  }
  assert.is(postgresMigrationsDir, path.join(import.meta.dirname, 'postgres', 'migrations'));
});

test('a failing migration leaves nothing behind; the ones before it stay applied', async () => {
  const url = await freshDatabase();
  const dir = migrationsFolder({
    '001_first': 'CREATE TABLE "first" ("id" INTEGER PRIMARY KEY);',
    '002_broken': 'CREATE TABLE "half" ("id" INTEGER PRIMARY KEY);\nINSERT INTO "nowhere" VALUES (1);',
    '003_never': 'CREATE TABLE "never" ("id" INTEGER PRIMARY KEY);',
  });
  const error = await migratePostgres(url, dir).catch((caught: unknown) => caught);
  assert.instance(error, Error);
  assert.match(String(error), /migration 002_broken failed: .*nowhere/);
  assert.equal(await tables(url), ['_prisma_migrations', 'first']);

  fs.writeFileSync(path.join(dir, '002_broken', 'migration.sql'), 'CREATE TABLE "half" ("id" INTEGER PRIMARY KEY);');
  assert.equal(await migratePostgres(url, dir), ['002_broken', '003_never'], 'fixed, it carries on');
});

test('runners started at once apply each migration exactly once', async () => {
  const url = await freshDatabase();
  const results = await Promise.all(Array.from({ length: 4 }, () => migratePostgres(url)));
  assert.equal(
    results.flat().sort(),
    readPostgresMigrations()
      .map((migration) => migration.name)
      .sort(),
  );
});

test('a migration edited after it was applied is an error, not silently skipped', async () => {
  const url = await freshDatabase();
  const dir = migrationsFolder({ '001_first': 'CREATE TABLE "first" ("id" INTEGER PRIMARY KEY);' });
  await migratePostgres(url, dir);
  fs.writeFileSync(path.join(dir, '001_first', 'migration.sql'), 'CREATE TABLE "first" ("id" BIGINT PRIMARY KEY);');
  const error = await migratePostgres(url, dir).catch((caught: unknown) => caught);
  assert.match(String(error), /migration 001_first was changed after it was applied/);
});

test('a whole node runs on PostgreSQL: migrate at start, health, accounts, wallet', async () => {
  const url = await freshDatabase();
  await migrateDatabase(url);
  const server = await startTestServer({ DATABASE_URL: url });
  try {
    const health = await request<never>(server.url, 'GET', '/health');
    assert.is((health.body as unknown as { database: string }).database, 'up');
    const account = await registerAccount(server.url);
    const refreshed = await request(server.url, 'POST', '/api/auth/refresh', { refreshToken: account.refreshToken });
    assert.is(refreshed.status, 200);
    const reuse = await request(server.url, 'POST', '/api/auth/refresh', { refreshToken: account.refreshToken });
    assert.is(reuse.status, 401);
    const wallet = await request<{ balance: number }>(server.url, 'GET', '/api/wallet', { token: account.token });
    assert.is(wallet.body.ok && wallet.body.data.balance, 0);
    const session = await request(server.url, 'POST', '/api/multihost', {
      token: account.token,
      body: { title: 'On PG' },
    });
    assert.is(session.status, 201, 'sessions are stored in PostgreSQL too');
  } finally {
    await server.close();
  }
});

test.run();
