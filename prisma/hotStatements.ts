// The statements of a hot path's transaction (the gift batch), hand-written
// with rawSql's `sql`, run either through Prisma's client or, on SQLite,
// straight through the transaction open on the one connection
// (sqliteOpenTransaction): the same SQL either way. Prisma's client compiles
// every raw statement into a plan, bound values included, which costs more
// than SQLite does for it (400 gift rows: 43 ms through the client, 14 ms
// direct; bench/RESULTS.md "PK battles, 2026-12-04").
import type { DatabaseTransaction, SqliteTransaction } from './database.ts';
import type { Prisma } from './generated/sqlite/client.ts';
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
  const run = (statement: Prisma.Sql) => direct.execute({ sql: statement.sql, args: statement.values.map(boundValue) });
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

function boundValue(value: unknown): string | number | null {
  if (value === null || typeof value === 'string' || typeof value === 'number' || value instanceof Date) {
    return sqliteValue(value);
  }
  throw new Error(`hotStatements: cannot bind a ${typeof value}`);
}
