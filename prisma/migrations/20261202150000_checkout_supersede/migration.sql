-- AlterTable
ALTER TABLE "Order" ADD COLUMN     "supersededAt" TIMESTAMP(3),
ADD COLUMN     "supersedeReason" TEXT;
