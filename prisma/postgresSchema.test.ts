// The PostgreSQL schema is a rendering of the SQLite one, and both migration
// histories move in step.
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { postgresSchemaPath, renderPostgresSchema, sqliteSchemaOf, sqliteSchemaPath } from './postgresSchema.ts';

const sqliteSchema = fs.readFileSync(sqliteSchemaPath, 'utf8');

test('prisma/postgres/schema.prisma is up to date (else: node --import tsx prisma/makeMigration.ts <name>)', () => {
  assert.fixture(fs.readFileSync(postgresSchemaPath, 'utf8'), renderPostgresSchema(sqliteSchema));
});

test('the rendering changes only the provider and the client output, and turns back', () => {
  const rendered = renderPostgresSchema(sqliteSchema);
  assert.match(rendered, /^\s*provider\s*=\s*"postgresql"/m);
  assert.match(rendered, /^\s*output\s*=\s*"\.\.\/generated\/postgres"/m);
  assert.not.match(rendered, /"sqlite"/);
  assert.is(sqliteSchemaOf(rendered), sqliteSchema);
  const models = (schema: string) => schema.slice(schema.indexOf('\nmodel '));
  assert.is(models(rendered), models(sqliteSchema));
});

test('a schema of an unexpected shape is refused rather than half rendered', () => {
  assert.throws(() => renderPostgresSchema(sqliteSchema.replace('"sqlite"', '"mysql"')), /provider/);
  assert.throws(() => renderPostgresSchema(`${sqliteSchema}\n  provider = "sqlite"\n`), /found 2/);
  assert.throws(() => sqliteSchemaOf(sqliteSchema), /not a rendering/);
});

test('both databases have the same migrations, and lock files naming their provider', () => {
  const folders = (dir: string) =>
    fs
      .readdirSync(path.join(import.meta.dirname, dir), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  assert.equal(folders('postgres/migrations'), folders('migrations'));
  const lock = (dir: string) => fs.readFileSync(path.join(import.meta.dirname, dir, 'migration_lock.toml'), 'utf8');
  assert.match(lock('migrations'), /provider = "sqlite"/);
  assert.match(lock('postgres/migrations'), /provider = "postgresql"/);
});

test.run();
