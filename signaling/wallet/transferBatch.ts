// Many coin transfers in one database transaction: what lets a thousand gifts
// a second through SQLite's single writer (one commit per batch instead of
// one per gift; signaling/gifts/GiftWriter.ts). Same rules as Ledger.ts:
// the wallets are locked first (lockWallets), balances are read under the
// locks, a transfer the sender cannot afford is refused on its own without
// touching the others, every entry records the balance it left, and the
// idempotency keys are the ledger's (`gift_sent:<sender>:<key>`, unique).
import crypto from 'node:crypto';
import type { DatabaseProvider, DatabaseTransaction, Database } from '../../prisma/database.ts';
import type { HotStatements } from '../../prisma/hotStatements.ts';
import { insertRows } from '../../prisma/insertRows.ts';
import { sql, sqlList } from '../../prisma/rawSql.ts';
import { prismaErrorCode, prismaErrorCodes } from '../../prisma/prismaErrors.ts';
import { AppError } from '../errors.ts';
import { storedLedgerKey } from './ledgerKeys.ts';
import { MAX_BALANCE, type LedgerKind } from './LedgerTypes.ts';

export interface BatchTransfer {
  fromUserId: string;
  toUserId: string;
  amount: number;
  /** The caller's key (a gift's clientGiftId), scoped by the sender like Ledger.transfer's. */
  idempotencyKey: string;
  reference: string;
}

export type TransferOutcome = { ok: true; senderBalance: number } | { ok: false; error: AppError };

/** Gives every user a wallet (outside the transaction: creating one is not part of any transfer). */
export async function ensureWallets(database: Database, userIds: Iterable<string>): Promise<void> {
  const wanted = [...new Set(userIds)];
  if (wanted.length === 0) return;
  // Raw like the batch's statements: once per gift batch, where the client's per-query work is the cost.
  const existing = await database.$queryRaw<{ userId: string }[]>(
    sql`SELECT "userId" FROM "Wallet" WHERE "userId" IN (${sqlList(wanted)})`,
  );
  const have = new Set(existing.map((row) => row.userId));
  for (const userId of wanted.filter((id) => !have.has(id))) {
    try {
      await database.wallet.create({ data: { userId } });
    } catch (error) {
      // Made concurrently: just as good.
      if (prismaErrorCode(error) !== prismaErrorCodes.uniqueViolation) throw error;
    }
  }
}

/**
 * Takes the wallets' locks before anything is read: on SQLite the first
 * write takes the database's one writer lock; on PostgreSQL each row's lock,
 * in user-id order so two batches cannot deadlock.
 */
export async function lockWallets(
  tx: DatabaseTransaction,
  userIds: Iterable<string>,
  provider: DatabaseProvider,
): Promise<void> {
  const sorted = [...new Set(userIds)].sort();
  const now = new Date();
  if (sorted.length === 0) return;
  if (provider === 'sqlite') {
    await tx.$executeRaw(sql`UPDATE "Wallet" SET "updatedAt" = ${now} WHERE "userId" IN (${sqlList(sorted)})`);
    return;
  }
  for (const userId of sorted) await tx.wallet.updateMany({ where: { userId }, data: { updatedAt: now } });
}

/** The two entries of a transfer: the sender's and the receiver's kind. */
export interface TransferKinds {
  sent: LedgerKind;
  received: LedgerKind;
}

const GIFT_KINDS: TransferKinds = { sent: 'gift_sent', received: 'gift_received' };

interface PlannedEntry {
  walletId: string;
  amount: number;
  kind: LedgerKind;
  balanceAfter: number;
  idempotencyKey: string;
  reference: string;
}

/**
 * Transfers decided one by one in memory under the wallets' locks, then
 * written together: a caller can make each transfer part of a larger
 * decision (an order takes stock only if it could be paid) and a refused one
 * leaves the rest alone.
 */
export class TransferPlan {
  readonly #wallets: Map<string, { id: string; balance: number }>;
  readonly #startBalance: Map<string, number>;
  readonly #entries: PlannedEntry[] = [];

  private constructor(wallets: { id: string; userId: string; balance: number }[]) {
    this.#wallets = new Map(wallets.map((wallet) => [wallet.userId, { id: wallet.id, balance: wallet.balance }]));
    this.#startBalance = new Map(wallets.map((wallet) => [wallet.userId, wallet.balance]));
  }

