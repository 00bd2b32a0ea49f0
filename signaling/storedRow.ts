// Rows read back from the database are checked, not trusted. The schema
// keeps small closed sets (statuses, kinds, roles) and JSON as plain strings
// (SQLite has no enums, and one datamodel serves both databases), so a row
// written by an older version, a hand edit or a bug may hold anything. Such a
// row is an internal error that names the row and the field, never a value
// passed on as if it were one of the set.
import type { Logger } from 'pino';
import type { z } from 'zod';
import { AppError } from './errors.ts';

/** What a checked row becomes: the checked columns typed by the schema, the others as read. */
export type CheckedRow<Row, S extends z.ZodObject> = Omit<Row, keyof z.output<S>> & z.output<S>;

/**
 * Checks the columns `schema` names in `row` (the others pass through
 * unchanged) and returns the row with them typed. `rowName` says which row it
 * is in the error, e.g. `Recording clx…`.
 */
export function checkStoredRow<Row extends object, S extends z.ZodObject>(
  schema: S,
  row: Row,
  rowName: string,
  logger: Logger,
): CheckedRow<Row, S> {
  const parsed = schema.safeParse(row);
  if (parsed.success) return { ...row, ...parsed.data };
  const problems = parsed.error.issues.map((issue) => {
    const stored = valueAt(row, issue.path);
    return `${issue.path.join('.') || '(row)'}: ${issue.message} (stored ${describe(stored)})`;
  });
  const message = `${rowName} in the database is invalid: ${problems.join('; ')}`;
  logger.error({ row: rowName, problems }, 'stored row failed to parse');
  throw new AppError('INTERNAL', message);
}

/** The stored value at `path`; inside a JSON column, the column's text. */
function valueAt(row: object, path: readonly PropertyKey[]): unknown {
  let value: unknown = row;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return value;
    value = Reflect.get(value, key);
  }
  return value;
}

/** The stored value for the message, shortened: a broken JSON column can be long. */
function describe(value: unknown): string {
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
