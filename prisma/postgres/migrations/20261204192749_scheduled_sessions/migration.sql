-- AlterTable
ALTER TABLE "LiveSession" ADD COLUMN     "description" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "scheduledFor" TIMESTAMP(3),
ADD COLUMN     "tags" TEXT NOT NULL DEFAULT '[]';

-- CreateIndex
CREATE INDEX "LiveSession_status_scheduledFor_idx" ON "LiveSession"("status", "scheduledFor");
