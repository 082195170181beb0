-- AlterTable
ALTER TABLE "Bundle" ADD COLUMN     "releaseAt" TIMESTAMP(3);
