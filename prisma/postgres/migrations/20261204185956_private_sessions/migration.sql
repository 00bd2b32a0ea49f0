-- AlterTable
ALTER TABLE "LiveSession" ADD COLUMN     "watchKey" TEXT,
ADD COLUMN     "watchPasswordHash" TEXT;
