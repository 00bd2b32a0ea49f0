// The coin ledger: every change to a balance is one ledger entry (two for a
// transfer), written in the same database transaction as the balance, and
// each request carries an idempotency key so a retried request writes
// nothing new and gets the first answer back.
//
// A balance can never go negative, on SQLite and PostgreSQL alike, because
// inside the one transaction:
// 1. every wallet the request touches is written first, in user-id order:
//    on SQLite the first write takes the single writer lock before anything
//    is read; on PostgreSQL it takes the rows' locks, so requests on the same
//    wallet queue here and opposite transfers cannot deadlock;
// 2. under those locks the idempotency key is looked up: a twin of this
//    request has either committed (replay: roll back, answer as it did) or
//    has not started;
// 3. debits are conditional (`balance = balance - n WHERE balance >= n`) and
//    a row count of 0 means too little money; the migrations add a CHECK
//    (balance >= 0) behind that;
// 4. then the entries are inserted, each with the balance it left.
import type { Logger } from 'pino';
import { z } from 'zod';
import type { Database, DatabaseTransaction } from '../../prisma/database.ts';
import { prismaErrorCode, prismaErrorCodes } from '../../prisma/prismaErrors.ts';
import { AppError } from '../errors.ts';
import { checkStoredRow } from '../storedRow.ts';
import type { WalletHistoryPage } from '../protocol/wallet.ts';
import { storedLedgerKey } from './ledgerKeys.ts';
import {
  InsufficientBalanceError,
  ledgerKinds,
  MAX_AMOUNT,
  MAX_BALANCE,
  type CreditRequest,
  type GiftTypeView,
  type LedgerEntry,
  type LedgerKind,
  type LedgerReceipt,
  type SpendRequest,
  type TransferRequest,
  type WalletSummary,
} from './LedgerTypes.ts';

type Transaction = DatabaseTransaction;

/** One wallet's side of a request. The first leg is the caller's. */
interface Leg {
  userId: string;
  /** Signed. */
  amount: number;
  kind: LedgerKind;
  storedKey: string;
}

/** A CoinTransaction row as read. */
export interface EntryRow {
  id: string;
  amount: number;
  kind: string;
  balanceAfter: number;
  reference: string | null;
  createdAt: Date;
}

/** Rolls the transaction back: the request was answered before. */
class Replay {
  constructor(
    readonly entry: EntryRow,
    readonly sameRequest: boolean,
  ) {}
}

const TRANSACTION_OPTIONS = {
  /** Requests queue for the writer lock (SQLite) or a pooled connection (PostgreSQL). */
  maxWait: 15_000,
  timeout: 15_000,
};
const CONFLICT_RETRIES = 3;
const RECENT_ENTRIES = 20;

export class Ledger {
  readonly #database: Database;
  readonly #logger: Logger;

  constructor(database: Database, logger: Logger) {
    this.#database = database;
    this.#logger = logger.child({ component: 'ledger' });
  }

  /** Coins from outside the economy: an admin top-up or a reward. */
  credit(request: CreditRequest): Promise<LedgerReceipt> {
    const amount = checkedAmount(request.amount);
    const leg = {
      userId: request.userId,
      amount,
      kind: request.kind,
      storedKey: storedLedgerKey(request.kind, request.userId, request.idempotencyKey),
    };
    return this.#post([leg], request.reference);
  }