  /** Reads the users' wallets (the caller holds their locks: lockWallets). */
  static async read(statements: HotStatements, userIds: Iterable<string>): Promise<TransferPlan> {
    const wanted = [...new Set(userIds)];
    if (wanted.length === 0) return new TransferPlan([]);
    // Hand-written like the writes below: at a thousand gifts a second the client's per-query work was the cost.
    const wallets = await statements.query<{ id: string; userId: string; balance: number | bigint }>(
      sql`SELECT "id", "userId", "balance" FROM "Wallet" WHERE "userId" IN (${sqlList(wanted)})`,
    );
    return new TransferPlan(wallets.map((wallet) => ({ ...wallet, balance: Number(wallet.balance) })));
  }

  /** Decides one transfer against the balances so far; an accepted one is written by write(). */
  try(transfer: BatchTransfer, kinds: TransferKinds = GIFT_KINDS): TransferOutcome {
    const sender = this.#wallets.get(transfer.fromUserId);
    const receiver = this.#wallets.get(transfer.toUserId);
    if (!sender || !receiver) return { ok: false, error: new AppError('NOT_FOUND', 'no wallet for this user') };
    if (transfer.fromUserId === transfer.toUserId) {
      return { ok: false, error: new AppError('INVALID_INPUT', 'you cannot send coins to yourself') };
    }
    if (sender.balance < transfer.amount) {
      const missing = transfer.amount - sender.balance;
      return {
        ok: false,
        error: new AppError(
          'INSUFFICIENT_COINS',
          `not enough coins: this costs ${transfer.amount}, ${missing} more than you have`,
        ),
      };
    }
    if (receiver.balance > MAX_BALANCE - transfer.amount) {
      return { ok: false, error: new AppError('CONFLICT', "the receiver's wallet is full") };
    }
    sender.balance -= transfer.amount;
    receiver.balance += transfer.amount;
    const keyOf = (kind: LedgerKind) => storedLedgerKey(kind, transfer.fromUserId, transfer.idempotencyKey);
    this.#entries.push(
      {
        walletId: sender.id,
        amount: -transfer.amount,
        kind: kinds.sent,
        balanceAfter: sender.balance,
        idempotencyKey: keyOf(kinds.sent),
        reference: transfer.reference,
      },
      {
        walletId: receiver.id,
        amount: transfer.amount,
        kind: kinds.received,
        balanceAfter: receiver.balance,
        idempotencyKey: keyOf(kinds.received),
        reference: transfer.reference,
      },
    );
    return { ok: true, senderBalance: sender.balance };
  }

  /** A user's balance as the plan stands (the wallet must have been read). */
  balanceOf(userId: string): number {
    return this.#wallets.get(userId)?.balance ?? 0;
  }

  /** Writes the accepted transfers: the balances' changes and the ledger entries. */
  async write(statements: HotStatements): Promise<void> {
    if (this.#entries.length === 0) return;
    // Increments, not the computed balances: under the locks they are the same,
    // and the CHECK (balance >= 0) of the migrations stays the last word.
    // One statement per distinct change, not per wallet: a batch's senders
    // mostly change by the same few amounts, and each statement costs the
    // database client far more than its rows do.
    const usersByDelta = new Map<number, string[]>();
    for (const [userId, wallet] of this.#wallets) {
      const delta = wallet.balance - this.#startBalance.get(userId)!;
      if (delta !== 0) usersByDelta.set(delta, [...(usersByDelta.get(delta) ?? []), userId]);
    }
    for (const [delta, changed] of usersByDelta) {
      await statements.execute(
        sql`UPDATE "Wallet" SET "balance" = "balance" + ${delta} WHERE "userId" IN (${sqlList(changed)})`,
      );
    }
    // One multi-row statement without the client's per-query work (the gift path's hot spot).
    const now = new Date();
    await insertRows(
      statements,
      'CoinTransaction',
      this.#entries.map((entry) => ({ id: crypto.randomUUID(), ...entry, createdAt: now })),
    );
    this.#entries.length = 0;
    for (const [userId, wallet] of this.#wallets) this.#startBalance.set(userId, wallet.balance);
  }
}

/**
 * Applies the transfers in order, inside a transaction holding the wallets'
 * locks. Refused transfers (too few coins, a full wallet) write nothing and
 * leave the rest alone.
 */
export async function applyTransfers(
  statements: HotStatements,
  transfers: readonly BatchTransfer[],
): Promise<TransferOutcome[]> {
  const plan = await TransferPlan.read(
    statements,
    transfers.flatMap((transfer) => [transfer.fromUserId, transfer.toUserId]),
  );
  const outcomes = transfers.map((transfer) => plan.try(transfer));
  await plan.write(statements);
  return outcomes;
}
