// The coin ledger against both databases it runs on: an embedded SQLite file
// and a real PostgreSQL server started for the test. Concurrent spends never
// overdraw, the same idempotency key writes once, and every wallet's ledger
// sums to its balance.
// run-tests: shares the machine
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openDatabase, type Database } from '../../prisma/database.ts';
import { migrateDatabase } from '../../prisma/migrateDatabase.ts';
import { startPostgres, type PostgresServer } from '../../testkit/postgres.ts';
import { AppError } from '../errors.ts';
import { createLogger } from '../log/logger.ts';
import { Ledger } from './Ledger.ts';
import { InsufficientBalanceError, type LedgerReceipt } from './LedgerTypes.ts';

interface Context {
  database: Database;
  ledger: Ledger;
  close: () => Promise<void>;
}

const providers: Record<string, () => Promise<Context>> = {
  async sqlite() {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-ledger-'));
    const url = `file:${path.join(dir, 'ledger.db')}`;
    await migrateDatabase(url);
    return withLedger(url, async () => fs.rmSync(dir, { recursive: true, force: true }));
  },
  async postgresql() {
    const postgres: PostgresServer = await startPostgres();
    await migrateDatabase(postgres.url);
    return withLedger(postgres.url, () => postgres.stop());
  },
};

function withLedger(url: string, cleanUp: () => Promise<void>): Context {
  const database = openDatabase(url);
  return {
    database,
    ledger: new Ledger(database, createLogger('silent')),
    async close() {
      await database.$disconnect();
      await cleanUp();
    },
  };
}

let userCount = 0;
async function createUser(database: Database): Promise<string> {
  userCount += 1;
  const user = await database.user.create({
    data: {
      email: `user${userCount}@example.test`,
      displayName: `User ${userCount}`,
      passwordHash: 'not-a-real-hash',
      wallet: { create: {} },
    },
  });
  return user.id;
}

async function settle<T>(promises: Promise<T>[]): Promise<{ ok: T[]; failed: unknown[] }> {
  const results = await Promise.allSettled(promises);
  return {
    ok: results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : [])),
    failed: results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : [])),
  };
}

async function assertBalanced(context: Context, userId: string, balance: number): Promise<void> {
  const audit = await context.ledger.audit(userId);
  assert.is(audit.balance, balance, 'balance');
  assert.is(audit.ledgerSum, audit.balance, 'the ledger sums to the balance');
}

function assertAppError(error: unknown, code: string): void {
  assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
  assert.is(error.code, code);
}

