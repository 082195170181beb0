import { Inject, Injectable, Logger } from '@nestjs/common';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { PrismaService } from '@keyseed/database';
import { DiscountUses } from './discount-uses.service';
import { OpenCheckouts } from './open-checkouts.service';
import { OrderTransitions } from './order-transitions.service';

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
}

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
    this.logger.log({ event: 'reconcile.done', ...report, cutoff: cutoff.toISOString() });
    return report;
  }
}
