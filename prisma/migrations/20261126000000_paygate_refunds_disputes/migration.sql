-- Paygate (#6): what Stripe reported about refunds and disputes, kept on the order so the license
-- status can be derived from facts whatever order the webhooks arrive in.
CREATE TYPE "DisputeStatus" AS ENUM ('OPEN', 'WON', 'LOST');

ALTER TABLE "Order" ADD COLUMN "amountRefunded" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "Order" ADD COLUMN "stripeDisputeId" TEXT;
ALTER TABLE "Order" ADD COLUMN "disputeStatus" "DisputeStatus";
