-- CreateTable
CREATE TABLE "Product" (
    "id" TEXT NOT NULL,
    "sellerId" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "price" INTEGER NOT NULL,
    "stock" INTEGER NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "image" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Product_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FlashSale" (
    "id" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "dealPrice" INTEGER NOT NULL,
    "startsAt" TIMESTAMP(3) NOT NULL,
    "endsAt" TIMESTAMP(3) NOT NULL,
    "stock" INTEGER NOT NULL,
    "sold" INTEGER NOT NULL DEFAULT 0,
    "perUserLimit" INTEGER NOT NULL,
    "endedAt" TIMESTAMP(3),
    "endReason" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FlashSale_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Voucher" (
    "id" TEXT NOT NULL,
    "sellerId" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "amount" INTEGER NOT NULL,
    "minSpend" INTEGER NOT NULL DEFAULT 0,
    "startsAt" TIMESTAMP(3) NOT NULL,
    "endsAt" TIMESTAMP(3) NOT NULL,
    "totalUses" INTEGER NOT NULL,
    "used" INTEGER NOT NULL DEFAULT 0,
    "perUserUses" INTEGER NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Voucher_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ShopPin" (
    "id" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "productId" TEXT,
    "voucherId" TEXT,
    "pinnedBy" TEXT NOT NULL,
    "pinnedAt" TIMESTAMP(3) NOT NULL,
    "unpinnedAt" TIMESTAMP(3),
    "impressions" INTEGER NOT NULL DEFAULT 0,
    "clicks" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "ShopPin_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ShopOrder" (
    "id" TEXT NOT NULL,
    "buyerId" TEXT NOT NULL,
    "buyerName" TEXT NOT NULL,
    "sellerId" TEXT NOT NULL,
    "productId" TEXT NOT NULL,
    "clientOrderId" TEXT NOT NULL,
    "sessionId" TEXT,
    "pinId" TEXT,
    "flashSaleId" TEXT,
    "voucherId" TEXT,
    "quantity" INTEGER NOT NULL,
    "unitPrice" INTEGER NOT NULL,
    "discount" INTEGER NOT NULL,
    "total" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ShopOrder_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Product_sellerId_createdAt_idx" ON "Product"("sellerId", "createdAt");

-- CreateIndex
CREATE INDEX "FlashSale_sessionId_createdAt_idx" ON "FlashSale"("sessionId", "createdAt");

-- CreateIndex
CREATE INDEX "FlashSale_productId_idx" ON "FlashSale"("productId");

-- CreateIndex
CREATE UNIQUE INDEX "Voucher_sellerId_code_key" ON "Voucher"("sellerId", "code");

-- CreateIndex
CREATE INDEX "ShopPin_sessionId_pinnedAt_idx" ON "ShopPin"("sessionId", "pinnedAt");

-- CreateIndex
CREATE INDEX "ShopOrder_sellerId_createdAt_idx" ON "ShopOrder"("sellerId", "createdAt");

-- CreateIndex
CREATE INDEX "ShopOrder_buyerId_createdAt_idx" ON "ShopOrder"("buyerId", "createdAt");

-- CreateIndex
CREATE INDEX "ShopOrder_flashSaleId_buyerId_idx" ON "ShopOrder"("flashSaleId", "buyerId");

-- CreateIndex
CREATE INDEX "ShopOrder_voucherId_buyerId_idx" ON "ShopOrder"("voucherId", "buyerId");

-- CreateIndex
CREATE INDEX "ShopOrder_pinId_idx" ON "ShopOrder"("pinId");

-- CreateIndex
CREATE INDEX "ShopOrder_sessionId_idx" ON "ShopOrder"("sessionId");

-- CreateIndex
CREATE UNIQUE INDEX "ShopOrder_buyerId_clientOrderId_key" ON "ShopOrder"("buyerId", "clientOrderId");

-- AddForeignKey
ALTER TABLE "Product" ADD CONSTRAINT "Product_sellerId_fkey" FOREIGN KEY ("sellerId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FlashSale" ADD CONSTRAINT "FlashSale_productId_fkey" FOREIGN KEY ("productId") REFERENCES "Product"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Voucher" ADD CONSTRAINT "Voucher_sellerId_fkey" FOREIGN KEY ("sellerId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ShopOrder" ADD CONSTRAINT "ShopOrder_productId_fkey" FOREIGN KEY ("productId") REFERENCES "Product"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written below (Prisma's schema has no CHECK constraints): stock never
-- goes below zero, a sale never sells more than its stock, a voucher is never
-- used more often than allowed, whatever the code does.
ALTER TABLE "Product" ADD CONSTRAINT "Product_price_check" CHECK ("price" >= 1);
ALTER TABLE "Product" ADD CONSTRAINT "Product_stock_check" CHECK ("stock" >= 0);
ALTER TABLE "FlashSale" ADD CONSTRAINT "FlashSale_sold_check" CHECK ("sold" >= 0 AND "sold" <= "stock");
ALTER TABLE "Voucher" ADD CONSTRAINT "Voucher_used_check" CHECK ("used" >= 0 AND "used" <= "totalUses");
