-- CreateEnum
CREATE TYPE "Role" AS ENUM ('CREATOR', 'BUYER', 'ADMIN');
CREATE TYPE "TokenKind" AS ENUM ('SESSION', 'PERSONAL');
CREATE TYPE "BundleStatus" AS ENUM ('DRAFT', 'PUBLISHING', 'PUBLISHED', 'UNLISTED', 'TAKEN_DOWN');
CREATE TYPE "ItemStatus" AS ENUM ('AWAITING_UPLOAD', 'UPLOADING', 'QUEUED', 'INGESTING', 'READY', 'FAILED');
CREATE TYPE "OrderStatus" AS ENUM ('PENDING', 'PAID', 'FAILED', 'EXPIRED', 'REFUNDED');
CREATE TYPE "LicenseStatus" AS ENUM ('ACTIVE', 'SUSPENDED', 'REVOKED');

-- CreateTable
CREATE TABLE "User" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "passwordHash" TEXT NOT NULL,
    "displayName" TEXT NOT NULL,
    "roles" "Role"[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "disabledAt" TIMESTAMP(3),
    CONSTRAINT "User_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "ApiToken" (
    "id" UUID NOT NULL,
    "userId" UUID NOT NULL,
    "kind" "TokenKind" NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastUsedAt" TIMESTAMP(3),
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "Bundle" (
    "id" UUID NOT NULL,
    "slug" TEXT NOT NULL,
    "creatorId" UUID NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "pieceLength" INTEGER,
    "status" "BundleStatus" NOT NULL DEFAULT 'DRAFT',
    "takedownReason" TEXT,
    "priceAmount" INTEGER,
    "priceCurrency" TEXT,
    "priceMinimum" INTEGER,
    "infoHashV1" TEXT,
    "infoHashV2" TEXT,
    "infoHashV1Legacy" TEXT,
    "magnet" TEXT,
    "publishedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Bundle_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "Item" (
    "id" UUID NOT NULL,
    "bundleId" UUID NOT NULL,
    "path" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "locked" BOOLEAN NOT NULL DEFAULT true,
    "previewPieces" INTEGER NOT NULL DEFAULT 0,
    "status" "ItemStatus" NOT NULL DEFAULT 'AWAITING_UPLOAD',
    "failureReason" TEXT,
    "size" BIGINT,
    "uploadKey" TEXT,
    "progress" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "bytesPerSecond" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "ingestStartedAt" TIMESTAMP(3),
    "ingestedAt" TIMESTAMP(3),
    "ingestGeneration" INTEGER NOT NULL DEFAULT 0,
    "pieceHashesV1" BYTEA,
    "piecesRoot" BYTEA,
    "pieceLayer" BYTEA,
    "plaintextSha256" TEXT,
    "wrappedKey" BYTEA,
    "kekId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Item_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "Upload" (
    "id" TEXT NOT NULL,
    "bundleId" UUID NOT NULL,
    "itemId" UUID NOT NULL,
    "creatorId" UUID NOT NULL,
    "size" BIGINT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "completedAt" TIMESTAMP(3),
    CONSTRAINT "Upload_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "PriceChange" (
    "id" UUID NOT NULL,
    "bundleId" UUID NOT NULL,
    "adminId" UUID NOT NULL,
    "oldAmount" INTEGER,
    "oldCurrency" TEXT,
    "oldMinimum" INTEGER,
    "newAmount" INTEGER,
    "newCurrency" TEXT,
    "newMinimum" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "PriceChange_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "Order" (
    "id" UUID NOT NULL,
    "bundleId" UUID NOT NULL,
    "buyerId" UUID NOT NULL,
    "amount" INTEGER NOT NULL,
    "currency" TEXT NOT NULL,
    "status" "OrderStatus" NOT NULL DEFAULT 'PENDING',
    "stripeSessionId" TEXT,
    "stripePaymentIntentId" TEXT,
    "checkoutUrl" TEXT,
    "paidAt" TIMESTAMP(3),
    "refundedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "Order_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "License" (
    "id" UUID NOT NULL,
    "orderId" UUID NOT NULL,
    "bundleId" UUID NOT NULL,
    "buyerId" UUID NOT NULL,
    "status" "LicenseStatus" NOT NULL DEFAULT 'ACTIVE',
    "statusReason" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    CONSTRAINT "License_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "Device" (
    "id" UUID NOT NULL,
    "licenseId" UUID NOT NULL,
    "publicKey" TEXT NOT NULL,
    "name" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "removedAt" TIMESTAMP(3),
    CONSTRAINT "Device_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "KeyDelivery" (
    "id" UUID NOT NULL,
    "licenseId" UUID,
    "deviceId" UUID,
    "userId" UUID,
    "itemId" UUID NOT NULL,
    "firstPiece" INTEGER NOT NULL,
    "lastPiece" INTEGER NOT NULL,
    "preview" BOOLEAN NOT NULL DEFAULT false,
    "address" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "KeyDelivery_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "StripeEvent" (
    "id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "orderId" UUID,
    "receivedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "StripeEvent_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "AuditLog" (
    "id" UUID NOT NULL,
    "actorId" UUID,
    "action" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "targetId" TEXT NOT NULL,
    "details" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "AuditLog_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "User_email_key" ON "User"("email");
CREATE UNIQUE INDEX "ApiToken_tokenHash_key" ON "ApiToken"("tokenHash");
CREATE INDEX "ApiToken_userId_kind_idx" ON "ApiToken"("userId", "kind");
CREATE UNIQUE INDEX "Bundle_slug_key" ON "Bundle"("slug");
CREATE UNIQUE INDEX "Bundle_infoHashV1_key" ON "Bundle"("infoHashV1");
CREATE UNIQUE INDEX "Bundle_infoHashV2_key" ON "Bundle"("infoHashV2");
CREATE UNIQUE INDEX "Bundle_infoHashV1Legacy_key" ON "Bundle"("infoHashV1Legacy");
CREATE INDEX "Bundle_creatorId_createdAt_idx" ON "Bundle"("creatorId", "createdAt");
CREATE INDEX "Bundle_status_publishedAt_idx" ON "Bundle"("status", "publishedAt");
CREATE INDEX "Item_bundleId_position_idx" ON "Item"("bundleId", "position");
CREATE INDEX "Item_kekId_idx" ON "Item"("kekId");
CREATE UNIQUE INDEX "Item_bundleId_path_key" ON "Item"("bundleId", "path");
CREATE INDEX "Upload_creatorId_completedAt_idx" ON "Upload"("creatorId", "completedAt");
CREATE INDEX "Upload_expiresAt_idx" ON "Upload"("expiresAt");
CREATE INDEX "PriceChange_bundleId_createdAt_idx" ON "PriceChange"("bundleId", "createdAt");
CREATE UNIQUE INDEX "Order_stripeSessionId_key" ON "Order"("stripeSessionId");
CREATE UNIQUE INDEX "Order_stripePaymentIntentId_key" ON "Order"("stripePaymentIntentId");
CREATE INDEX "Order_buyerId_createdAt_idx" ON "Order"("buyerId", "createdAt");
CREATE INDEX "Order_bundleId_status_idx" ON "Order"("bundleId", "status");
CREATE INDEX "Order_status_createdAt_idx" ON "Order"("status", "createdAt");
CREATE UNIQUE INDEX "License_orderId_key" ON "License"("orderId");
CREATE INDEX "License_buyerId_bundleId_idx" ON "License"("buyerId", "bundleId");
CREATE UNIQUE INDEX "Device_licenseId_publicKey_key" ON "Device"("licenseId", "publicKey");
CREATE INDEX "KeyDelivery_licenseId_createdAt_idx" ON "KeyDelivery"("licenseId", "createdAt");
CREATE INDEX "KeyDelivery_itemId_createdAt_idx" ON "KeyDelivery"("itemId", "createdAt");
CREATE INDEX "AuditLog_targetType_targetId_createdAt_idx" ON "AuditLog"("targetType", "targetId", "createdAt");
CREATE INDEX "AuditLog_actorId_createdAt_idx" ON "AuditLog"("actorId", "createdAt");

-- AddForeignKey
ALTER TABLE "ApiToken" ADD CONSTRAINT "ApiToken_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Bundle" ADD CONSTRAINT "Bundle_creatorId_fkey" FOREIGN KEY ("creatorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Item" ADD CONSTRAINT "Item_bundleId_fkey" FOREIGN KEY ("bundleId") REFERENCES "Bundle"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Upload" ADD CONSTRAINT "Upload_bundleId_fkey" FOREIGN KEY ("bundleId") REFERENCES "Bundle"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Upload" ADD CONSTRAINT "Upload_itemId_fkey" FOREIGN KEY ("itemId") REFERENCES "Item"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "Upload" ADD CONSTRAINT "Upload_creatorId_fkey" FOREIGN KEY ("creatorId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "PriceChange" ADD CONSTRAINT "PriceChange_bundleId_fkey" FOREIGN KEY ("bundleId") REFERENCES "Bundle"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "PriceChange" ADD CONSTRAINT "PriceChange_adminId_fkey" FOREIGN KEY ("adminId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Order" ADD CONSTRAINT "Order_bundleId_fkey" FOREIGN KEY ("bundleId") REFERENCES "Bundle"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Order" ADD CONSTRAINT "Order_buyerId_fkey" FOREIGN KEY ("buyerId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "License" ADD CONSTRAINT "License_orderId_fkey" FOREIGN KEY ("orderId") REFERENCES "Order"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "License" ADD CONSTRAINT "License_bundleId_fkey" FOREIGN KEY ("bundleId") REFERENCES "Bundle"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "License" ADD CONSTRAINT "License_buyerId_fkey" FOREIGN KEY ("buyerId") REFERENCES "User"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
ALTER TABLE "Device" ADD CONSTRAINT "Device_licenseId_fkey" FOREIGN KEY ("licenseId") REFERENCES "License"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "KeyDelivery" ADD CONSTRAINT "KeyDelivery_licenseId_fkey" FOREIGN KEY ("licenseId") REFERENCES "License"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "KeyDelivery" ADD CONSTRAINT "KeyDelivery_deviceId_fkey" FOREIGN KEY ("deviceId") REFERENCES "Device"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "KeyDelivery" ADD CONSTRAINT "KeyDelivery_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "KeyDelivery" ADD CONSTRAINT "KeyDelivery_itemId_fkey" FOREIGN KEY ("itemId") REFERENCES "Item"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "AuditLog" ADD CONSTRAINT "AuditLog_actorId_fkey" FOREIGN KEY ("actorId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;