  /**
   * A credit written inside the caller's transaction, with what it pays for
   * (a battle's reward with its result): both commit or neither. The caller
   * takes the wallet's lock by writing it first (this does, when it is the
   * first write). A replay (same key) writes nothing and answers as before.
   * The wallet must exist: call ensureWallet before the transaction (on
   * SQLite a write outside it would wait for its lock).
   */
  creditWithin(tx: DatabaseTransaction, request: CreditRequest): Promise<LedgerReceipt> {
    const amount = checkedAmount(request.amount);
    return this.#writeWithin(
      tx,
      {
        userId: request.userId,
        amount,
        kind: request.kind,
        storedKey: storedLedgerKey(request.kind, request.userId, request.idempotencyKey),
      },
      request.reference,
    );
  }

  /**
   * A debit written inside the caller's transaction, with what it pays for
   * (an unlocked effect with its row), as creditWithin; fails with
   * InsufficientBalanceError, which rolls the caller's transaction back.
   */
  spendWithin(tx: DatabaseTransaction, request: SpendRequest): Promise<LedgerReceipt> {
    const amount = checkedAmount(request.amount);
    return this.#writeWithin(
      tx,
      {
        userId: request.userId,
        amount: -amount,
        kind: request.kind,
        storedKey: storedLedgerKey(request.kind, request.userId, request.idempotencyKey),
      },
      request.reference,
    );
  }

  async #writeWithin(tx: DatabaseTransaction, leg: Leg, reference: string | undefined): Promise<LedgerReceipt> {
    try {
      return await this.#write(tx, [leg], reference);
    } catch (error) {
      if (error instanceof Replay) return replayReceipt(error, this.#logger);
      throw error;
    }
  }

  topUp(userId: string, amount: number, idempotencyKey: string): Promise<LedgerReceipt> {
    return this.credit({ userId, amount, kind: 'topup', idempotencyKey });
  }

  /** Coins leaving the economy (a purchase); fails with InsufficientBalanceError. */
  spend(request: SpendRequest): Promise<LedgerReceipt> {
    const amount = checkedAmount(request.amount);
    const leg = {
      userId: request.userId,
      amount: -amount,
      kind: request.kind,
      storedKey: storedLedgerKey(request.kind, request.userId, request.idempotencyKey),
    };
    return this.#post([leg], request.reference);
  }

  /** Coins from one user to another (a gift); fails with InsufficientBalanceError. */
  transfer(request: TransferRequest): Promise<LedgerReceipt> {
    const amount = checkedAmount(request.amount);
    if (request.fromUserId === request.toUserId) throw new AppError('INVALID_INPUT', 'cannot send coins to yourself');
    const sent: Leg = {
      userId: request.fromUserId,
      amount: -amount,
      kind: 'gift_sent',
      storedKey: storedLedgerKey('gift_sent', request.fromUserId, request.idempotencyKey),
    };
    const received: Leg = {
      userId: request.toUserId,
      amount,
      kind: 'gift_received',
      storedKey: storedLedgerKey('gift_received', request.fromUserId, request.idempotencyKey),
    };
    return this.#post([sent, received], request.reference);
  }

  async summary(userId: string, limit = RECENT_ENTRIES): Promise<WalletSummary> {
    const wallet = await this.#database.wallet.findUnique({
      where: { userId },
      include: { transactions: { orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: limit } },
    });
    return {
      balance: wallet?.balance ?? 0,
      transactions: (wallet?.transactions ?? []).map((row) => toEntry(row, this.#logger)),
    };
  }

  /**
   * A page of the wallet's entries, newest first, older than the entry
   * `before` (a `next` from the previous page). A `before` that is not an
   * entry of this wallet is refused: ids of other wallets say nothing here.
   */
  async history(userId: string, { before, limit }: { before?: string; limit: number }): Promise<WalletHistoryPage> {
    const wallet = await this.#database.wallet.findUnique({ where: { userId } });
    if (!wallet) return { entries: [], next: null };
    const order = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];
    let older = {};
    if (before !== undefined) {
      const cursor = await this.#database.coinTransaction.findFirst({ where: { id: before, walletId: wallet.id } });
      if (!cursor) throw new AppError('INVALID_INPUT', 'before: not an entry of your wallet');
      older = {
        OR: [{ createdAt: { lt: cursor.createdAt } }, { createdAt: cursor.createdAt, id: { lt: cursor.id } }],
      };
    }
    // One more than asked: whether an older page exists.
    const rows = await this.#database.coinTransaction.findMany({
      where: { walletId: wallet.id, ...older },
      orderBy: order,
      take: limit + 1,
    });
    const entries = rows.slice(0, limit).map((row) => toEntry(row, this.#logger));
    return { entries, next: rows.length > limit ? (entries.at(-1)?.id ?? null) : null };
  }

  /** The balance and the sum of the wallet's entries, which must be equal. */
  async audit(userId: string): Promise<{ balance: number; ledgerSum: number; entries: number }> {
    const wallet = await this.#database.wallet.findUnique({ where: { userId } });
    if (!wallet) return { balance: 0, ledgerSum: 0, entries: 0 };
    const sum = await this.#database.coinTransaction.aggregate({
      where: { walletId: wallet.id },
      _sum: { amount: true },
      _count: true,
    });
    return { balance: wallet.balance, ledgerSum: sum._sum.amount ?? 0, entries: sum._count };
  }

  async giftTypes(): Promise<GiftTypeView[]> {
    const rows = await this.#database.giftType.findMany({ orderBy: [{ sortOrder: 'asc' }, { id: 'asc' }] });
    return rows.map(({ id, name, coinValue, icon }) => ({ id, name, coinValue, icon }));
  }

  async #post(legs: [Leg, ...Leg[]], reference: string | undefined): Promise<LedgerReceipt> {
    for (const leg of legs) await this.#ensureWallet(leg.userId);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#database.$transaction((tx) => this.#write(tx, legs, reference), TRANSACTION_OPTIONS);
      } catch (error) {
        if (error instanceof Replay) return replayReceipt(error, this.#logger);
        const code = prismaErrorCode(error);
        if (code === prismaErrorCodes.uniqueViolation) {
          // A twin committed first after all? (The locks of step 1 rule that out, but the unique key is
          // the final arbiter.)
          const twin = await this.#database.coinTransaction.findUnique({
            where: { idempotencyKey: legs[0].storedKey },
          });
          if (twin) {
            const replay = new Replay(twin, await sameRequest(this.#database, twin, legs, reference));
            return replayReceipt(replay, this.#logger);
          }
        }
        if (code === prismaErrorCodes.transactionConflict && attempt < CONFLICT_RETRIES) {
          this.#logger.warn({ attempt }, 'ledger transaction conflict: retrying');
          continue;
        }
        throw error;
      }
    }
  }

  async #write(tx: Transaction, legs: [Leg, ...Leg[]], reference: string | undefined): Promise<LedgerReceipt> {
    const [primary, ...others] = legs;
    const inLockOrder = [...legs].sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0));
    const now = new Date();
    for (const leg of inLockOrder) {
      await tx.wallet.updateMany({ where: { userId: leg.userId }, data: { updatedAt: now } });
    }

    const earlier = await tx.coinTransaction.findUnique({ where: { idempotencyKey: primary.storedKey } });
    if (earlier) throw new Replay(earlier, await sameRequest(tx, earlier, legs, reference));

    for (const leg of inLockOrder) {
      const changed = await tx.wallet.updateMany({
        where: {
          userId: leg.userId,
          balance: leg.amount < 0 ? { gte: -leg.amount } : { lte: MAX_BALANCE - leg.amount },
        },
        data: { balance: { increment: leg.amount } },
      });
      if (changed.count === 0) {
        throw leg.amount < 0 ? new InsufficientBalanceError() : new AppError('CONFLICT', 'balance limit reached');
      }
    }

    const primaryEntry = await insertEntry(tx, primary, reference);
    for (const leg of others) await insertEntry(tx, leg, reference);
    const entry = toEntry(primaryEntry, this.#logger);
    return { entry, balance: entry.balanceAfter, replayed: false };
  }

  /** Makes the user's wallet if it is missing (before a creditWithin). Unknown users: NOT_FOUND. */
  ensureWallet(userId: string): Promise<void> {
    return this.#ensureWallet(userId);
  }

  /** Wallets are made at sign-up; this covers accounts from before wallets. Unknown users: 404. */
  async #ensureWallet(userId: string): Promise<void> {
    if (await this.#database.wallet.findUnique({ where: { userId }, select: { id: true } })) return;
    const user = await this.#database.user.findUnique({ where: { id: userId }, select: { id: true } });
    if (!user) throw new AppError('NOT_FOUND', 'no such user');
    try {
      await this.#database.wallet.create({ data: { userId } });
    } catch (error) {
      // Made concurrently by another request: just as good.
      if (prismaErrorCode(error) !== prismaErrorCodes.uniqueViolation) throw error;
    }
  }
}

