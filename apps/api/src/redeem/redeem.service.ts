import { ConflictException, GoneException, Injectable, NotFoundException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { PrismaService } from '@keyseed/database';
import {
  formatClaimCode,
  GIFT_TOKEN_LENGTH,
  lockBuyerBundle,
  normalizeClaimCode,
  REDEEM_CODE_LENGTH,
} from '@keyseed/paygate';
import { GiftClaimsService } from '../gifts/gift-claims.service';
import { RedeemedView } from './dtos/redeem.responses';
import { assertRedeemable, refuseIfLicensed } from './redeem-rules';

/**
 * A buyer redeems a code (docs/architecture.md, codes): a redeem code grants a license without
 * payment (an order of source REDEEM, amount 0), a gift's claim code grants the gift order's license.
 * Each works once, also under concurrent attempts: the code row is taken by a conditional UPDATE.
 */
@Injectable()
export class RedeemService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly gifts: GiftClaimsService,
  ) {}

  async redeem(user: { id: string }, typed: string): Promise<RedeemedView> {
    const code = normalizeClaimCode(typed);
    if (code?.length === GIFT_TOKEN_LENGTH) return this.gifts.claim(user, code);
    if (code?.length !== REDEEM_CODE_LENGTH) throw notFound(typed);
    const row = await this.prisma.redeemCode.findUnique({
      where: { code },
      include: { batch: { include: { bundle: true } } },
    });
    if (!row) throw notFound(typed);
    const bundle = row.batch.bundle;
    assertRedeemable(bundle);
    return this.prisma.$transaction(async (tx) => {
      await lockBuyerBundle(tx, user.id, bundle.id);
      await refuseIfLicensed(tx, user.id, bundle, 'the code stays unused for someone else');
      const order = await tx.order.create({
        data: {
          id: randomUUID(),
          bundleId: bundle.id,
          buyerId: user.id,
          amount: 0,
          currency: bundle.priceCurrency ?? 'usd',
          status: 'PAID',
          paidAt: new Date(),
          source: 'REDEEM',
        },
      });
      const taken = await tx.$executeRaw`
        UPDATE "RedeemCode" c SET "usedAt" = now(), "usedById" = ${user.id}::uuid, "orderId" = ${order.id}::uuid
        WHERE c.code = ${code} AND c."usedAt" IS NULL AND c."revokedAt" IS NULL
          AND NOT EXISTS (SELECT 1 FROM "RedeemBatch" b WHERE b.id = c."batchId" AND b."revokedAt" IS NOT NULL)`;
      if (taken === 0) {
        // Rolled back with the order: say why the code cannot be used.
        const now = await tx.redeemCode.findUniqueOrThrow({ where: { code }, include: { batch: true } });
        if (now.usedAt) throw new ConflictException(`code ${formatClaimCode(code)} has already been used`);
        throw new GoneException(`code ${formatClaimCode(code)} has been revoked by the creator`);
      }
      const license = await tx.license.create({ data: { orderId: order.id, bundleId: bundle.id, buyerId: user.id } });
      return {
        source: 'REDEEM',
        licenseId: license.id,
        orderId: order.id,
        bundleId: bundle.id,
        bundleSlug: bundle.slug,
        bundleTitle: bundle.title,
      };
    });
  }
}

function notFound(typed: string): NotFoundException {
  return new NotFoundException(`no redeem code or gift ${JSON.stringify(typed.slice(0, 40))}`);
}
