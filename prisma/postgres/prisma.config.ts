// Prisma CLI configuration for the PostgreSQL flavour of the schema (rendered
// from prisma/schema.prisma). `generate` and `migrate diff` work offline with
// it; on machines where Prisma's PostgreSQL migrate commands work, `migrate
// deploy` with it sees the migrations prisma/postgresMigrations.ts applied.
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';

const postgresDir = import.meta.dirname;

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(postgresDir, 'schema.prisma'),
  migrations: { path: path.join(postgresDir, 'migrations') },
  async adapter() {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('DATABASE_URL is not set');
    return new PrismaPg({ connectionString: url });
  },
});
