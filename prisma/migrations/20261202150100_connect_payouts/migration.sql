-- Stripe Connect (#17): creators' Express accounts, the platform's fee per creator with history,
-- platform-as-seller-of-record per bundle, and the destination-charge facts of each order.
ALTER TABLE "User" ADD COLUMN "platformFeeBps" INTEGER;

ALTER TABLE "Bundle" ADD COLUMN "platformSellerOfRecord" BOOLEAN NOT NULL DEFAULT false;

ALTER TABLE "Order" ADD COLUMN "transferDestination" TEXT,
ADD COLUMN "applicationFeeAmount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "stripeTransferId" TEXT,
ADD COLUMN "transferReversed" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN "feeRefunded" INTEGER NOT NULL DEFAULT 0;

CREATE TABLE "PayoutAccount" (
    "creatorId" UUID NOT NULL,
    "stripeAccountId" TEXT NOT NULL,
    "chargesEnabled" BOOLEAN NOT NULL DEFAULT false,
    "payoutsEnabled" BOOLEAN NOT NULL DEFAULT false,
    "detailsSubmitted" BOOLEAN NOT NULL DEFAULT false,
    "requirementsDue" TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PayoutAccount_pkey" PRIMARY KEY ("creatorId")
);

CREATE TABLE "CreatorFeeChange" (
    "id" UUID NOT NULL,
    "creatorId" UUID NOT NULL,
    "adminId" UUID NOT NULL,
    "oldBps" INTEGER,
    "newBps" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "CreatorFeeChange_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "PayoutAccount_stripeAccountId_key" ON "PayoutAccount"("stripeAccountId");
CREATE INDEX "CreatorFeeChange_creatorId_createdAt_idx" ON "CreatorFeeChange"("creatorId", "createdAt");

ALTER TABLE "PayoutAccount" ADD CONSTRAINT "PayoutAccount_creatorId_fkey" FOREIGN KEY ("creatorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "CreatorFeeChange" ADD CONSTRAINT "CreatorFeeChange_creatorId_fkey" FOREIGN KEY ("creatorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "CreatorFeeChange" ADD CONSTRAINT "CreatorFeeChange_adminId_fkey" FOREIGN KEY ("adminId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
