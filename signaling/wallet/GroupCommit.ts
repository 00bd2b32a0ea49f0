// Requests that move coins, written in batches, each batch one database
// transaction (group commit): the next batch is whatever queued while the
// previous one was writing, so under load a commit carries hundreds of
// requests and on a quiet stream each commits on its own at once. What lets
// a thousand gifts or orders a second through SQLite's single writer.
//
// A request is answered only once its batch has committed. Twins (the same
// key while the first is queued or being written) share the first one's
// answer. A batch that meets a unique key or a write conflict (another node
// wrote the same key, or PostgreSQL's serialization) is retried whole: the
// batch's own writer then finds what the other wrote.
import type { Logger } from 'pino';
import type { Database, DatabaseTransaction } from '../../prisma/database.ts';
import { prismaErrorCode, prismaErrorCodes } from '../../prisma/prismaErrors.ts';
import { AppError } from '../errors.ts';
import { ensureWallets } from './transferBatch.ts';

export interface GroupCommitOptions<Item, Result> {
  database: Database;
  logger: Logger;
  /** What a batch is of, for the log. */
  name: string;
  /** Requests per transaction at most. */
  maxBatch: number;
  /** Requests with the same key are one request. */
  keyOf(item: Item): string;
  /** The answer to a twin, from the first one's (throws when the twin asks for something else). */
  replayOf(result: Result, item: Item): Result;
  /** The users whose wallets the items touch (created before the transaction). */
  usersOf(item: Item): string[];
  /** Writes a batch inside its transaction: one outcome per item, in order. */
  writeWithin(tx: DatabaseTransaction, items: Item[]): Promise<(Result | AppError)[]>;
  /** What every request of a batch that could not be written is told. */
  failure: string;
}

interface Queued<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 15_000 };
const ATTEMPTS = 3;

export class GroupCommit<Item, Result> {
  readonly #options: GroupCommitOptions<Item, Result>;
  readonly #logger: Logger;
  #queue: Queued<Item, Result>[] = [];
  #writing = false;
  /** Requests in the queue or in the batch being written, by key. */
  readonly #inFlight = new Map<string, Promise<Result>>();

  constructor(options: GroupCommitOptions<Item, Result>) {
    this.#options = options;
    this.#logger = options.logger.child({ component: options.name });
  }

  write(item: Item): Promise<Result> {
    const key = this.#options.keyOf(item);
    const twin = this.#inFlight.get(key);
    if (twin) return twin.then((result) => this.#options.replayOf(result, item));
    const promise = new Promise<Result>((resolve, reject) => this.#queue.push({ item, resolve, reject }));
    this.#inFlight.set(key, promise);
    const forget = () => this.#inFlight.delete(key);
    promise.then(forget, forget);
    if (!this.#writing) void this.#drain();
    return promise;
  }

  async #drain(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#queue.length > 0) {
        // SQLite answers synchronously, so a batch's statements run as one
        // chain of microtasks: without this turn of the event loop between
        // batches, requests, acks and pushes waited for the whole queue.
        await new Promise((resolve) => setImmediate(resolve));
        const batch = this.#queue.splice(0, this.#options.maxBatch);
        await this.#writeBatch(batch);
      }
    } finally {
      this.#writing = false;
    }
  }

  async #writeBatch(batch: Queued<Item, Result>[]): Promise<void> {
    const items = batch.map(({ item }) => item);
    for (let attempt = 1; ; attempt++) {
      try {
        await ensureWallets(
          this.#options.database,
          items.flatMap((item) => this.#options.usersOf(item)),
        );
        const outcomes = await this.#options.database.$transaction(
          (tx) => this.#options.writeWithin(tx, items),
          TRANSACTION_OPTIONS,
        );
        batch.forEach((queued, index) => {
          const outcome = outcomes[index]!;
          if (outcome instanceof AppError) queued.reject(outcome);
          else queued.resolve(outcome);
        });
        return;
      } catch (error) {
        const code = prismaErrorCode(error);
        const retry =
          attempt < ATTEMPTS &&
          (code === prismaErrorCodes.uniqueViolation || code === prismaErrorCodes.transactionConflict);
        if (retry) {
          this.#logger.warn({ attempt, code, items: batch.length }, 'batch conflicted: retrying');
          continue;
        }
        this.#logger.error({ err: error, items: batch.length }, 'writing a batch failed: nothing was written');
        for (const queued of batch) queued.reject(new AppError('UNAVAILABLE', this.#options.failure));
        return;
      }
    }
  }
}
