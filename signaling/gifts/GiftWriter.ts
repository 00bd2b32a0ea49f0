// Writes gifts in batches, each batch one database transaction
// (signaling/wallet/GroupCommit.ts): the coins move
// (signaling/wallet/transferBatch.ts), the Gift rows are inserted and
// battle sides' scores rise, all or nothing.
//
// Exactness:
// - a resend (same sender and clientGiftId) is answered with the first gift's
//   row and moves nothing: queued twins share one promise, committed ones are
//   found under the wallet locks, and the unique keys (Gift and the ledger)
//   settle a race with another node — the batch is then retried and finds it;
// - a battle gift counts only while its battle row says `live` and before its
//   `endsAt`, checked (and on PostgreSQL locked) in the same transaction, so
//   ending a battle waits for the batch and its final scores are the sum of
//   the gifts it accepted.
import crypto from 'node:crypto';
import type { Logger } from 'pino';
import {
  sqliteOpenTransaction,
  type Database,
  type DatabaseProvider,
  type DatabaseTransaction,
} from '../../prisma/database.ts';
import { hotStatements } from '../../prisma/hotStatements.ts';
import { insertRows } from '../../prisma/insertRows.ts';
import { sql, sqlRows } from '../../prisma/rawSql.ts';
import { AppError } from '../errors.ts';
import type { GiftView } from '../protocol/index.ts';
import { storedLedgerKey } from '../wallet/ledgerKeys.ts';
import { GroupCommit } from '../wallet/GroupCommit.ts';
import { applyTransfers, lockWallets } from '../wallet/transferBatch.ts';

/** A gift to write, checked by GiftService (who may send, to whom, the value). */
export interface PendingGift {
  senderId: string;
  senderName: string;
  clientGiftId: string;
  receiverId: string;
  sessionId: string;
  battleId: string | null;
  giftTypeId: string;
  quantity: number;
  unitValue: number;
}

export interface WrittenGift {
  gift: GiftView;
  /** The sender's balance right after the gift. */
  balance: number;
  /** The clientGiftId was used before: nothing moved now. */
  replayed: boolean;
}

/** Gifts per transaction at most (a few statements each, many rows per statement). */
const MAX_BATCH = 400;

export class GiftWriter {
  readonly #database: Database;
  readonly #provider: DatabaseProvider;
  readonly #commits: GroupCommit<PendingGift, WrittenGift>;

