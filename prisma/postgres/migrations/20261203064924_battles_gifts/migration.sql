-- CreateTable
CREATE TABLE "Gift" (
    "id" TEXT NOT NULL,
    "senderId" TEXT NOT NULL,
    "senderName" TEXT NOT NULL,
    "clientGiftId" TEXT NOT NULL,
    "receiverId" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "battleId" TEXT,
    "giftTypeId" TEXT NOT NULL,
    "quantity" INTEGER NOT NULL,
    "unitValue" INTEGER NOT NULL,
    "value" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Gift_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Battle" (
    "id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "durationS" INTEGER NOT NULL,
    "invitedBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "respondBy" TIMESTAMP(3) NOT NULL,
    "startsAt" TIMESTAMP(3),
    "endsAt" TIMESTAMP(3),
    "resultUntil" TIMESTAMP(3),
    "endedAt" TIMESTAMP(3),
    "endReason" TEXT,
    "winnerSessionId" TEXT,

    CONSTRAINT "Battle_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "BattleSide" (
    "battleId" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "sessionId" TEXT NOT NULL,
    "hostId" TEXT NOT NULL,
    "hostName" TEXT NOT NULL,
    "sessionTitle" TEXT NOT NULL,
    "score" INTEGER NOT NULL DEFAULT 0,
    "outcome" TEXT,
    "mvpUserId" TEXT,
    "mvpName" TEXT,
    "mvpValue" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "BattleSide_pkey" PRIMARY KEY ("battleId","position")
);

-- CreateTable
CREATE TABLE "BattleStats" (
    "userId" TEXT NOT NULL,
    "battles" INTEGER NOT NULL DEFAULT 0,
    "wins" INTEGER NOT NULL DEFAULT 0,
    "losses" INTEGER NOT NULL DEFAULT 0,
    "draws" INTEGER NOT NULL DEFAULT 0,
    "giftValue" INTEGER NOT NULL DEFAULT 0,
    "winStreak" INTEGER NOT NULL DEFAULT 0,
    "bestWinStreak" INTEGER NOT NULL DEFAULT 0,
    "experience" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "BattleStats_pkey" PRIMARY KEY ("userId")
);

-- CreateIndex
CREATE INDEX "Gift_sessionId_createdAt_idx" ON "Gift"("sessionId", "createdAt");

-- CreateIndex
CREATE INDEX "Gift_battleId_sessionId_senderId_idx" ON "Gift"("battleId", "sessionId", "senderId");

-- CreateIndex
CREATE INDEX "Gift_receiverId_createdAt_idx" ON "Gift"("receiverId", "createdAt");

-- CreateIndex
CREATE INDEX "Gift_createdAt_idx" ON "Gift"("createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "Gift_senderId_clientGiftId_key" ON "Gift"("senderId", "clientGiftId");

-- CreateIndex
CREATE INDEX "Battle_status_idx" ON "Battle"("status");

-- CreateIndex
CREATE INDEX "Battle_endedAt_idx" ON "Battle"("endedAt");

-- CreateIndex
CREATE INDEX "BattleSide_hostId_idx" ON "BattleSide"("hostId");

-- CreateIndex
CREATE INDEX "BattleSide_sessionId_idx" ON "BattleSide"("sessionId");

-- CreateIndex
CREATE UNIQUE INDEX "BattleSide_battleId_sessionId_key" ON "BattleSide"("battleId", "sessionId");

-- AddForeignKey
ALTER TABLE "Gift" ADD CONSTRAINT "Gift_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "LiveSession"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BattleSide" ADD CONSTRAINT "BattleSide_battleId_fkey" FOREIGN KEY ("battleId") REFERENCES "Battle"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "BattleSide" ADD CONSTRAINT "BattleSide_sessionId_fkey" FOREIGN KEY ("sessionId") REFERENCES "LiveSession"("id") ON DELETE CASCADE ON UPDATE CASCADE;
