// insertRows writes what the model API would: read back through the model
// API, on both databases and (SQLite) both paths of hotStatements, the same
// values — dates to the millisecond.
// run-tests: shares the machine
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startPostgres, type PostgresServer } from '../testkit/postgres.ts';
import { openDatabase, sqliteOpenTransaction, type Database, type SqliteTransaction } from './database.ts';
import { hotStatements } from './hotStatements.ts';
import { insertRows } from './insertRows.ts';
import { prismaErrorCode, prismaErrorCodes } from './prismaErrors.ts';
import { migrateDatabase } from './migrateDatabase.ts';

const providers: Record<string, () => Promise<{ url: string; stop: () => Promise<void> }>> = {
  async sqlite() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-insert-rows-'));
    return {
      url: `file:${path.join(dir, 'test.db')}`,
      stop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  },
  async postgresql() {
    const postgres: PostgresServer = await startPostgres();
    return { url: postgres.url, stop: () => postgres.stop() };
  },
};

for (const [provider, start] of Object.entries(providers)) {
  const test = suite(`insertRows on ${provider}`);
  let database: Database;
  let stop: () => Promise<void>;

  test.before(async () => {
    const target = await start();
    stop = target.stop;
    await migrateDatabase(target.url);
    database = openDatabase(target.url);
  });
  test.after(async () => {
    await database.$disconnect();
    await stop();
  });

  test('rows read back through the model API as written, dates and nulls included, across statements', async () => {
    const session = {
      id: 's1',
      title: 'T',
      type: 'panel',
      layout: 'grid',
      status: 'live',
      primaryHostId: 'h',
      primaryHostName: 'H',
    };
    await database.liveSession.create({ data: session });
    const at = new Date(Date.UTC(2031, 0, 2, 3, 4, 5, 678));
    const rows = Array.from({ length: 1203 }, (_, index) => ({
      id: `gift-${String(index).padStart(4, '0')}`,
      senderId: `u${index % 7}`,
      senderName: `Üser "${index}" 🌹`,
      clientGiftId: `c${index}`,
      receiverId: 'h',
      sessionId: 's1',
      battleId: index % 2 === 0 ? null : 'b1',
      giftTypeId: 'rose',
      quantity: 1 + (index % 3),
      unitValue: 5,
      value: 5 * (1 + (index % 3)),
      createdAt: new Date(at.getTime() + index),
    }));
    await database.$transaction((tx) => insertRows(hotStatements(tx), 'Gift', rows));
    const read = await database.gift.findMany({ orderBy: { id: 'asc' } });
    assert.is(read.length, rows.length);
    assert.equal(read[0], rows[0]);
    assert.equal(read[1202], rows[1202]);
    // Ordering and filtering by the dates work as for rows the model API wrote.
    const later = await database.gift.count({ where: { createdAt: { gte: new Date(at.getTime() + 1200) } } });
    assert.is(later, 3);
  });

  if (provider === 'sqlite') {
    test('on SQLite, straight through the open transaction: the same rows, and only inside it', async () => {
      assert.is(sqliteOpenTransaction(database), undefined);
      const at = new Date(Date.UTC(2031, 5, 6, 7, 8, 9, 123));
      const rows = Array.from({ length: 620 }, (_, index) => ({
        id: `direct-${String(index).padStart(4, '0')}`,
        senderId: `u${index % 5}`,
        senderName: `Ünïcode "${index}" 🌹`,
        clientGiftId: `direct-c${index}`,
        receiverId: 'h',
        sessionId: 's1',
        battleId: index % 2 === 0 ? null : 'b1',
        giftTypeId: 'rose',
        quantity: 2,
        unitValue: 5,
        value: 10,
        createdAt: new Date(at.getTime() + index),
      }));
      let used: SqliteTransaction | undefined;
      await database.$transaction(async (tx) => {
        await tx.$executeRaw`UPDATE "Wallet" SET "balance" = "balance" WHERE 0`;
        used = sqliteOpenTransaction(database);
        assert.ok(used);
        await insertRows(hotStatements(tx, used), 'Gift', rows);
      });
      const read = await database.gift.findMany({ where: { id: { startsWith: 'direct-' } }, orderBy: { id: 'asc' } });
      assert.equal(read, rows);
      assert.is(await database.gift.count({ where: { createdAt: { gte: new Date(at.getTime() + 600) } } }), 20);
      // Once its transaction is over, the handle writes nothing.
      const late = await used!.execute('SELECT 1').catch((error: unknown) => error);
      assert.match(String(late), /over/);
    });
  }

  test('a duplicate key fails the whole transaction as a unique violation, through the client or direct', async () => {
    const at = new Date(Date.UTC(2031, 7, 8, 9, 10, 11, 12));
    const gift = (id: string) => ({
      id,
      senderId: 'u1',
      senderName: 'U',
      clientGiftId: id,
      receiverId: 'h',
      sessionId: 's1',
      battleId: null,
      giftTypeId: 'rose',
      quantity: 1,
      unitValue: 5,
      value: 5,
      createdAt: at,
    });
    await database.$transaction((tx) => insertRows(hotStatements(tx), 'Gift', [gift('dup-1')]));
    const paths = provider === 'sqlite' ? [false, true] : [false];
    const failures: (string | undefined)[] = [];
    for (const direct of paths) {
      const failure = await database
        .$transaction(async (tx) => {
          await tx.$executeRaw`UPDATE "Gift" SET "value" = "value" WHERE 1 = 0`;
          const statements = hotStatements(tx, direct ? sqliteOpenTransaction(database) : undefined);
          await insertRows(statements, 'Gift', [gift(`dup-new-${String(direct)}`), gift('dup-1')]);
        })
        .catch((error: unknown) => error);
      failures.push(prismaErrorCode(failure));
    }
    assert.equal(
      failures,
      paths.map(() => prismaErrorCodes.uniqueViolation),
    );
    assert.is(await database.gift.count({ where: { id: { startsWith: 'dup-new-' } } }), 0);
  });

  test('a bad identifier is refused before anything runs', async () => {
    try {
      await database.$transaction((tx) => insertRows(hotStatements(tx), 'Gift"; DROP TABLE "Gift', [{ id: 'x' }]));
      assert.unreachable();
    } catch (error) {
      assert.match(String(error), /not an identifier/);
    }
  });

  test.run();
}
