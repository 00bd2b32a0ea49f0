// Hand-written statements for the few hot paths where the client's per-query
// work (compile and interpret) costs more than the database (the gift batch:
// bench/RESULTS.md "PK battles"). Values are always bound parameters; write
// identifiers double-quoted, which both SQLite and PostgreSQL read as names.
import { Prisma } from './generated/sqlite/client.ts';

/** A statement with bound values: sql`SELECT … WHERE "id" = ${id}`. */
export const sql = Prisma.sql;

/** What a hand-written statement binds: dates are stored as the model API stores them. */
export type SqlValue = string | number | Date | null;

/** Values as a comma-separated list of bound parameters, e.g. for IN (…). Never empty. */
export function sqlList(values: readonly SqlValue[]): Prisma.Sql {
  if (values.length === 0) throw new Error('sqlList: an empty list is not valid SQL');
  return Prisma.join(values);
}

/** Rows of values as `(a, b), (c, d)`, for `(x, y) IN (VALUES …)`: one index lookup per row. Never empty. */
export function sqlRows(rows: readonly (readonly SqlValue[])[]): Prisma.Sql {
  if (rows.length === 0) throw new Error('sqlRows: an empty list is not valid SQL');
  return Prisma.join(rows.map((row) => sql`(${sqlList(row)})`));
}
