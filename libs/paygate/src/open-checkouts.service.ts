import { Inject, Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { PrismaService } from '@keyseed/database';
import { DiscountUses } from './discount-uses.service';
import { OrderTransitions, Tx } from './order-transitions.service';
import { STRIPE } from './stripe-client';

export type CloseOutcome = 'expired' | 'unreachable' | 'not open';

/**
 * Open Checkout Sessions that must stop being payable: the bundle's price changed, it went off
 * sale or was taken down, or the buyer started a newer checkout. Each is expired in Stripe
 * (`checkout.sessions.expire`) and its order marked superseded, so a payment that still arrives
 * (Stripe could not be reached, or raced the expiry) is refunded rather than licensed. A session
 * that is no longer open was paid (or is settling) before the change and is left to the webhook.
 */
@Injectable()
export class OpenCheckouts {
  private readonly logger = new Logger('paygate');

  constructor(
    private readonly prisma: PrismaService,
    private readonly transitions: OrderTransitions,
    private readonly discounts: DiscountUses,
    @Inject(STRIPE) private readonly stripe: Stripe,
  ) {}

  /** Closes every pending checkout of a bundle; call after the price change or takedown committed. */
  async closeForBundle(bundleId: string, reason: string): Promise<Record<CloseOutcome, number>> {
    const orders = await this.prisma.order.findMany({
      where: { bundleId, status: 'PENDING', stripeSessionId: { not: null } },
      select: { id: true, stripeSessionId: true },
    });
    const counts: Record<CloseOutcome, number> = { expired: 0, unreachable: 0, 'not open': 0 };
    for (const o of orders) counts[await this.close(this.prisma, o.id, o.stripeSessionId!, reason)]++;
    if (orders.length > 0) this.logger.log({ event: 'paygate.checkouts_closed', bundleId, reason, ...counts });
    return counts;
  }

  /**
   * Expires one order's session and records it (with `tx` when the caller holds a transaction).
   * Only PENDING orders change; a session Stripe says is not open is re-read by the caller's
   * webhook/reconciliation path, so a payment made before the change is honoured.
   */
  async close(db: Tx | PrismaService, orderId: string, sessionId: string, reason: string): Promise<CloseOutcome> {
    try {
      await this.stripe.checkout.sessions.expire(sessionId);
    } catch (err) {
      if (err instanceof Stripe.errors.StripeInvalidRequestError) return 'not open';
      await db.order.updateMany({
        where: { id: orderId, status: 'PENDING', supersededAt: null },
        data: { supersededAt: new Date(), supersedeReason: reason },
      });
      this.logger.warn({ event: 'paygate.expire_failed', orderId, sessionId, error: (err as Error).message });
      return 'unreachable';
    }
    const expired = await db.order.updateMany({
      where: { id: orderId, status: 'PENDING' },
      data: { status: 'EXPIRED', supersededAt: new Date(), supersedeReason: reason },
    });
    // An expired checkout gives its discount use back (docs/architecture.md, codes).
    if (expired.count > 0) await this.discounts.release(db, orderId);
    return 'expired';
  }

  /** Reconciliation: superseded orders whose session Stripe could not expire yet. */
  async retryUnclosed(): Promise<number> {
    const orders = await this.prisma.order.findMany({
      where: { status: 'PENDING', supersededAt: { not: null }, stripeSessionId: { not: null } },
      select: { id: true, stripeSessionId: true, supersedeReason: true },
      take: 100,
    });
    let closed = 0;
    for (const o of orders) {
      const outcome = await this.close(this.prisma, o.id, o.stripeSessionId!, o.supersedeReason ?? 'superseded');
      if (outcome === 'not open') await this.transitions.syncSession(o.id, o.stripeSessionId!);
      if (outcome !== 'unreachable') closed++;
    }
    return closed;
  }
}
