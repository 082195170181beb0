-- E-mail (#17): the mail outbox the worker's `mail` queue sends from, and where a license came from
-- (a purchase, or the email gate's zero-amount grant).
CREATE TYPE "LicenseSource" AS ENUM ('PURCHASE', 'EMAIL_GATE');

CREATE TYPE "MailStatus" AS ENUM ('PENDING', 'SENT', 'FAILED');

ALTER TABLE "License" ADD COLUMN "source" "LicenseSource" NOT NULL DEFAULT 'PURCHASE';

CREATE TABLE "MailMessage" (
    "id" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "to" TEXT NOT NULL,
    "data" JSONB NOT NULL,
    "status" "MailStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sentAt" TIMESTAMP(3),

    CONSTRAINT "MailMessage_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "MailMessage_key_key" ON "MailMessage"("key");

CREATE INDEX "MailMessage_status_createdAt_idx" ON "MailMessage"("status", "createdAt");
