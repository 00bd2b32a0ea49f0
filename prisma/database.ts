// Opens the database through Prisma's driver adapters (no engine binaries):
// SQLite (`file:…`, the embedded default) or PostgreSQL (`postgresql://…`).
// Both clients are generated from one datamodel (prisma/postgresSchema.ts),
// so one type serves both (the SQLite client's).
import type { Transaction as SqliteTransaction } from '@libsql/client';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient as PostgresClient } from './generated/postgres/client.ts';
import { PrismaClient as SqliteClient } from './generated/sqlite/client.ts';
import { OneConnectionLibSQL } from './sqliteOneConnection.ts';

export type Database = SqliteClient;
/** The client an interactive transaction's callback gets. */
export type DatabaseTransaction = Parameters<Parameters<Database['$transaction']>[0]>[0];
export type DatabaseProvider = 'sqlite' | 'postgresql';
export type { SqliteTransaction };

export function databaseProvider(databaseUrl: string): DatabaseProvider {
  if (databaseUrl.startsWith('file:')) return 'sqlite';
  if (/^postgres(ql)?:\/\//.test(databaseUrl)) return 'postgresql';
  throw new Error(`unsupported DATABASE_URL scheme: ${databaseUrl.split(':')[0]}: (file: or postgresql://)`);
}

/** The SQLite databases' adapters, for sqliteOpenTransaction. */
const sqliteAdapters = new WeakMap<Database, OneConnectionLibSQL>();

export function openDatabase(databaseUrl: string): Database {
  const provider = databaseProvider(databaseUrl);
  switch (provider) {
    case 'sqlite': {
      const adapter = new OneConnectionLibSQL({ url: databaseUrl });
      const database = new SqliteClient({ adapter });
      sqliteAdapters.set(database, adapter);
      return database;
    }
    case 'postgresql':
      // The clients' types differ only in $transaction's isolation levels
      // (PostgreSQL knows more; SQLite's one, Serializable, works on both).
      return new PostgresClient({ adapter: new PrismaPg({ connectionString: databaseUrl }) }) as unknown as Database;
    default:
      return assertUnreachable(provider);
  }
}

/**
 * On SQLite, the transaction open on the database's one connection: call it
 * inside a `$transaction` callback after one of the callback's statements
 * has run, and it is that transaction (sqliteOneConnection.ts). Undefined on
 * PostgreSQL.
 */
export function sqliteOpenTransaction(database: Database): SqliteTransaction | undefined {
  return sqliteAdapters.get(database)?.openTransaction();
}

/**
 * SQLite in write-ahead-log mode: readers do not wait for the writer, and a
 * commit appends to the log instead of rewriting pages and syncing twice.
 * With synchronous=NORMAL a power cut may lose the last commits but never
 * corrupts the file. (PostgreSQL needs nothing here.) `synchronous` is the
 * connection's: it holds because there is one (sqliteOneConnection.ts).
 */
export async function tuneDatabase(database: Database, databaseUrl: string): Promise<void> {
  if (databaseProvider(databaseUrl) !== 'sqlite') return;
  await database.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  await database.$queryRawUnsafe('PRAGMA synchronous = NORMAL');
}

function assertUnreachable(value: never): never {
  throw new Error(`unhandled database provider: ${String(value)}`);
}
