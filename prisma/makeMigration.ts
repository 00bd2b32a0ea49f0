// Writes the next migration for both databases from the edited
// prisma/schema.prisma, and re-renders prisma/postgres/schema.prisma.
//   node --import tsx prisma/makeMigration.ts <name>
// Both sides diff the previous datamodel (the committed PostgreSQL rendering,
// turned back into SQLite form where needed) against the new one: that needs
// no database, so it works where Prisma's PostgreSQL migrate commands do not.
// (`--from-migrations` is not used: through the libSQL adapter its scratch
// database loses the indexes, and it re-creates them.) Both diffs run with the
// SQLite configuration: with the PostgreSQL one the CLI connects to a server
// even for a datamodel-to-datamodel diff.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { postgresSchemaPath, renderPostgresSchema, sqliteSchemaOf, sqliteSchemaPath } from './postgresSchema.ts';
import { cliOutput, repoRoot, runPrisma, sqliteConfig } from './prismaCli.ts';

const emptyMigration = '-- This is an empty migration.';

const name = process.argv[2] ?? '';
if (!/^[a-z0-9_]{1,60}$/.test(name)) {
  process.stderr.write('usage: node --import tsx prisma/makeMigration.ts <name: lower-case letters, digits, _>\n');
  process.exit(2);
}
const folder = `${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}_${name}`;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'stagecast-migration-'));
const scratchUrl = `file:${path.join(scratch, 'scratch.db')}`;

try {
  const rendered = renderPostgresSchema(fs.readFileSync(sqliteSchemaPath, 'utf8'));
  const renderedPath = scratchFile('next-postgres.prisma', rendered);
  const previous = fs.existsSync(postgresSchemaPath) ? fs.readFileSync(postgresSchemaPath, 'utf8') : undefined;
  const fromPostgres = previous ? ['--from-schema-datamodel', postgresSchemaPath] : ['--from-empty'];
  const fromSqlite = previous
    ? ['--from-schema-datamodel', scratchFile('previous-sqlite.prisma', sqliteSchemaOf(previous))]
    : ['--from-empty'];

  const sqliteSql = await diff([...fromSqlite, '--to-schema-datamodel', sqliteSchemaPath], 'sqlite');
  const postgresSql = await diff([...fromPostgres, '--to-schema-datamodel', renderedPath], 'postgres');
  if (sqliteSql.includes(emptyMigration) && postgresSql.includes(emptyMigration)) {
    process.stdout.write('no schema changes: nothing written\n');
  } else {
    // The same folder name on both sides keeps the two histories in step.
    for (const [dir, sql] of [
      ['prisma/migrations', sqliteSql],
      ['prisma/postgres/migrations', postgresSql],
    ] as const) {
      const file = path.join(repoRoot, dir, folder, 'migration.sql');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, sql);
      process.stdout.write(`wrote ${path.relative(repoRoot, file)}\n`);
    }
    fs.writeFileSync(postgresSchemaPath, rendered);
    process.stdout.write(
      `wrote ${path.relative(repoRoot, postgresSchemaPath)}\n` +
        'Review both migrations (hand-written SQL, e.g. CHECK constraints or seed rows, goes at the end of each),\n' +
        'then regenerate the clients: node --import tsx prisma/generateClients.ts\n',
    );
  }
} catch (error) {
  process.stderr.write(`${cliOutput(error) || String(error)}\nstagecast: could not write the migration\n`);
  process.exitCode = 1;
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}

function scratchFile(name: string, text: string): string {
  const file = path.join(scratch, name);
  fs.writeFileSync(file, text);
  return file;
}

async function diff(fromTo: string[], flavour: 'sqlite' | 'postgres'): Promise<string> {
  const out = path.join(scratch, `${flavour}.sql`);
  await runPrisma(['migrate', 'diff', ...fromTo, '--script', '-o', out], sqliteConfig, scratchUrl);
  return fs.readFileSync(out, 'utf8');
}