/** Writes one leg's entry with the balance its wallet now holds. */
async function insertEntry(tx: Transaction, leg: Leg, reference: string | undefined): Promise<EntryRow> {
  const wallet = await tx.wallet.findUniqueOrThrow({ where: { userId: leg.userId } });
  return tx.coinTransaction.create({
    data: {
      walletId: wallet.id,
      amount: leg.amount,
      kind: leg.kind,
      balanceAfter: wallet.balance,
      idempotencyKey: leg.storedKey,
      reference: reference ?? null,
    },
  });
}

function checkedAmount(amount: number): number {
  if (!Number.isSafeInteger(amount) || amount < 1 || amount > MAX_AMOUNT) {
    throw new AppError('INVALID_INPUT', `amount: a whole number of coins from 1 to ${MAX_AMOUNT}`);
  }
  return amount;
}

/** Whether an earlier entry with this request's key was written by the same request (not a reused key). */
async function sameRequest(
  reader: Transaction,
  earlier: EntryRow,
  legs: [Leg, ...Leg[]],
  reference: string | undefined,
): Promise<boolean> {
  const [primary, ...others] = legs;
  if (earlier.amount !== primary.amount || earlier.kind !== primary.kind) return false;
  if (earlier.reference !== (reference ?? null)) return false;
  for (const leg of others) {
    const entry = await reader.coinTransaction.findUnique({
      where: { idempotencyKey: leg.storedKey },
      select: { wallet: { select: { userId: true } } },
    });
    if (entry?.wallet.userId !== leg.userId) return false;
  }
  return true;
}

function replayReceipt(replay: Replay, logger: Logger): LedgerReceipt {
  if (!replay.sameRequest) throw new AppError('CONFLICT', 'idempotencyKey was already used for a different request');
  const entry = toEntry(replay.entry, logger);
  return { entry, balance: entry.balanceAfter, replayed: true };
}

/** The column a CoinTransaction row stores as a string. */
const entryColumns = z.object({ kind: z.enum(ledgerKinds) });

/** A ledger row as the API shows it; a row whose kind does not parse is an INTERNAL error. */
export function toEntry(stored: EntryRow, logger: Logger): LedgerEntry {
  const row = checkStoredRow(entryColumns, stored, `CoinTransaction ${stored.id}`, logger);
  return {
    id: row.id,
    amount: row.amount,
    kind: row.kind,
    balanceAfter: row.balanceAfter,
    reference: row.reference,
    createdAt: row.createdAt.toISOString(),
  };
}
