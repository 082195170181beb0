import { Inject, Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { DisputeStatus, lockRow, Order, OrderStatus, Prisma, PrismaService } from '@keyseed/database';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { MailOutbox } from '@keyseed/mail';
import { DiscountUses } from './discount-uses.service';
import { giftMailKey, recordGiftMail } from './gift-mail';
import { canMoveOrder, LicenseDecision, licenseDecision } from './license-status';
import { orderMailKeys, recordOrderMail } from './order-mail';
import { STRIPE } from './stripe-client';
import { expanded, idOf, orderIdFrom } from './stripe-refs';

/** Re-reading a session always brings its PaymentIntent and that PI's charge along. */
export const SESSION_EXPAND = ['payment_intent.latest_charge'];

export type Tx = Prisma.TransactionClient;

/** A change to one order, computed from Stripe's current objects, applied under the order's row lock. */
export type OrderEffect = (tx: Tx, order: Order) => Promise<string>;

export interface CommitResult {
  /** The Stripe event id was already stored: nothing was done. */
  duplicate: boolean;
  orderId: string | null;
  /** What happened, for logs and tests (`order PENDING→PAID, license created ACTIVE`). */
  effect: string;
}

/**
 * The order/license state machine (docs/architecture.md, orders and licenses), shared by the API's webhook and the worker's
 * reconciliation. Every transition is computed from what Stripe says *now* (sessions, charges and
 * disputes are re-read, not trusted from an event payload), recorded as facts on the order
 * (paid, refunded amount, dispute status), and the license is derived from those facts
 * (`licenseDecision`), so any arrival order, duplicate or replay converges to the same state.
 */
@Injectable()
export class OrderTransitions {
  private readonly logger = new Logger('paygate');

  constructor(
    private readonly prisma: PrismaService,
    @Inject(STRIPE) private readonly stripe: Stripe,
    private readonly discounts: DiscountUses,
    private readonly mail: MailOutbox,
    @Inject(KEYSEED_CONFIG) private readonly config: Pick<KeyseedConfig, 'PUBLIC_URL'>,
  ) {}

  // ---- Stripe reads (outside any transaction) ----

  retrieveSession(sessionId: string): Promise<Stripe.Checkout.Session> {
    return this.stripe.checkout.sessions.retrieve(sessionId, { expand: SESSION_EXPAND });
  }

  /** With its Connect transfer and application fee, so their reversals are recorded too. */
  retrieveCharge(chargeId: string): Promise<Stripe.Charge> {
    return this.stripe.charges.retrieve(chargeId, { expand: ['transfer', 'application_fee'] });
  }

  retrieveDispute(disputeId: string): Promise<Stripe.Dispute> {
    return this.stripe.disputes.retrieve(disputeId);
  }

  orderIdOfSession(session: Stripe.Checkout.Session): string | null {
    return orderIdFrom(session.metadata?.orderId, session.client_reference_id);
  }

  /**
   * Charge/PaymentIntent → order: the PI id stored at completion, else our metadata on the PI's
   * charge, else the Checkout Session that created the PI (a refund can arrive before completion).
   */
  async orderIdOfPaymentIntent(
    paymentIntentId: string | null,
    metadata?: Stripe.Metadata | null,
  ): Promise<string | null> {
    if (paymentIntentId) {
      const known = await this.prisma.order.findUnique({
        where: { stripePaymentIntentId: paymentIntentId },
        select: { id: true },
      });
      if (known) return known.id;
    }
    const fromMetadata = orderIdFrom(metadata?.orderId);
    if (fromMetadata || !paymentIntentId) return fromMetadata;
    const sessions = await this.stripe.checkout.sessions.list({ payment_intent: paymentIntentId, limit: 1 });
    return sessions.data[0] ? this.orderIdOfSession(sessions.data[0]) : null;
  }

  // ---- Applying ----

  /**
   * One transaction: store the Stripe event id (if any; a duplicate id → nothing else happens, also
   * when 50 deliveries race: `ON CONFLICT DO NOTHING` waits for the first and then sees it), lock
   * the order row, apply `effect`. The event row and its effect commit together or not at all; the
   * e-mails the transition recorded are queued after the commit (never failing it: MailOutbox).
   */
  async commit(
    orderId: string | null,
    effect: OrderEffect | null,
    event?: { id: string; type: string },
  ): Promise<CommitResult> {
    const result = await this.apply(orderId, effect, event);
    if (!result.duplicate && result.orderId) {
      await this.mail.dispatch([...orderMailKeys(result.orderId), giftMailKey(result.orderId)]);
      await this.refundIfSuperseded(result.orderId);
    }
    return result;
  }

  private apply(
    orderId: string | null,
    effect: OrderEffect | null,
    event?: { id: string; type: string },
  ): Promise<CommitResult> {
    return this.prisma.$transaction(
      async (tx) => {
        if (event) {
          const stored = await tx.stripeEvent.createMany({
            data: [{ id: event.id, type: event.type, orderId }],
            skipDuplicates: true,
          });
          if (stored.count === 0) return { duplicate: true, orderId, effect: 'duplicate event' };
        }
        if (!orderId || !effect) return { duplicate: false, orderId, effect: 'ignored' };
        if (!(await lockRow(tx, 'Order', orderId))) return { duplicate: false, orderId, effect: 'no such order' };
        const order = await tx.order.findUniqueOrThrow({ where: { id: orderId } });
        return { duplicate: false, orderId, effect: await effect(tx, order) };
      },
      { maxWait: 10_000, timeout: 20_000 },
    );
  }

  /** Re-reads the session from Stripe and applies it (reconciliation, admin tools). */
  async syncSession(orderId: string, sessionId: string): Promise<CommitResult> {
    const session = await this.retrieveSession(sessionId);
    return this.commit(orderId, (tx, order) => this.applySession(tx, order, session));
  }

  /** Checkout Session (with `payment_intent.latest_charge` expanded) → order facts → license. */
  async applySession(tx: Tx, order: Order, session: Stripe.Checkout.Session): Promise<string> {
    if (order.stripeSessionId && order.stripeSessionId !== session.id) {
      return `session ${session.id} is not the order's session ${order.stripeSessionId}`;
    }
    const pi = expanded(session.payment_intent);
    const charge = expanded(pi?.latest_charge);
    const data: Prisma.OrderUpdateInput = {};
    const piId = idOf(session.payment_intent);
    if (piId && !order.stripePaymentIntentId) data.stripePaymentIntentId = piId;
    if (!order.stripeSessionId) data.stripeSessionId = session.id;

    let target: OrderStatus | null = null;
    if (charge) recordConnect(order, charge, data);
    if (charge && charge.amount_refunded > order.amountRefunded) data.amountRefunded = charge.amount_refunded;
    if (charge?.refunded) target = 'REFUNDED';
    else if (session.payment_status === 'paid' || session.payment_status === 'no_payment_required') target = 'PAID';
    else if (session.status === 'expired') target = 'EXPIRED';
    else if (
      session.status === 'complete' &&
      pi &&
      (pi.status === 'requires_payment_method' || pi.status === 'canceled')
    )
      target = 'FAILED';
    const paid = target === 'PAID' || (target === 'REFUNDED' && charge?.status === 'succeeded');
    return this.update(tx, order, data, target, paid);
  }

  /** charge.refunded (or any charge change): a full refund makes the order REFUNDED for good. */
  async applyCharge(tx: Tx, order: Order, charge: Stripe.Charge): Promise<string> {
    const data: Prisma.OrderUpdateInput = {};
    const piId = idOf(charge.payment_intent);
    if (piId && !order.stripePaymentIntentId) data.stripePaymentIntentId = piId;
    if (charge.amount_refunded > order.amountRefunded) data.amountRefunded = charge.amount_refunded;
    recordConnect(order, charge, data);
    return this.update(tx, order, data, charge.refunded ? 'REFUNDED' : null, charge.status === 'succeeded');
  }

  /** charge.dispute.*: open → license SUSPENDED; won → reinstated (unless refunded); lost → REVOKED. */
  async applyDispute(tx: Tx, order: Order, dispute: Stripe.Dispute): Promise<string> {
    const status = disputeStatusOf(dispute.status);
    const data: Prisma.OrderUpdateInput = {};
    const closedAlready =
      order.stripeDisputeId === dispute.id && order.disputeStatus !== null && order.disputeStatus !== 'OPEN';
    if (!(closedAlready && status === 'OPEN')) {
      data.stripeDisputeId = dispute.id;
      data.disputeStatus = status;
    }
    return this.update(tx, order, data, null, false);
  }

  private async update(
    tx: Tx,
    order: Order,
    data: Prisma.OrderUpdateInput,
    target: OrderStatus | null,
    paid: boolean,
  ): Promise<string> {
    const notes: string[] = [];
    if (target && canMoveOrder(order.status, target)) {
      data.status = target;
      notes.push(`order ${order.status}→${target}`);
      if (target === 'REFUNDED') data.refundedAt = new Date();
    }
    if (paid && !order.paidAt) data.paidAt = new Date();
    const next = Object.keys(data).length > 0 ? await tx.order.update({ where: { id: order.id }, data }) : order;
    if (next.disputeStatus !== order.disputeStatus)
      notes.push(`dispute ${order.disputeStatus ?? 'none'}→${next.disputeStatus}`);
    if (next.amountRefunded !== order.amountRefunded) notes.push(`refunded ${next.amountRefunded}/${next.amount}`);
    notes.push(await this.settleDiscount(tx, order, next));
    notes.push(await this.settleLicense(tx, next));
    await recordOrderMail(tx, this.mail, order, next);
    const effect = notes.filter(Boolean).join(', ') || 'no change';
    this.logger.log({ event: 'paygate.order', orderId: order.id, status: next.status, effect });
    return effect;
  }

  /**
   * A discount use follows the order (docs/architecture.md, codes): given back when it ends unpaid,
   * taken again when Stripe reports a payment for an order that had ended (past maxUses: it is paid).
   */
  private async settleDiscount(tx: Tx, before: Order, after: Order): Promise<string> {
    if (!after.discountCodeId || before.status === after.status) return '';
    const ended = (s: OrderStatus) => s === 'EXPIRED' || s === 'FAILED';
    if (ended(after.status)) return (await this.discounts.release(tx, after.id)) ? 'discount use released' : '';
    if (ended(before.status) && after.paidAt) await this.discounts.retake(tx, after.id, after.discountCodeId);
    return '';
  }

  /**
   * Another order's license (not revoked) of the same buyer and bundle, under the buyer+bundle lock.
   * Email-gate licenses do not count: they may cover only some items, and buying adds the rest.
   */
  private async licenseHeldElsewhere(tx: Tx, order: Order): Promise<string | null> {
    await lockBuyerBundle(tx, order.buyerId, order.bundleId);
    const other = await tx.license.findFirst({
      where: {
        buyerId: order.buyerId,
        bundleId: order.bundleId,
        status: { not: 'REVOKED' },
        source: { not: 'EMAIL_GATE' },
        orderId: { not: order.id },
      },
      select: { id: true },
    });
    return other?.id ?? null;
  }

  /**
   * A payment that arrived for a superseded checkout is refunded in full (idempotency key
   * `supersede-refund-<orderId>`, so webhook replays and reconciliation make one refund), audited,
   * and applied at once (order REFUNDED). Failures are logged; reconciliation retries.
   */
  async refundIfSuperseded(orderId: string): Promise<boolean> {
    const order = await this.prisma.order.findFirst({
      where: { id: orderId, status: 'PAID', supersededAt: { not: null }, stripePaymentIntentId: { not: null } },
    });
    if (!order) return false;
    try {
      const refund = await this.stripe.refunds.create(
        {
          payment_intent: order.stripePaymentIntentId!,
          reason: 'duplicate',
          metadata: { orderId, cause: 'superseded checkout' },
          ...refundConnectOptions(order),
        },
        { idempotencyKey: `supersede-refund-${orderId}` },
      );
      const charge = refund.charge ? await this.retrieveCharge(idOf(refund.charge)!) : null;
      await this.apply(orderId, async (tx, locked) => {
        const effect = charge ? await this.applyCharge(tx, locked, charge) : 'refund pending in Stripe';
        await tx.auditLog.create({
          data: {
            actorId: null,
            action: 'order.superseded_refund',
            targetType: 'order',
            targetId: orderId,
            details: {
              refundId: refund.id,
              amount: refund.amount,
              currency: refund.currency,
              reason: order.supersedeReason,
              effect,
            },
          },
        });
        return effect;
      });
      await this.mail.dispatch(orderMailKeys(orderId));
      this.logger.warn({
        event: 'paygate.superseded_refund',
        orderId,
        refundId: refund.id,
        reason: order.supersedeReason,
      });
      return true;
    } catch (err) {
      this.logger.error({ event: 'paygate.superseded_refund_failed', orderId, error: (err as Error).message });
      return false;
    }
  }

  /**
   * A gift order licenses nobody until its gift is claimed (docs/architecture.md, gifts): paid, the
   * gift becomes claimable; refunded (or otherwise never to be licensed) first, it is revoked. Once
   * claimed, the claimer's license is this order's and follows it like any other.
   */
  private async settleUnclaimedGift(tx: Tx, order: Order, want: LicenseDecision | null): Promise<string> {
    if (!want) return '';
    if (want.status === 'REVOKED') {
      const revoked = await tx.gift.updateMany({
        where: { orderId: order.id, status: { in: ['AWAITING_PAYMENT', 'CLAIMABLE'] } },
        data: { status: 'REVOKED' },
      });
      return revoked.count > 0 ? 'gift revoked' : '';
    }
    const claimable = await tx.gift.updateMany({
      where: { orderId: order.id, status: 'AWAITING_PAYMENT' },
      data: { status: 'CLAIMABLE' },
    });
    if (claimable.count === 0) return '';
    await recordGiftMail(tx, this.mail, order, this.config.PUBLIC_URL);
    return 'gift claimable, recipient e-mailed';
  }

  /** Makes the order's license match `licenseDecision(order)`; never creates a REVOKED one. */
  private async settleLicense(tx: Tx, order: Order): Promise<string> {
    const want = licenseDecision(order);
    const license = await tx.license.findUnique({ where: { orderId: order.id } });
    if (!license) {
      if (order.source === 'GIFT') return this.settleUnclaimedGift(tx, order, want);
      if (!want || want.status === 'REVOKED') return '';
      const held = await this.licenseHeldElsewhere(tx, order);
      if (held) {
        await tx.order.update({
          where: { id: order.id },
          data: { supersededAt: new Date(), supersedeReason: `duplicate purchase: the buyer holds license ${held}` },
        });
        return `superseded (buyer holds license ${held}): refund due`;
      }
      await tx.license.create({
        data: {
          orderId: order.id,
          bundleId: order.bundleId,
          buyerId: order.buyerId,
          status: want.status,
          statusReason: want.reason,
        },
      });
      return `license created ${want.status}`;
    }
    if (!want || (license.status === want.status && license.statusReason === want.reason)) return '';
    await tx.license.update({ where: { id: license.id }, data: { status: want.status, statusReason: want.reason } });
    return `license ${license.status}→${want.status}`;
  }
}

/** Destination charges: a refund takes back the creator's transfer and the platform's fee in proportion. */
export function refundConnectOptions(order: Pick<Order, 'transferDestination'>): Stripe.RefundCreateParams {
  return order.transferDestination ? { reverse_transfer: true, refund_application_fee: true } : {};
}

/** The charge's transfer to the creator and what refunds reversed of it and of the fee (never decreasing). */
function recordConnect(order: Order, charge: Stripe.Charge, data: Prisma.OrderUpdateInput): void {
  const transferId = idOf(charge.transfer);
  if (transferId && order.stripeTransferId !== transferId) data.stripeTransferId = transferId;
  const transfer = expanded(charge.transfer);
  if (transfer && transfer.amount_reversed > order.transferReversed) data.transferReversed = transfer.amount_reversed;
  const fee = expanded(charge.application_fee);
  if (fee && fee.amount_refunded > order.feeRefunded) data.feeRefunded = fee.amount_refunded;
}

/**
 * A buyer pays once per bundle: two payments for the same buyer and bundle (a bank transfer still
 * settling while a card checkout completes) are serialised here, and the second finds the first's
 * license. Advisory lock per buyer+bundle, released with the transaction.
 */
export async function lockBuyerBundle(tx: Tx, buyerId: string, bundleId: string): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtextextended(${`${buyerId}:${bundleId}`}, 0))`;
}

function disputeStatusOf(status: Stripe.Dispute.Status): DisputeStatus {
  if (status === 'won' || status === 'warning_closed') return 'WON';
  if (status === 'lost') return 'LOST';
  return 'OPEN';
}
