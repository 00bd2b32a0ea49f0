-- CreateTable
CREATE TABLE "SavedBanner" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "ownerId" TEXT NOT NULL,
    "text" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "SavedBanner_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "SavedBanner_ownerId_createdAt_idx" ON "SavedBanner"("ownerId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "SavedBanner_ownerId_text_key" ON "SavedBanner"("ownerId", "text");
