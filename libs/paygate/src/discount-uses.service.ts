import { Injectable, Logger } from '@nestjs/common';
import { Prisma, PrismaService } from '@keyseed/database';
import type { Tx } from './order-transitions.service';

/** A reservation whose order never committed (a crash between the two) is given back after this. */
const ORPHAN_AFTER_MS = 10 * 60_000;

/**
 * Uses of discount codes (docs/architecture.md, codes). A use is reserved when a checkout creates
 * its order — one conditional UPDATE … WHERE uses < maxUses with the DiscountUse insert, so 50
 * concurrent checkouts of a 10-use code get exactly 10 — and given back when the order ends unpaid
 * (expired, failed, superseded). A paid order keeps it, refunded or not.
 */
@Injectable()
export class DiscountUses {
  private readonly logger = new Logger('paygate');

  constructor(private readonly prisma: PrismaService) {}

  /**
   * Takes one use of the code for `orderId` (committed at once, before the order row: the checkout
   * transaction holds it through the Stripe call, and a row lock there would serialise every
   * checkout of the code). False when the code is used up or disabled.
   */
  async reserve(codeId: string, orderId: string): Promise<boolean> {
    const rows = await this.prisma.$queryRaw<{ orderId: string }[]>`
      WITH taken AS (
        UPDATE "DiscountCode" SET uses = uses + 1
        WHERE id = ${codeId}::uuid AND "disabledAt" IS NULL AND ("maxUses" IS NULL OR uses < "maxUses")
        RETURNING id
      )
      INSERT INTO "DiscountUse" ("orderId", "codeId") SELECT ${orderId}::uuid, id FROM taken
      RETURNING "orderId"`;
    return rows.length === 1;
  }

  /** Gives back the use `orderId` holds, if any (idempotent: the DiscountUse row goes once). */
  async release(db: Tx | PrismaService, orderId: string): Promise<boolean> {
    const released = await db.$executeRaw`
      WITH gone AS (DELETE FROM "DiscountUse" WHERE "orderId" = ${orderId}::uuid RETURNING "codeId")
      UPDATE "DiscountCode" SET uses = uses - 1 WHERE id IN (SELECT "codeId" FROM gone)`;
    if (released > 0) this.logger.log({ event: 'paygate.discount_released', orderId });
    return released > 0;
  }

  /**
   * An order paid after its use was given back (Stripe's session paid after it expired here): the
   * payment happened, so the use counts again, past maxUses if need be.
   */
  async retake(tx: Tx, orderId: string, codeId: string): Promise<void> {
    await tx.$executeRaw`
      WITH added AS (
        INSERT INTO "DiscountUse" ("orderId", "codeId") VALUES (${orderId}::uuid, ${codeId}::uuid)
        ON CONFLICT DO NOTHING RETURNING "codeId"
      )
      UPDATE "DiscountCode" SET uses = uses + 1 WHERE id IN (SELECT "codeId" FROM added)`;
  }

  /**
   * Reconciliation's safety net: uses held by orders that ended unpaid (a path that did not give
   * them back) or by orders that never committed.
   */
  async releaseStale(now = new Date()): Promise<number> {
    const orphanBefore = new Date(now.getTime() - ORPHAN_AFTER_MS);
    const stale = await this.prisma.$queryRaw<{ orderId: string }[]>(Prisma.sql`
      SELECT u."orderId" FROM "DiscountUse" u LEFT JOIN "Order" o ON o.id = u."orderId"
      WHERE (o.id IS NULL AND u."createdAt" < ${orphanBefore})
         OR o.status IN ('EXPIRED', 'FAILED')
      LIMIT 500`);
    let n = 0;
    for (const { orderId } of stale) if (await this.release(this.prisma, orderId)) n++;
    return n;
  }
}
