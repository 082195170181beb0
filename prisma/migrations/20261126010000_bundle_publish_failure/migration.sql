-- AlterTable: why the last publish attempt failed (shown to the creator; cleared by the next publish)
ALTER TABLE "Bundle" ADD COLUMN "publishFailureReason" TEXT;
