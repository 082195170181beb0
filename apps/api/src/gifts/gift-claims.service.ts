import { ConflictException, GoneException, Injectable, NotFoundException } from '@nestjs/common';
import { lockRow, PrismaService } from '@keyseed/database';
import { licenseDecision, lockBuyerBundle } from '@keyseed/paygate';
import type { RedeemedView } from '../redeem/dtos/redeem.responses';
import { assertRedeemable, refuseIfLicensed } from '../redeem/redeem-rules';

/**
 * Claiming a gift (docs/architecture.md, gifts): the gift order's one license goes to the account
 * that claims the code first. The order row is locked as the webhook locks it, so a claim and a
 * refund of the same gift are serialised; License.orderId is unique, so two claims make one license.
 */
@Injectable()
export class GiftClaimsService {
  constructor(private readonly prisma: PrismaService) {}

  async claim(user: { id: string }, token: string): Promise<RedeemedView> {
    const gift = await this.prisma.gift.findUnique({
      where: { claimToken: token },
      select: { id: true, orderId: true, order: { select: { bundle: true } } },
    });
    if (!gift) throw new NotFoundException('no redeem code or gift with this code');
    const bundle = gift.order.bundle;
    assertRedeemable(bundle);
    return this.prisma.$transaction(async (tx) => {
      await lockRow(tx, 'Order', gift.orderId);
      const now = await tx.gift.findUniqueOrThrow({ where: { id: gift.id }, include: { order: true } });
      if (now.status === 'CLAIMED') throw new ConflictException('this gift has already been claimed');
      if (now.status === 'AWAITING_PAYMENT')
        throw new ConflictException("this gift's payment has not completed yet; try again later");
      const want = licenseDecision(now.order);
      if (now.status === 'REVOKED' || !want || want.status === 'REVOKED')
        throw new GoneException('this gift was refunded and can no longer be claimed');
      await lockBuyerBundle(tx, user.id, bundle.id);
      await refuseIfLicensed(tx, user.id, bundle, 'the gift stays unclaimed (pass the link on)');
      const license = await tx.license.create({
        data: {
          orderId: now.orderId,
          bundleId: bundle.id,
          buyerId: user.id,
          status: want.status,
          statusReason: want.reason,
        },
      });
      await tx.gift.update({
        where: { id: gift.id },
        data: { status: 'CLAIMED', claimedById: user.id, claimedAt: new Date() },
      });
      return {
        source: 'GIFT',
        licenseId: license.id,
        orderId: now.orderId,
        bundleId: bundle.id,
        bundleSlug: bundle.slug,
        bundleTitle: bundle.title,
      };
    });
  }
}
