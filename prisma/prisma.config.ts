// Prisma CLI configuration. The CLI runs on the JS engine with the libSQL
// driver adapter, so `generate` and `migrate deploy` need no downloaded
// engine binaries (they cannot be fetched on air-gapped machines).
import path from 'node:path';
import { PrismaLibSQL } from '@prisma/adapter-libsql';
import { defineConfig } from 'prisma/config';

const prismaDir = import.meta.dirname;

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(prismaDir, 'schema.prisma'),
  migrations: { path: path.join(prismaDir, 'migrations') },
  async adapter() {
    const url = process.env.DATABASE_URL;
    if (!url) throw new Error('DATABASE_URL is not set');
    return new PrismaLibSQL({ url });
  },
});