  constructor(database: Database, provider: DatabaseProvider, logger: Logger) {
    this.#database = database;
    this.#provider = provider;
    this.#commits = new GroupCommit({
      database,
      logger,
      name: 'gift-writer',
      maxBatch: MAX_BATCH,
      keyOf: (gift) => `${gift.senderId}:${gift.clientGiftId}`,
      replayOf,
      usersOf: (gift) => [gift.senderId, gift.receiverId],
      writeWithin: (tx, gifts) => this.#writeWithin(tx, gifts),
      failure: 'the gift could not be sent: try again',
    });
  }

  write(gift: PendingGift): Promise<WrittenGift> {
    return this.#commits.write(gift);
  }

  async #writeWithin(tx: DatabaseTransaction, gifts: PendingGift[]): Promise<(WrittenGift | AppError)[]> {
    const now = new Date();
    await lockWallets(
      tx,
      gifts.flatMap((gift) => [gift.senderId, gift.receiverId]),
      this.#provider,
    );
    // This transaction has run a statement, so on SQLite the one open on the connection is this one:
    // the rest of the batch's hand-written statements go through it directly.
    const statements = hotStatements(tx, sqliteOpenTransaction(this.#database));

    // Resends are rare: a cheap look for their keys first, whole rows only for the few found.
    // The exact (senderId, clientGiftId) pairs, one lookup each in the unique index: two IN lists
    // made SQLite probe every sender with every key (400 × 400 in a full batch, 40 ms instead of 1).
    const distinctKeys = new Map(gifts.map((gift) => [`${gift.senderId}:${gift.clientGiftId}`, gift]));
    const seen = await statements.query<{ id: string }>(
      sql`SELECT "id" FROM "Gift" WHERE ("senderId", "clientGiftId") IN (VALUES ${sqlRows(
        [...distinctKeys.values()].map((gift) => [gift.senderId, gift.clientGiftId]),
      )})`,
    );
    const earlier =
      seen.length === 0 ? [] : await tx.gift.findMany({ where: { id: { in: seen.map((row) => row.id) } } });
    const earlierByKey = new Map(earlier.map((row) => [`${row.senderId}:${row.clientGiftId}`, row]));
    // A resend is answered as the first send was: with the balance its ledger entry left.
    const sentEntries =
      earlier.length === 0
        ? []
        : await tx.coinTransaction.findMany({
            where: {
              idempotencyKey: {
                in: earlier.map((row) => storedLedgerKey('gift_sent', row.senderId, row.clientGiftId)),
              },
            },
            select: { idempotencyKey: true, balanceAfter: true },
          });
    const balanceAfterSending = new Map(sentEntries.map((entry) => [entry.idempotencyKey, entry.balanceAfter]));

    const liveBattles = new Set<string>();
    for (const battleId of new Set(gifts.flatMap((gift) => (gift.battleId ? [gift.battleId] : [])))) {
      // A write, so that on PostgreSQL the battle's row stays locked until this commits.
      const live = await statements.execute(
        sql`UPDATE "Battle" SET "status" = 'live' WHERE "id" = ${battleId} AND "status" = 'live' AND "endsAt" > ${now}`,
      );
      if (live === 1) liveBattles.add(battleId);
    }

    const results: (WrittenGift | AppError | undefined)[] = gifts.map((gift) => {
      const row = earlierByKey.get(`${gift.senderId}:${gift.clientGiftId}`);
      if (row) {
        const balance = balanceAfterSending.get(storedLedgerKey('gift_sent', row.senderId, row.clientGiftId)) ?? 0;
        return replayOfRow(row, gift, balance);
      }
      if (gift.battleId && !liveBattles.has(gift.battleId)) {
        return new AppError('BATTLE_NOT_ACTIVE', 'the battle is over: the gift was not sent');
      }
      return undefined;
    });
    const toWrite = gifts.flatMap((gift, index) => (results[index] === undefined ? [{ gift, index }] : []));
    const outcomes = await applyTransfers(
      statements,
      toWrite.map(({ gift }) => ({
        fromUserId: gift.senderId,
        toUserId: gift.receiverId,
        amount: gift.unitValue * gift.quantity,
        idempotencyKey: gift.clientGiftId,
        reference: `gift:${gift.giftTypeId}`,
      })),
    );

    const rows: GiftRow[] = [];
    const scores = new Map<string, { battleId: string; sessionId: string; value: number }>();
    toWrite.forEach(({ gift, index }, position) => {
      const outcome = outcomes[position]!;
      if (!outcome.ok) {
        results[index] = outcome.error;
        return;
      }
      const row: GiftRow = {
        id: crypto.randomUUID(),
        ...gift,
        value: gift.unitValue * gift.quantity,
        createdAt: now,
      };
      rows.push(row);
      results[index] = { gift: viewOf(row), balance: outcome.senderBalance, replayed: false };
      if (gift.battleId) {
        const key = `${gift.battleId}:${gift.sessionId}`;
        const side = scores.get(key) ?? { battleId: gift.battleId, sessionId: gift.sessionId, value: 0 };
        side.value += row.value;
        scores.set(key, side);
      }
    });
    // One multi-row statement without the client's per-query work: the hot path at a thousand gifts a second.
    await insertRows(statements, 'Gift', rows);
    for (const { battleId, sessionId, value } of scores.values()) {
      await statements.execute(
        sql`UPDATE "BattleSide" SET "score" = "score" + ${value} WHERE "battleId" = ${battleId} AND "sessionId" = ${sessionId}`,
      );
    }
    return results.map((result) => result ?? new AppError('INTERNAL', 'gift not processed'));
  }
}

/** A Gift row as written and read. */
export interface GiftRow extends PendingGift {
  id: string;
  value: number;
  createdAt: Date;
}

export function viewOf(row: GiftRow): GiftView {
  return {
    id: row.id,
    clientGiftId: row.clientGiftId,
    senderId: row.senderId,
    senderName: row.senderName,
    receiverId: row.receiverId,
    sessionId: row.sessionId,
    battleId: row.battleId,
    giftTypeId: row.giftTypeId,
    quantity: row.quantity,
    value: row.value,
    createdAt: row.createdAt.toISOString(),
  };
}

/** The same key for another gift is a client bug, not a resend. */
function sameGift(row: Pick<GiftRow, 'sessionId' | 'giftTypeId' | 'quantity'>, gift: PendingGift): boolean {
  return row.sessionId === gift.sessionId && row.giftTypeId === gift.giftTypeId && row.quantity === gift.quantity;
}

function replayOfRow(row: GiftRow, gift: PendingGift, balance: number): WrittenGift | AppError {
  if (!sameGift(row, gift)) return new AppError('CONFLICT', 'clientGiftId was already used for a different gift');
  return { gift: viewOf(row), balance, replayed: true };
}

function replayOf(written: WrittenGift, gift: PendingGift): WrittenGift {
  const { sessionId, giftTypeId, quantity } = written.gift;
  if (!sameGift({ sessionId, giftTypeId, quantity }, gift)) {
    throw new AppError('CONFLICT', 'clientGiftId was already used for a different gift');
  }
  return { ...written, replayed: true };
}
