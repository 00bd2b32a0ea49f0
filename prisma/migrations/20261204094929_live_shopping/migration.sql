-- CreateTable
CREATE TABLE "Product" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sellerId" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    -- Hand-written: prices are positive and stock never goes below zero, whatever the code does.
    "price" INTEGER NOT NULL CHECK ("price" >= 1),
    "stock" INTEGER NOT NULL CHECK ("stock" >= 0),
    "active" BOOLEAN NOT NULL DEFAULT true,
    "image" TEXT,
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Product_sellerId_fkey" FOREIGN KEY ("sellerId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "FlashSale" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "productId" TEXT NOT NULL,
    "sessionId" TEXT NOT NULL,
    "dealPrice" INTEGER NOT NULL,
    "startsAt" DATETIME NOT NULL,
    "endsAt" DATETIME NOT NULL,
    "stock" INTEGER NOT NULL,
    -- Hand-written: a sale never sells more than its stock.
    "sold" INTEGER NOT NULL DEFAULT 0 CHECK ("sold" >= 0 AND "sold" <= "stock"),
    "perUserLimit" INTEGER NOT NULL,
    "endedAt" DATETIME,
    "endReason" TEXT,
    "createdAt" DATETIME NOT NULL,
    CONSTRAINT "FlashSale_productId_fkey" FOREIGN KEY ("productId") REFERENCES "Product" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Voucher" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sellerId" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "amount" INTEGER NOT NULL,
    "minSpend" INTEGER NOT NULL DEFAULT 0,
    "startsAt" DATETIME NOT NULL,
    "endsAt" DATETIME NOT NULL,
    "totalUses" INTEGER NOT NULL,
    -- Hand-written: a voucher is never used more often than allowed.
    "used" INTEGER NOT NULL DEFAULT 0 CHECK ("used" >= 0 AND "used" <= "totalUses"),
    "perUserUses" INTEGER NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "createdAt" DATETIME NOT NULL,
    CONSTRAINT "Voucher_sellerId_fkey" FOREIGN KEY ("sellerId") REFERENCES "User" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "ShopPin" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "sessionId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "productId" TEXT,
    "voucherId" TEXT,
    "pinnedBy" TEXT NOT NULL,
    "pinnedAt" DATETIME NOT NULL,
    "unpinnedAt" DATETIME,
    "impressions" INTEGER NOT NULL DEFAULT 0,
    "clicks" INTEGER NOT NULL DEFAULT 0
);

-- CreateTable
CREATE TABLE "ShopOrder" (
    "id" TEXT NOT NULL PRIMARY KEY,
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
    "createdAt" DATETIME NOT NULL,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "ShopOrder_productId_fkey" FOREIGN KEY ("productId") REFERENCES "Product" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
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
