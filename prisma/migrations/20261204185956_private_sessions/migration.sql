-- AlterTable
ALTER TABLE "LiveSession" ADD COLUMN "watchKey" TEXT;
ALTER TABLE "LiveSession" ADD COLUMN "watchPasswordHash" TEXT;
