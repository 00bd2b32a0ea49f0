-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_LiveSession" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "title" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "layout" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "primaryHostId" TEXT NOT NULL,
    "primaryHostName" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "endedAt" DATETIME,
    "peakViewers" INTEGER NOT NULL DEFAULT 0,
    "failoverState" TEXT NOT NULL DEFAULT '{}',
    "watchKey" TEXT,
    "watchPasswordHash" TEXT,
    "scheduledFor" DATETIME,
    "description" TEXT NOT NULL DEFAULT '',
    "tags" TEXT NOT NULL DEFAULT '[]'
);
INSERT INTO "new_LiveSession" ("createdAt", "endedAt", "failoverState", "id", "layout", "peakViewers", "primaryHostId", "primaryHostName", "startedAt", "status", "title", "type", "watchKey", "watchPasswordHash") SELECT "createdAt", "endedAt", "failoverState", "id", "layout", "peakViewers", "primaryHostId", "primaryHostName", "startedAt", "status", "title", "type", "watchKey", "watchPasswordHash" FROM "LiveSession";
DROP TABLE "LiveSession";
ALTER TABLE "new_LiveSession" RENAME TO "LiveSession";
CREATE INDEX "LiveSession_status_idx" ON "LiveSession"("status");
CREATE INDEX "LiveSession_primaryHostId_idx" ON "LiveSession"("primaryHostId");
CREATE INDEX "LiveSession_status_scheduledFor_idx" ON "LiveSession"("status", "scheduledFor");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;
