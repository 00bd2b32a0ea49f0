-- AlterTable
ALTER TABLE "LiveSession" ADD COLUMN     "failoverState" TEXT NOT NULL DEFAULT '{}';
