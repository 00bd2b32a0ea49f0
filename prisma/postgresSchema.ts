// Prisma takes one datasource provider per schema file, so the PostgreSQL
// schema is rendered from the SQLite one (the one source of truth): the same
// models, another provider and client output. The rendering is committed
// (prisma/postgres/schema.prisma) because it is also the record of the
// datamodel the migrations add up to: prisma/makeMigration.ts diffs against
// it and then rewrites it, and a unit test fails when it is stale.
import path from 'node:path';

export const sqliteSchemaPath = path.join(import.meta.dirname, 'schema.prisma');
export const postgresSchemaPath = path.join(import.meta.dirname, 'postgres', 'schema.prisma');

const banner = [
  '// GENERATED from prisma/schema.prisma by prisma/postgresSchema.ts: do not',
  '// edit. Change prisma/schema.prisma, then run',
  '// `node --import tsx prisma/makeMigration.ts <name>` (docs/database.md).',
  '',
].join('\n');

type Flavour = 'sqlite' | 'postgres';

/** The only lines that differ between the two flavours. */
const differences: ({ key: string } & Record<Flavour, string>)[] = [
  { key: 'provider', sqlite: '"sqlite"', postgres: '"postgresql"' },
  { key: 'output', sqlite: '"./generated/sqlite"', postgres: '"../generated/postgres"' },
];

export function renderPostgresSchema(sqliteSchema: string): string {
  return banner + swap(sqliteSchema, 'sqlite', 'postgres');
}

/** The inverse: the SQLite schema a rendering was made from. */
export function sqliteSchemaOf(postgresSchema: string): string {
  if (!postgresSchema.startsWith(banner)) throw new Error('not a rendering of prisma/postgresSchema.ts');
  return swap(postgresSchema.slice(banner.length), 'postgres', 'sqlite');
}

function swap(schema: string, from: Flavour, to: Flavour): string {
  let swapped = schema;
  for (const difference of differences) {
    const line = new RegExp(`^(\\s*${difference.key}\\s*=\\s*)${escapeRegExp(difference[from])}`, 'gm');
    const matches = swapped.match(line)?.length ?? 0;
    // Anything else means the schema changed shape and this needs a look.
    if (matches !== 1) throw new Error(`expected one \`${difference.key} = ${difference[from]}\` (found ${matches})`);
    swapped = swapped.replace(line, `$1${difference[to]}`);
  }
  return swapped;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
