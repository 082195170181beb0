import { Inject, Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { PrismaService } from '@keyseed/database';
import { DiscountUses } from './discount-uses.service';
import { OpenCheckouts } from './open-checkouts.service';
import { OrderTransitions } from './order-transitions.service';
import { STRIPE } from './stripe-client';
import { idOf } from './stripe-refs';

export interface ReconcileReport {
  checked: number;
  changed: number;
  failed: number;
  /** Superseded checkouts expired now (Stripe was unreachable when they were superseded). */
  closed: number;
  /** Payments for superseded checkouts refunded now (the first refund attempt failed). */
  refunded: number;
  /** Paid destination charges re-read because their transfer to the creator was not on record. */
  transfersChecked: number;
  /** Discount uses given back: held by orders that ended unpaid, or by checkouts that never committed. */
  discountsReleased: number;
  /** charge.refunded events of the last 3 days that no webhook delivered, applied now. */
  refundsRecovered: number;
}

/** How far back lost refund events are looked for: Stripe retries a webhook for up to 3 days. */
const LOST_EVENT_WINDOW_S = 3 * 24 * 3600;

/** Orders checked per run; the least recently checked first, so a backlog rotates. */
const BATCH = 100;

/**
 * A lost webhook must not lose a sale (docs/architecture.md, orders): PENDING orders older than
 * RECONCILE_AFTER_MINUTES are looked up in Stripe and put through the same transitions the
 * webhook applies. Run by the worker's `reconcile-orders` housekeeping job.
 */
@Injectable()
export class ReconcileOrdersService {
  private readonly logger = new Logger('paygate');

  constructor(
    private readonly prisma: PrismaService,
    private readonly transitions: OrderTransitions,
    private readonly openCheckouts: OpenCheckouts,
    private readonly discounts: DiscountUses,
    @Inject(STRIPE) private readonly stripe: Stripe,
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
  ) {}

  async reconcile(now = new Date(), olderThanMinutes = this.config.RECONCILE_AFTER_MINUTES): Promise<ReconcileReport> {
    const cutoff = new Date(now.getTime() - olderThanMinutes * 60_000);
    const orders = await this.prisma.order.findMany({
      where: { status: 'PENDING', createdAt: { lte: cutoff } },
      orderBy: { updatedAt: 'asc' },
      take: BATCH,
      select: { id: true, stripeSessionId: true, status: true },
    });
    const report: ReconcileReport = {
      checked: orders.length,
      changed: 0,
      failed: 0,
      closed: await this.openCheckouts.retryUnclosed(),
      refunded: 0,
      transfersChecked: 0,
      discountsReleased: 0,
      refundsRecovered: 0,
    };
    for (const order of orders) {
      try {
        if (!order.stripeSessionId) {
          // The session was never created (or never saved): the buyer never saw a payment page.
          await this.prisma.order.updateMany({
            where: { id: order.id, status: 'PENDING', stripeSessionId: null },
            data: { status: 'EXPIRED' },
          });
          await this.discounts.release(this.prisma, order.id);
          report.changed++;
          continue;
        }
        const result = await this.transitions.syncSession(order.id, order.stripeSessionId);
        if (result.effect.includes('order PENDING→')) report.changed++;
        else
          await this.prisma.order.updateMany({
            where: { id: order.id, status: 'PENDING' },
            data: { updatedAt: new Date() },
          });
      } catch (err) {
        report.failed++;
        this.logger.warn({ event: 'reconcile.order_failed', orderId: order.id, error: (err as Error).message });
      }
    }
    const unrefunded = await this.prisma.order.findMany({
      where: { status: 'PAID', supersededAt: { not: null } },
      select: { id: true },
      take: BATCH,
    });
    for (const o of unrefunded) if (await this.transitions.refundIfSuperseded(o.id)) report.refunded++;
    // Connect: every paid destination charge has its transfer to the creator on record.
    const untransferred = await this.prisma.order.findMany({
      where: {
        status: 'PAID',
        transferDestination: { not: null },
        stripeTransferId: null,
        stripeSessionId: { not: null },
      },
      select: { id: true, stripeSessionId: true },
      take: BATCH,
    });
    for (const o of untransferred) {
      await this.transitions.syncSession(o.id, o.stripeSessionId!).catch(() => null);
      report.transfersChecked++;
    }
    report.discountsReleased = await this.discounts.releaseStale(now);
    report.refundsRecovered = await this.recoverRefunds(now).catch((err: Error) => {
      this.logger.warn({ event: 'reconcile.refunds_failed', error: err.message });
      return 0;
    });
    this.logger.log({ event: 'reconcile.done', ...report, cutoff: cutoff.toISOString() });
    return report;
  }

  /**
   * A refund whose charge.refunded webhook was lost (made in Stripe's dashboard, say) would leave its
   * order PAID and its license ACTIVE, and the creator's transfer reversal unrecorded: Stripe's recent
   * charge.refunded events not stored yet are applied like the webhook would (the event id is stored
   * with the effect, so a late delivery of the same event does nothing).
   */
  private async recoverRefunds(now: Date): Promise<number> {
    const events = await this.stripe.events.list({
      type: 'charge.refunded',
      created: { gte: Math.floor(now.getTime() / 1000) - LOST_EVENT_WINDOW_S },
      limit: 100,
    });
    const seen = await this.prisma.stripeEvent.findMany({
      where: { id: { in: events.data.map((e) => e.id) } },
      select: { id: true },
    });
    let recovered = 0;
    for (const event of events.data.filter((e) => !seen.some((s) => s.id === e.id))) {
      const charge = await this.transitions.retrieveCharge((event.data.object as Stripe.Charge).id);
      const orderId = await this.transitions.orderIdOfPaymentIntent(idOf(charge.payment_intent), charge.metadata);
      const result = await this.transitions.commit(
        orderId,
        (tx, order) => this.transitions.applyCharge(tx, order, charge),
        { id: event.id, type: event.type },
      );
      if (!result.duplicate && orderId) recovered++;
    }
    return recovered;
  }
}
