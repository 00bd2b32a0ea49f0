// The embedded database keeps one connection through Prisma's transactions:
// its settings hold after them, a rolled-back transaction leaves nothing and
// no transaction open, concurrent transactions and reads still serialize,
// and a statement cannot slip into another's open transaction.
// run-tests: shares the machine
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createClient } from '@libsql/client';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openDatabase, tuneDatabase, type Database } from './database.ts';
import { OneConnectionClient } from './sqliteOneConnection.ts';

const test = suite('SQLite through one connection');
let dir: string;
let url: string;
let database: Database;

test.before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-one-connection-'));
  url = `file:${path.join(dir, 'test.db')}`;
  database = openDatabase(url);
  await tuneDatabase(database, url);
  await database.$executeRawUnsafe('CREATE TABLE "Counter" ("id" TEXT PRIMARY KEY, "value" INTEGER NOT NULL)');
  await database.$executeRawUnsafe(`INSERT INTO "Counter" VALUES ('c', 0)`);
});
test.after(async () => {
  await database.$disconnect();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function synchronousMode(): Promise<number> {
  const [row] = await database.$queryRawUnsafe<{ synchronous: number | bigint }[]>('PRAGMA synchronous');
  return Number(row!.synchronous);
}

async function counter(): Promise<number> {
  const [row] = await database.$queryRawUnsafe<{ value: number | bigint }[]>(
    `SELECT "value" FROM "Counter" WHERE "id" = 'c'`,
  );
  return Number(row!.value);
}

test('synchronous = NORMAL still holds after transactions (a new connection would be back at FULL)', async () => {
  assert.is(await synchronousMode(), 1);
  for (let i = 0; i < 3; i++) {
    await database.$transaction((tx) => tx.$executeRawUnsafe(`UPDATE "Counter" SET "value" = "value" + 1`));
  }
  assert.is(await synchronousMode(), 1);
  assert.is(await counter(), 3);
});

test('a rolled-back transaction writes nothing and leaves no transaction open', async () => {
  const before = await counter();
  const outcome = await database
    .$transaction(async (tx) => {
      await tx.$executeRawUnsafe(`UPDATE "Counter" SET "value" = "value" + 100`);
      throw new Error('changed my mind');
    })
    .catch((error: unknown) => error);
  assert.instance(outcome, Error);
  assert.match((outcome as Error).message, 'changed my mind');
  assert.is(await counter(), before);
  // Committed at once, not held in a transaction left open: another connection sees it.
  await database.$executeRawUnsafe(`UPDATE "Counter" SET "value" = "value" + 1`);
  const other = createClient({ url });
  try {
    const result = await other.execute(`SELECT "value" FROM "Counter" WHERE "id" = 'c'`);
    assert.is(Number(result.rows[0]!['value']), before + 1);
  } finally {
    other.close();
  }
});

test('concurrent transactions and reads all complete, each transaction whole', async () => {
  const before = await counter();
  const writes = Array.from({ length: 40 }, () =>
    database.$transaction(async (tx) => {
      const [row] = await tx.$queryRawUnsafe<{ value: number | bigint }[]>(
        `SELECT "value" FROM "Counter" WHERE "id" = 'c'`,
      );
      // Read, then write what was read plus one: a lost update if two transactions interleaved.
      await tx.$executeRawUnsafe(`UPDATE "Counter" SET "value" = ${Number(row!.value) + 1}`);
    }),
  );
  const reads = Array.from({ length: 40 }, () => counter());
  await Promise.all([...writes, ...reads]);
  assert.is(await counter(), before + 40);
});

test('a statement outside an open transaction is refused, not joined to it', async () => {
  const client = new OneConnectionClient(createClient({ url }));
  try {
    const transaction = await client.transaction('deferred');
    await transaction.execute(`UPDATE "Counter" SET "value" = "value" + 1000`);
    const refused = await client.execute('SELECT 1').catch((error: unknown) => error);
    assert.match(String(refused), /in a transaction/);
    await transaction.rollback();
    assert.ok(transaction.closed);
    const result = await client.execute(`SELECT "value" FROM "Counter" WHERE "id" = 'c'`);
    assert.ok(Number(result.rows[0]!['value']) < 1000);
  } finally {
    client.close();
  }
});

test.run();
