-- Codes and gifts (#17): discount codes applied at checkout (with exact max uses), redeem codes made in
-- batches that grant a license without payment, and gifts (a checkout paid for someone else's claim).
CREATE TYPE "OrderSource" AS ENUM ('CHECKOUT', 'GIFT', 'REDEEM');
CREATE TYPE "DiscountKind" AS ENUM ('PERCENT', 'AMOUNT');
CREATE TYPE "GiftStatus" AS ENUM ('AWAITING_PAYMENT', 'CLAIMABLE', 'CLAIMED', 'REVOKED');

ALTER TABLE "Order" ADD COLUMN "source" "OrderSource" NOT NULL DEFAULT 'CHECKOUT',
ADD COLUMN "discountCodeId" UUID,
ADD COLUMN "originalAmount" INTEGER;

CREATE TABLE "DiscountCode" (
    "id" UUID NOT NULL,
    "code" TEXT NOT NULL,
    "creatorId" UUID NOT NULL,
    "bundleId" UUID,
    "createdById" UUID NOT NULL,
    "kind" "DiscountKind" NOT NULL,
    "percentOff" INTEGER,
    "amountOff" INTEGER,
    "currency" TEXT,
    "maxUses" INTEGER,
    "uses" INTEGER NOT NULL DEFAULT 0,
    "startsAt" TIMESTAMP(3),
    "endsAt" TIMESTAMP(3),
    "disabledAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DiscountCode_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "DiscountUse" (
    "orderId" UUID NOT NULL,
    "codeId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DiscountUse_pkey" PRIMARY KEY ("orderId")
);

CREATE TABLE "RedeemBatch" (
    "id" UUID NOT NULL,
    "bundleId" UUID NOT NULL,
    "createdById" UUID NOT NULL,
    "label" TEXT NOT NULL DEFAULT '',
    "size" INTEGER NOT NULL,
    "revokedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RedeemBatch_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "RedeemCode" (
    "code" TEXT NOT NULL,
    "batchId" UUID NOT NULL,
    "usedAt" TIMESTAMP(3),
    "usedById" UUID,
    "orderId" UUID,
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "RedeemCode_pkey" PRIMARY KEY ("code")
);

CREATE TABLE "Gift" (
    "id" UUID NOT NULL,
    "orderId" UUID NOT NULL,
    "recipientEmail" TEXT NOT NULL,
    "message" TEXT NOT NULL DEFAULT '',
    "claimToken" TEXT NOT NULL,
    "status" "GiftStatus" NOT NULL DEFAULT 'AWAITING_PAYMENT',
    "claimedById" UUID,
    "claimedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Gift_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "DiscountCode_creatorId_code_key" ON "DiscountCode"("creatorId", "code");
CREATE INDEX "DiscountCode_bundleId_idx" ON "DiscountCode"("bundleId");
CREATE INDEX "DiscountUse_codeId_idx" ON "DiscountUse"("codeId");
CREATE INDEX "DiscountUse_createdAt_idx" ON "DiscountUse"("createdAt");
CREATE INDEX "RedeemBatch_bundleId_createdAt_idx" ON "RedeemBatch"("bundleId", "createdAt");
CREATE INDEX "RedeemCode_batchId_idx" ON "RedeemCode"("batchId");
CREATE UNIQUE INDEX "RedeemCode_orderId_key" ON "RedeemCode"("orderId");
CREATE UNIQUE INDEX "Gift_orderId_key" ON "Gift"("orderId");
CREATE UNIQUE INDEX "Gift_claimToken_key" ON "Gift"("claimToken");

ALTER TABLE "Order" ADD CONSTRAINT "Order_discountCodeId_fkey" FOREIGN KEY ("discountCodeId") REFERENCES "DiscountCode"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "DiscountCode" ADD CONSTRAINT "DiscountCode_creatorId_fkey" FOREIGN KEY ("creatorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "DiscountCode" ADD CONSTRAINT "DiscountCode_bundleId_fkey" FOREIGN KEY ("bundleId") REFERENCES "Bundle"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "DiscountCode" ADD CONSTRAINT "DiscountCode_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "DiscountUse" ADD CONSTRAINT "DiscountUse_codeId_fkey" FOREIGN KEY ("codeId") REFERENCES "DiscountCode"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "RedeemBatch" ADD CONSTRAINT "RedeemBatch_bundleId_fkey" FOREIGN KEY ("bundleId") REFERENCES "Bundle"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "RedeemBatch" ADD CONSTRAINT "RedeemBatch_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "RedeemCode" ADD CONSTRAINT "RedeemCode_batchId_fkey" FOREIGN KEY ("batchId") REFERENCES "RedeemBatch"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "RedeemCode" ADD CONSTRAINT "RedeemCode_usedById_fkey" FOREIGN KEY ("usedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "RedeemCode" ADD CONSTRAINT "RedeemCode_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "Gift" ADD CONSTRAINT "Gift_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Gift" ADD CONSTRAINT "Gift_claimedById_fkey" FOREIGN KEY ("claimedById") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
