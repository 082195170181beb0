import { Injectable } from '@nestjs/common';
import { PrismaService } from '@keyseed/database';
import { CheckoutService } from '../checkout/checkout.service';
import { GiftCheckoutDto } from '../checkout/dtos/checkout.dto';
import { GiftCheckoutView } from '../checkout/dtos/order.responses';
import { GiftView } from './dtos/gift.responses';

/**
 * Gifts (docs/architecture.md, gifts): a normal checkout whose order is of source GIFT and carries
 * a Gift (recipient, message, claim code). Payment makes it claimable and e-mails the recipient
 * (OrderTransitions); claiming is GiftClaimsService, through POST /v1/redeem.
 */
@Injectable()
export class GiftsService {
  constructor(
    private readonly prisma: PrismaService,
    private readonly checkout: CheckoutService,
  ) {}

  async buy(buyer: { id: string; email: string }, bundleId: string, dto: GiftCheckoutDto): Promise<GiftCheckoutView> {
    const view = await this.checkout.checkout(buyer, bundleId, {
      amount: dto.amount,
      code: dto.code,
      gift: { recipientEmail: dto.recipientEmail.trim(), message: dto.message ?? '' },
    });
    const gift = await this.prisma.gift.findUniqueOrThrow({ where: { orderId: view.orderId }, select: { id: true } });
    return { ...view, giftId: gift.id };
  }

  /** The gifts the caller bought (not their claim codes: those are the recipients'), newest first. */
  async boughtBy(buyerId: string): Promise<GiftView[]> {
    const gifts = await this.prisma.gift.findMany({
      where: { order: { buyerId } },
      include: { order: { select: { bundle: { select: { id: true, slug: true, title: true } } } } },
      orderBy: { createdAt: 'desc' },
      take: 200,
    });
    return gifts.map((g) => ({
      id: g.id,
      orderId: g.orderId,
      bundle: g.order.bundle,
      recipientEmail: g.recipientEmail,
      message: g.message,
      status: g.status,
      claimedAt: g.claimedAt,
      createdAt: g.createdAt,
    }));
  }
}
