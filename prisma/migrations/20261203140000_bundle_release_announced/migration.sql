-- A premiere's buyers get an e-mail once it is out (worker, housekeeping announce-releases): the
-- bundle records when those notices were recorded. Premieres released before this migration are
-- marked as announced, so nobody gets a notice for a release long past.
ALTER TABLE "Bundle" ADD COLUMN "releaseAnnouncedAt" TIMESTAMP(3);
UPDATE "Bundle" SET "releaseAnnouncedAt" = "releaseAt" WHERE "releaseAt" <= now();
CREATE INDEX "Bundle_releaseAnnouncedAt_releaseAt_idx" ON "Bundle"("releaseAnnouncedAt", "releaseAt");
