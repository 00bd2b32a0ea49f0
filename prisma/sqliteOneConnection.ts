// The embedded SQLite database through one connection, its transactions
// included.
//
// @libsql/client hands its connection to each transaction and opens a new
// one for whatever comes next, never closing the old one (it waits for the
// garbage collector). Prisma's adapter already holds every other statement
// back while a transaction is open (one lock for the client), so the
// hand-off buys nothing here and costs a lot: each new connection re-reads
// and re-parses the schema before its first statement, keeps its own page
// cache, and starts from SQLite's defaults, so `synchronous = NORMAL`
// (tuneDatabase) was lost after the first transaction and every commit
// synced the log again. At a thousand gifts a second that was most of the
// database's share of the server's time (bench/RESULTS.md, "PK battles").
//
// Here a transaction is BEGIN … COMMIT on the one connection, and any other
// statement while it is open is refused instead of silently joining it.
import {
  createClient,
  type Client,
  type Config,
  type InStatement,
  type ResultSet,
  type Transaction,
  type TransactionMode,
} from '@libsql/client';
import { PrismaLibSQL } from '@prisma/adapter-libsql';
import type { SqlValue } from './rawSql.ts';

/** Prisma's libsql adapter, its client keeping one connection. */
export class OneConnectionLibSQL extends PrismaLibSQL {
  #client: OneConnectionClient | undefined;

  override createClient(config: Config): Client {
    this.#client = new OneConnectionClient(createClient(config));
    return this.#client;
  }

  /** The transaction open on the connection, if any (see OneConnectionClient.openTransaction). */
  openTransaction(): Transaction | undefined {
    return this.#client?.openTransaction();
  }
}

/**
 * A value as Prisma's libsql adapter binds it (its `mapArg`, default
 * `iso8601` timestamps), so that rows written around the client read back
 * through it exactly as if it had written them.
 */
export function sqliteValue(value: SqlValue): Exclude<SqlValue, Date> {
  return value instanceof Date ? value.toISOString().replace('Z', '+00:00') : value;
}

const BEGIN: Record<TransactionMode, string> = {
  write: 'BEGIN IMMEDIATE',
  read: 'BEGIN TRANSACTION READONLY',
  deferred: 'BEGIN DEFERRED',
};

export class OneConnectionClient implements Client {
  readonly #connection: Client;
  #transaction: OneConnectionTransaction | undefined;

  constructor(connection: Client) {
    this.#connection = connection;
  }

  get closed(): boolean {
    return this.#connection.closed;
  }

  get protocol(): string {
    return this.#connection.protocol;
  }

  async execute(stmt: InStatement): Promise<ResultSet> {
    this.#outsideTransaction();
    return this.#connection.execute(stmt);
  }

  async batch(stmts: InStatement[], mode?: TransactionMode): Promise<ResultSet[]> {
    this.#outsideTransaction();
    return this.#connection.batch(stmts, mode);
  }

  async executeMultiple(sql: string): Promise<void> {
    this.#outsideTransaction();
    return this.#connection.executeMultiple(sql);
  }

  sync(): Promise<void> {
    return this.#connection.sync();
  }

  /**
   * The transaction open on the connection. Prisma admits one at a time, so
   * inside a `$transaction` callback, once one of its statements has run, it
   * is that callback's own: hot paths write through it without the client's
   * per-query work. It refuses statements once it has ended.
   */
  openTransaction(): Transaction | undefined {
    return this.#transaction && !this.#transaction.closed ? this.#transaction : undefined;
  }

  async transaction(mode: TransactionMode = 'write'): Promise<Transaction> {
    this.#outsideTransaction();
    await this.#connection.execute(BEGIN[mode]);
    this.#transaction = new OneConnectionTransaction(this.#connection);
    return this.#transaction;
  }

  close(): void {
    this.#transaction?.close();
    this.#connection.close();
  }

  #outsideTransaction(): void {
    if (this.#transaction && !this.#transaction.closed) {
      throw new Error('the SQLite connection is in a transaction: a statement outside it would have joined it');
    }
  }
}

class OneConnectionTransaction implements Transaction {
  readonly #connection: Client;
  #open = true;

  constructor(connection: Client) {
    this.#connection = connection;
  }

  get closed(): boolean {
    return !this.#open;
  }

  async execute(stmt: InStatement): Promise<ResultSet> {
    this.#checkOpen();
    return this.#connection.execute(stmt);
  }

  async batch(stmts: InStatement[]): Promise<ResultSet[]> {
    const results: ResultSet[] = [];
    for (const stmt of stmts) results.push(await this.execute(stmt));
    return results;
  }

  executeMultiple(): Promise<void> {
    // The client's executeMultiple rolls back any open transaction when it ends: it cannot run inside one.
    return Promise.reject(new Error('executeMultiple is not available inside a transaction'));
  }

  async commit(): Promise<void> {
    this.#checkOpen();
    // A failed COMMIT (a busy database) leaves the transaction open, for a rollback.
    await this.#connection.execute('COMMIT');
    this.#open = false;
  }

  async rollback(): Promise<void> {
    if (!this.#open) return;
    try {
      await this.#connection.execute('ROLLBACK');
    } catch (error) {
      // SQLite may have rolled back already (some errors end the transaction themselves); any other
      // failure leaves it open, so that later statements are refused rather than joining it.
      if (!/no transaction is active/i.test(String(error))) throw error;
    }
    this.#open = false;
  }

  close(): void {
    void this.rollback().catch(() => undefined);
  }

  #checkOpen(): void {
    if (!this.#open) throw new Error('the transaction is over');
  }
}
