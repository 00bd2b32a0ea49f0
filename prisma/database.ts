// Opens the database through Prisma's driver adapter (no engine binaries).
import { PrismaLibSQL } from '@prisma/adapter-libsql';
import { PrismaClient } from './generated/client.ts';

export type Database = PrismaClient;

export function openDatabase(databaseUrl: string): Database {
  if (!databaseUrl.startsWith('file:')) {
    // PostgreSQL arrives with the accounts issue (docs/database.md).
    throw new Error(`unsupported DATABASE_URL scheme: ${databaseUrl.split(':')[0]}: (only file: for now)`);
  }
  return new PrismaClient({ adapter: new PrismaLibSQL({ url: databaseUrl }) });
}
