-- AlterTable
ALTER TABLE "LiveSession" ADD COLUMN "coverImage" TEXT;
