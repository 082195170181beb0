-- The email gate (#17): items a creator unlocks for a confirmed e-mail address, and the fans'
-- sign-ups with their double opt-in token and the license each was claimed into.
ALTER TABLE "Item" ADD COLUMN "emailGated" BOOLEAN NOT NULL DEFAULT false;

CREATE TABLE "FanSignup" (
    "id" UUID NOT NULL,
    "bundleId" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "tokenHash" TEXT NOT NULL,
    "tokenExpiresAt" TIMESTAMP(3) NOT NULL,
    "lastSentAt" TIMESTAMP(3) NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "confirmedAt" TIMESTAMP(3),
    "userId" UUID,
    "licenseId" UUID,

    CONSTRAINT "FanSignup_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "FanSignup_tokenHash_key" ON "FanSignup"("tokenHash");

CREATE UNIQUE INDEX "FanSignup_bundleId_email_key" ON "FanSignup"("bundleId", "email");

CREATE INDEX "FanSignup_bundleId_confirmedAt_idx" ON "FanSignup"("bundleId", "confirmedAt");

ALTER TABLE "FanSignup" ADD CONSTRAINT "FanSignup_bundleId_fkey" FOREIGN KEY ("bundleId") REFERENCES "Bundle"("id") ON DELETE CASCADE ON UPDATE CASCADE;

ALTER TABLE "FanSignup" ADD CONSTRAINT "FanSignup_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;

ALTER TABLE "FanSignup" ADD CONSTRAINT "FanSignup_licenseId_fkey" FOREIGN KEY ("licenseId") REFERENCES "License"("id") ON DELETE SET NULL ON UPDATE CASCADE;