for (const [provider, open] of Object.entries(providers)) {
  const ledgerSuite = suite<{ context: Context }>(`Ledger on ${provider}`);

  ledgerSuite.before(async (state) => {
    state.context = await open();
  });
  ledgerSuite.after(async (state) => {
    await state.context.close();
  });

  ledgerSuite('100 concurrent spends against a balance that covers 50: exactly 50 succeed', async ({ context }) => {
    const userId = await createUser(context.database);
    await context.ledger.topUp(userId, 500, 'initial');
    const started = Date.now();
    const { ok, failed } = await settle(
      Array.from({ length: 100 }, (_, i) =>
        context.ledger.spend({ userId, amount: 10, kind: 'purchase', idempotencyKey: `spend-${i}` }),
      ),
    );
    const elapsedMs = Date.now() - started;
    assert.is(ok.length, 50);
    assert.is(failed.length, 50);
    assert.ok(failed.every((error) => error instanceof InsufficientBalanceError));
    // Every success saw a distinct balance on the way down: 490, 480, … 0.
    assert.equal(
      ok.map((receipt) => receipt.balance).sort((a, b) => a - b),
      Array.from({ length: 50 }, (_, i) => i * 10),
    );
    await assertBalanced(context, userId, 0);
    assert.is((await context.ledger.audit(userId)).entries, 51);
    process.stdout.write(`  ${provider}: 100 concurrent spends in ${elapsedMs} ms\n`);
  });

  ledgerSuite('the same idempotency key sent 20 times at once writes one entry', async ({ context }) => {
    const userId = await createUser(context.database);
    await context.ledger.topUp(userId, 100, 'initial');
    const receipts = await Promise.all(
      Array.from({ length: 20 }, () =>
        context.ledger.spend({ userId, amount: 5, kind: 'purchase', idempotencyKey: 'once', reference: 'item:1' }),
      ),
    );
    assert.is(new Set(receipts.map((receipt) => receipt.entry.id)).size, 1);
    assert.is(receipts.filter((receipt) => !receipt.replayed).length, 1);
    assert.ok(receipts.every((receipt) => receipt.balance === 95));
    await assertBalanced(context, userId, 95);

    // Later, after the balance moved on, the replay still answers as the first time.
    await context.ledger.spend({ userId, amount: 45, kind: 'purchase', idempotencyKey: 'other' });
    const again = await context.ledger.spend({
      userId,
      amount: 5,
      kind: 'purchase',
      idempotencyKey: 'once',
      reference: 'item:1',
    });
    assert.equal(
      { ...again, replayed: false },
      receipts.find((receipt) => !receipt.replayed),
    );
    assert.is(again.replayed, true);
    await assertBalanced(context, userId, 50);

    // A reused key for a different request is refused, not silently replayed.
    for (const changed of [{ amount: 6 }, { reference: 'item:2' }]) {
      const error = await context.ledger
        .spend({ userId, amount: 5, kind: 'purchase', idempotencyKey: 'once', reference: 'item:1', ...changed })
        .catch((caught: unknown) => caught);
      assertAppError(error, 'CONFLICT');
    }
    // Keys are per user: another user's "once" is theirs.
    const other = await createUser(context.database);
    await context.ledger.topUp(other, 10, 'initial');
    const theirs = await context.ledger.spend({ userId: other, amount: 5, kind: 'purchase', idempotencyKey: 'once' });
    assert.is(theirs.replayed, false);
  });

  ledgerSuite('opposite transfers at once neither deadlock nor create or lose coins', async ({ context }) => {
    const alice = await createUser(context.database);
    const bob = await createUser(context.database);
    await context.ledger.topUp(alice, 100, 'initial');
    await context.ledger.topUp(bob, 100, 'initial');
    const { ok, failed } = await settle(
      Array.from({ length: 60 }, (_, i) =>
        context.ledger.transfer({
          fromUserId: i % 2 ? alice : bob,
          toUserId: i % 2 ? bob : alice,
          amount: 7,
          idempotencyKey: `gift-${i}`,
          reference: 'gift:star',
        }),
      ),
    );
    assert.ok(
      failed.every((error) => error instanceof InsufficientBalanceError),
      `unexpected: ${String(failed.find((error) => !(error instanceof InsufficientBalanceError)))}`,
    );
    assert.ok(ok.length >= 30, `${ok.length} transfers succeeded`);
    const [a, b] = [await context.ledger.audit(alice), await context.ledger.audit(bob)];
    assert.is(a.balance + b.balance, 200);
    assert.is(a.ledgerSum, a.balance);
    assert.is(b.ledgerSum, b.balance);
    assert.is(a.entries + b.entries, 2 + 2 * ok.length);
  });

  ledgerSuite('a transfer writes gift_sent and gift_received; a replay writes nothing', async ({ context }) => {
    const alice = await createUser(context.database);
    const bob = await createUser(context.database);
    await context.ledger.topUp(alice, 30, 'initial');
    const gift = { fromUserId: alice, toUserId: bob, amount: 10, idempotencyKey: 'rose-1', reference: 'gift:rose' };
    const first: LedgerReceipt = await context.ledger.transfer(gift);
    assert.is(first.entry.kind, 'gift_sent');
    assert.is(first.entry.amount, -10);
    assert.is(first.balance, 20);
    assert.is((await context.ledger.transfer(gift)).entry.id, first.entry.id);
    const received = await context.ledger.summary(bob);
    assert.is(received.balance, 10);
    assert.equal(
      received.transactions.map(({ kind, amount, balanceAfter, reference }) => ({
        kind,
        amount,
        balanceAfter,
        reference,
      })),
      [{ kind: 'gift_received', amount: 10, balanceAfter: 10, reference: 'gift:rose' }],
    );
    // The same key towards someone else is a different request.
    const carol = await createUser(context.database);
    const error = await context.ledger.transfer({ ...gift, toUserId: carol }).catch((caught: unknown) => caught);
    assertAppError(error, 'CONFLICT');
    await assertBalanced(context, alice, 20);
    await assertBalanced(context, bob, 10);
  });

  ledgerSuite('bad requests are refused before anything is written', async ({ context }) => {
    const alice = await createUser(context.database);
    await context.ledger.topUp(alice, 10, 'initial');
    const cases: [string, () => Promise<unknown>][] = [
      ['INVALID_INPUT', () => context.ledger.topUp(alice, 0, 'zero')],
      ['INVALID_INPUT', () => context.ledger.topUp(alice, -5, 'negative')],
      ['INVALID_INPUT', () => context.ledger.topUp(alice, 1.5, 'fraction')],
      ['INVALID_INPUT', () => context.ledger.topUp(alice, 5, 'has:colon')],
      ['INVALID_INPUT', () => context.ledger.topUp(alice, 5, '')],
      [
        'INVALID_INPUT',
        () => context.ledger.transfer({ fromUserId: alice, toUserId: alice, amount: 1, idempotencyKey: 'self' }),
      ],
      [
        'NOT_FOUND',
        () => context.ledger.transfer({ fromUserId: alice, toUserId: 'nobody', amount: 1, idempotencyKey: 'x' }),
      ],
      ['NOT_FOUND', () => context.ledger.topUp('g_guest', 5, 'guest')],
      [
        'CONFLICT',
        () => context.ledger.spend({ userId: alice, amount: 11, kind: 'purchase', idempotencyKey: 'too-much' }),
      ],
    ];
    for (const [code, attempt] of cases) {
      const error = await Promise.resolve()
        .then(attempt)
        .then(
          () => undefined,
          (caught: unknown) => caught,
        );
      assertAppError(error, code);
    }
    await assertBalanced(context, alice, 10);
    assert.is((await context.ledger.audit(alice)).entries, 1);
  });

  ledgerSuite('the database itself refuses a negative balance (CHECK constraint)', async ({ context }) => {
    const alice = await createUser(context.database);
    const error = await context.database.wallet
      .update({ where: { userId: alice }, data: { balance: -1 } })
      .catch((caught: unknown) => caught);
    assert.ok(error instanceof Error, 'the update must fail');
    assert.is((await context.ledger.audit(alice)).balance, 0);
  });

  ledgerSuite('the gift catalogue is seeded', async ({ context }) => {
    const gifts = await context.ledger.giftTypes();
    assert.ok(gifts.length >= 5);
    assert.equal(gifts[0], { id: 'rose', name: 'Rose', coinValue: 1, icon: '🌹' });
    assert.ok(gifts.every((gift) => gift.coinValue > 0));
  });

  ledgerSuite.run();
}
