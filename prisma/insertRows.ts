// Many rows in one INSERT statement, bypassing the client's per-query work
// (compile and interpret: most of the server's time on the gift path at a
// thousand gifts a second; bench/RESULTS.md "PK battles"). For hot paths
// only; everything else uses the model API. Values are bound parameters;
// dates go as Date objects, which both drivers store as the model API does
// (checked in prisma/insertRows.integration.test.ts on SQLite and PostgreSQL).
import type { DatabaseTransaction, SqliteTransaction } from './database.ts';
import { Prisma } from './generated/sqlite/client.ts';
import { sqliteValue } from './sqliteOneConnection.ts';

export type RowValue = string | number | Date | null;

/** Rows per statement: far below SQLite's and PostgreSQL's limits on bound parameters. */
const ROWS_PER_STATEMENT = 500;
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9]*$/;

/**
 * Inserts rows (all with the same columns, every column given: no database defaults) into a model's table,
 * within `tx`. On SQLite, `direct` is that same transaction on the connection (sqliteOpenTransaction): the
 * statement then skips the client altogether, whose query compiler otherwise handles every bound value
 * (400 gifts: 43 ms through the client, 14 ms direct).
 */
export async function insertRows<Row extends { [Column in keyof Row]: RowValue }>(
  tx: DatabaseTransaction,
  table: string,
  rows: readonly Row[],
  direct?: SqliteTransaction,
): Promise<void> {
  const [first] = rows;
  if (!first) return;
  const columns = Object.keys(first) as (keyof Row & string)[];
  for (const name of [table, ...columns]) {
    if (!IDENTIFIER.test(name)) throw new Error(`insertRows: not an identifier: ${name}`);
  }
  const columnList = columns.map((column) => `"${column}"`).join(', ');
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + ROWS_PER_STATEMENT);
    if (direct) {
      const placeholders = `(${columns.map(() => '?').join(', ')})`;
      await direct.execute({
        sql: `INSERT INTO "${table}" (${columnList}) VALUES ${chunk.map(() => placeholders).join(', ')}`,
        args: chunk.flatMap((row) => columns.map((column) => sqliteValue(row[column] ?? null))),
      });
      continue;
    }
    const values = chunk.map((row) => Prisma.sql`(${Prisma.join(columns.map((column) => row[column] ?? null))})`);
    await tx.$executeRaw`INSERT INTO ${Prisma.raw(`"${table}"`)} (${Prisma.raw(columnList)}) VALUES ${Prisma.join(values)}`;
  }
}
