// The statements of a hot path's transaction (the gift batch), hand-written
// with rawSql's `sql`, run either through Prisma's client or, on SQLite,
// straight through the transaction open on the one connection
// (sqliteOpenTransaction): the same SQL either way. Prisma's client compiles
// every raw statement into a plan, bound values included, which costs more
// than SQLite does for it (400 gift rows: 43 ms through the client, 14 ms
// direct; bench/RESULTS.md "PK battles, 2026-12-04").
import type { DatabaseTransaction, SqliteTransaction } from './database.ts';
import type { Prisma } from './generated/sqlite/client.ts';
import { prismaErrorCodes } from './prismaErrors.ts';
import type { SqlValue } from './rawSql.ts';
import { sqliteValue } from './sqliteOneConnection.ts';

export interface HotStatements {
  query<Row>(statement: Prisma.Sql): Promise<Row[]>;
  /** The number of rows changed. */
  execute(statement: Prisma.Sql): Promise<number>;
}

/** `direct`: on SQLite, `tx`'s own transaction on the connection; leave it out to go through the client. */
export function hotStatements(tx: DatabaseTransaction, direct?: SqliteTransaction): HotStatements {
  if (!direct) {
    return {
      query: <Row>(statement: Prisma.Sql) => tx.$queryRaw<Row[]>(statement),
      execute: (statement) => tx.$executeRaw(statement),
    };
  }
  const run = async (statement: Prisma.Sql) => {
    try {
      return await direct.execute({ sql: statement.sql, args: statement.values.map(boundValue) });
    } catch (error) {
      throw asClientError(error);
    }
  };
  return {
    async query<Row>(statement: Prisma.Sql) {
      const { columns, rows } = await run(statement);
      return rows.map((row) => Object.fromEntries(columns.map((column, index) => [column, row[index]])) as Row);
    },
    async execute(statement) {
      return (await run(statement)).rowsAffected;
    },
  };
}

function boundValue(value: unknown): Exclude<SqlValue, Date> {
  if (value === null || typeof value === 'string' || typeof value === 'number' || value instanceof Date) {
    return sqliteValue(value);
  }
  throw new Error(`hotStatements: cannot bind a ${typeof value}`);
}

/** SQLite's codes for the failures callers tell apart, as Prisma's client reports them. */
const clientCodes: Record<string, string> = {
  SQLITE_CONSTRAINT_UNIQUE: prismaErrorCodes.uniqueViolation,
  SQLITE_CONSTRAINT_PRIMARYKEY: prismaErrorCodes.uniqueViolation,
  SQLITE_CONSTRAINT_FOREIGNKEY: prismaErrorCodes.foreignKeyViolation,
  SQLITE_BUSY: prismaErrorCodes.transactionConflict,
};

/** A direct statement's failure with the code the client would have given it (prismaErrorCode), the original as its cause. */
function asClientError(error: unknown): unknown {
  const sqliteCode = (error as { code?: unknown } | null)?.code;
  const code = typeof sqliteCode === 'string' ? clientCodes[sqliteCode] : undefined;
  if (!code) return error;
  return Object.assign(new Error(error instanceof Error ? error.message : String(error), { cause: error }), { code });
}
