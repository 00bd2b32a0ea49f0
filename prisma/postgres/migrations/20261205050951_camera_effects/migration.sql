-- CreateTable
CREATE TABLE "EffectUnlock" (
    "userId" TEXT NOT NULL,
    "effectId" TEXT NOT NULL,
    "transactionId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EffectUnlock_pkey" PRIMARY KEY ("userId","effectId")
);

-- CreateTable
CREATE TABLE "EffectChoice" (
    "userId" TEXT NOT NULL,
    "choice" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "EffectChoice_pkey" PRIMARY KEY ("userId")
);

-- AddForeignKey
ALTER TABLE "EffectUnlock" ADD CONSTRAINT "EffectUnlock_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EffectChoice" ADD CONSTRAINT "EffectChoice_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
