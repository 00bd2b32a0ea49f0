-- AlterTable (a plain ADD COLUMN: SQLite adds a column with a constant default in place)
ALTER TABLE "LiveSession" ADD COLUMN "failoverState" TEXT NOT NULL DEFAULT '{}';
