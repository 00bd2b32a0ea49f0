// Many rows in one INSERT statement, bypassing the model API's per-query work
// (most of the server's time on the gift path at a thousand gifts a second;
// bench/RESULTS.md "PK battles"). For hot paths only, through hotStatements;
// everything else uses the model API. Values are bound parameters; dates go
// as Date objects, stored as the model API stores them on both databases and
// both paths (checked in prisma/insertRows.integration.test.ts).
import { Prisma } from './generated/sqlite/client.ts';
import type { HotStatements } from './hotStatements.ts';
import type { SqlValue } from './rawSql.ts';

/** Rows per statement: far below SQLite's and PostgreSQL's limits on bound parameters. */
const ROWS_PER_STATEMENT = 500;
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9]*$/;

/** Inserts rows (all with the same columns, every column given: no database defaults) into a model's table. */
export async function insertRows<Row extends { [Column in keyof Row]: SqlValue }>(
  statements: HotStatements,
  table: string,
  rows: readonly Row[],
): Promise<void> {
  const [first] = rows;
  if (!first) return;
  const columns = Object.keys(first) as (keyof Row & string)[];
  for (const name of [table, ...columns]) {
    if (!IDENTIFIER.test(name)) throw new Error(`insertRows: not an identifier: ${name}`);
  }
  const columnList = Prisma.raw(columns.map((column) => `"${column}"`).join(', '));
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const values = rows
      .slice(start, start + ROWS_PER_STATEMENT)
      .map((row) => Prisma.sql`(${Prisma.join(columns.map((column) => row[column] ?? null))})`);
    await statements.execute(
      Prisma.sql`INSERT INTO ${Prisma.raw(`"${table}"`)} (${columnList}) VALUES ${Prisma.join(values)}`,
    );
  }
}
