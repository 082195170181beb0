import {
  BadGatewayException,
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { Bundle, Order, PrismaService } from '@keyseed/database';
import {
  chargeAmount,
  ConnectAccounts,
  DiscountUses,
  GIFT_TOKEN_LENGTH,
  lockBuyerBundle,
  NotPayableError,
  OpenCheckouts,
  Payee,
  PriceError,
  randomClaimCode,
  STRIPE,
  Tx,
} from '@keyseed/paygate';
import { AppliedDiscount, DiscountCodesService, usedUp } from '../discounts/discount-codes.service';
import { CheckoutView, OrderView } from './dtos/order.responses';

/** What the buyer asks for: pay-what-you-want amount, a discount code, or a gift for someone else. */
export interface CheckoutRequest {
  amount?: number;
  code?: string;
  gift?: { recipientEmail: string; message: string };
}

/** What is charged: the amount after any discount, and the price before it. */
interface Charge {
  amount: number;
  original: number;
  currency: string;
  discount: AppliedDiscount | null;
}

/** Buying a bundle: a PENDING order and its Stripe Checkout Session (docs/architecture.md, orders). */
@Injectable()
export class CheckoutService {
  private readonly logger = new Logger('checkout');

  constructor(
    private readonly prisma: PrismaService,
    @Inject(STRIPE) private readonly stripe: Stripe,
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
    private readonly openCheckouts: OpenCheckouts,
    private readonly connect: ConnectAccounts,
    private readonly discounts: DiscountCodesService,
    private readonly discountUses: DiscountUses,
  ) {}

  async checkout(buyer: { id: string; email: string }, bundleId: string, req: CheckoutRequest): Promise<CheckoutView> {
    const bundle = await this.prisma.bundle.findUnique({ where: { id: bundleId } });
    if (!bundle || bundle.status !== 'PUBLISHED')
      throw new NotFoundException(`bundle ${bundleId} is not on sale (no published bundle with this id)`);
    if (bundle.priceAmount === null || bundle.priceCurrency === null)
      throw new ConflictException(`bundle ${bundle.slug} has no price: it is not for sale`);
    // A gift is for someone else: the buyer may hold the bundle already. An email-gate license does
    // not count: it may unlock only some items, and a fan may still pay.
    const active = req.gift
      ? null
      : await this.prisma.license.findFirst({
          where: { buyerId: buyer.id, bundleId, status: 'ACTIVE', source: { not: 'EMAIL_GATE' } },
          select: { id: true },
        });
    if (active)
      throw new ConflictException(
        `you already hold an active license for bundle ${bundle.slug} (license ${active.id}); no need to buy it again`,
      );
    const currency = bundle.priceCurrency;
    let original: number;
    try {
      original = chargeAmount({ amount: bundle.priceAmount, currency, minimum: bundle.priceMinimum }, req.amount);
    } catch (err) {
      if (err instanceof PriceError) throw new BadRequestException(err.message);
      throw err;
    }
    const discount = req.code ? await this.discounts.apply(req.code, bundle, original, currency) : null;
    const charge: Charge = { amount: discount?.amount ?? original, original, currency, discount };
    let payee: Payee;
    try {
      // The platform's fee is a share of what is actually charged (after the discount).
      payee = await this.connect.payee(bundle, charge.amount);
    } catch (err) {
      if (err instanceof NotPayableError)
        throw new ConflictException(`bundle ${bundle.slug} is not for sale yet: ${err.message}`);
      throw err;
    }

    // A discount use is reserved for the order about to be made, before the transaction (see
    // DiscountUses.reserve), and given back below unless that order is what the buyer gets.
    const orderId = randomUUID();
    const held = discount ? await this.discountUses.reserve(discount.codeId, orderId) : false;
    let view: CheckoutView | undefined;
    const opened: { sessionId: string | null } = { sessionId: null };
    try {
      view = await this.prisma.$transaction(
        async (tx) => {
          // One checkout at a time per buyer and bundle: a second click gets the first's session.
          await lockBuyerBundle(tx, buyer.id, bundleId);
          const reusable = await this.reuseOrSupersede(tx, buyer.id, bundleId, charge, req.gift);
          if (reusable) return reusable;
          if (discount && !held) throw usedUp(discount);
          return this.createSession(tx, orderId, buyer, bundle, charge, payee, req.gift, opened);
        },
        { maxWait: 10_000, timeout: 30_000 },
      );
    } catch (err) {
      if (opened.sessionId) await this.expireOrphan(orderId, opened.sessionId);
      throw err;
    } finally {
      if (held && view?.orderId !== orderId) await this.discountUses.release(this.prisma, orderId);
    }
    return this.recheckPrice(view, bundleId);
  }

  private async createSession(
    tx: Tx,
    orderId: string,
    buyer: { id: string; email: string },
    bundle: Bundle,
    charge: Charge,
    payee: Payee,
    gift: CheckoutRequest['gift'],
    opened: { sessionId: string | null },
  ): Promise<CheckoutView> {
    const bundleId = bundle.id;
    const { amount, currency } = charge;
    const order = await tx.order.create({
      data: {
        id: orderId,
        bundleId,
        buyerId: buyer.id,
        amount,
        currency,
        source: gift ? 'GIFT' : 'CHECKOUT',
        discountCodeId: charge.discount?.codeId ?? null,
        originalAmount: charge.discount ? charge.original : null,
        transferDestination: payee.destination,
        applicationFeeAmount: payee.destination ? payee.applicationFee : 0,
        ...(gift
          ? {
              gift: {
                create: {
                  recipientEmail: gift.recipientEmail,
                  message: gift.message,
                  claimToken: randomClaimCode(GIFT_TOKEN_LENGTH),
                },
              },
            }
          : {}),
      },
    });
    // Destination charge: the creator's account is paid, the platform keeps its fee (Stripe Connect).
    const destination = payee.destination
      ? { transfer_data: { destination: payee.destination }, application_fee_amount: payee.applicationFee }
      : {};
    const metadata = { orderId: order.id, bundleId, buyerId: buyer.id };
    const base = this.config.PUBLIC_URL.replace(/\/$/, '');
    let session: Stripe.Checkout.Session;
    try {
      session = await this.stripe.checkout.sessions.create(
        {
          mode: 'payment',
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency,
                unit_amount: amount,
                product_data: {
                  name: gift ? `${bundle.title} (gift for ${gift.recipientEmail})` : bundle.title,
                  ...(bundle.description ? { description: bundle.description.slice(0, 1000) } : {}),
                  metadata: { bundleId },
                },
              },
            },
          ],
          client_reference_id: order.id,
          metadata,
          payment_intent_data: { metadata, ...destination },
          customer_email: buyer.email,
          // Short-lived: a session opened at an old price cannot be paid long after (see OpenCheckouts).
          expires_at: Math.floor(Date.now() / 1000) + this.config.CHECKOUT_SESSION_MINUTES * 60,
          success_url: `${base}/checkout/success?order_id=${order.id}&session_id={CHECKOUT_SESSION_ID}`,
          cancel_url: `${base}/checkout/cancel?order_id=${order.id}`,
        },
        { idempotencyKey: order.id },
      );
    } catch (err) {
      this.logger.error({ event: 'checkout.stripe_failed', orderId: order.id, error: (err as Error).message });
      throw new BadGatewayException(`Stripe refused the checkout session: ${(err as Error).message}`);
    }
    opened.sessionId = session.id;
    if (!session.url) throw new BadGatewayException(`Stripe returned checkout session ${session.id} without a URL`);
    await tx.order.update({
      where: { id: order.id },
      data: { stripeSessionId: session.id, checkoutUrl: session.url },
    });
    this.logger.log({
      event: 'checkout.created',
      orderId: order.id,
      bundleId,
      amount,
      currency,
      discountCode: charge.discount?.code,
      gift: Boolean(gift),
      sessionId: session.id,
    });
    return { orderId: order.id, checkoutUrl: session.url };
  }

  /**
   * The transaction that recorded the order rolled back (the database went away before the commit)
   * after Stripe opened its session: nobody could pay for that order, so the session is expired.
   * If Stripe cannot be reached either, it expires by itself after CHECKOUT_SESSION_MINUTES, and the
   * buyer, who got an error and never its URL, starts again.
   */
  private async expireOrphan(orderId: string, sessionId: string): Promise<void> {
    try {
      await this.stripe.checkout.sessions.expire(sessionId);
      this.logger.warn({ event: 'checkout.orphan_expired', orderId, sessionId });
    } catch (err) {
      this.logger.error({ event: 'checkout.orphan_expire_failed', orderId, sessionId, error: (err as Error).message });
    }
  }

  /**
   * A buyer who starts checkout again (a second click, the CLI re-run) gets the session already
   * open for the same bundle and amount instead of a second one that could be paid twice; an open
   * session at another amount is expired first. A completed session whose payment is still
   * settling is left alone: if both pay, the second payment is refunded (OrderTransitions).
   * Gifts are matched per recipient (a buyer may give the same film to several people); the same
   * amount means the same price and discount code.
   */
  private async reuseOrSupersede(
    tx: Tx,
    buyerId: string,
    bundleId: string,
    charge: Charge,
    gift: CheckoutRequest['gift'],
  ): Promise<CheckoutView | null> {
    const pending = await tx.order.findMany({
      where: {
        buyerId,
        bundleId,
        status: 'PENDING',
        supersededAt: null,
        stripeSessionId: { not: null },
        ...(gift ? { source: 'GIFT', gift: { recipientEmail: gift.recipientEmail } } : { source: 'CHECKOUT' }),
      },
      include: { gift: { select: { message: true } } },
      orderBy: { createdAt: 'desc' },
    });
    let reuse: CheckoutView | null = null;
    for (const order of pending) {
      const session = await this.stripe.checkout.sessions.retrieve(order.stripeSessionId!).catch(() => null);
      if (session?.status !== 'open') continue;
      const same =
        order.amount === charge.amount &&
        order.currency === charge.currency &&
        order.discountCodeId === (charge.discount?.codeId ?? null) &&
        (order.gift?.message ?? '') === (gift?.message ?? '');
      if (!reuse && session.url && same) {
        reuse = { orderId: order.id, checkoutUrl: session.url };
        continue;
      }
      await this.openCheckouts.close(tx, order.id, session.id, 'replaced by a newer checkout');
    }
    return reuse;
  }

  /**
   * The price may have changed while the session was being created (after OpenCheckouts closed
   * the bundle's sessions): a session at a price the bundle no longer has is expired at once.
   */
  private async recheckPrice(view: CheckoutView, bundleId: string): Promise<CheckoutView> {
    const now = await this.prisma.bundle.findUnique({ where: { id: bundleId } });
    const order = await this.prisma.order.findUniqueOrThrow({ where: { id: view.orderId } });
    const amount = order.originalAmount ?? order.amount;
    const stillValid =
      now?.status === 'PUBLISHED' &&
      now.priceCurrency === order.currency &&
      now.priceAmount !== null &&
      (now.priceMinimum === null ? now.priceAmount === amount : amount >= now.priceMinimum);
    if (stillValid) return view;
    await this.openCheckouts.close(this.prisma, order.id, order.stripeSessionId!, 'price changed during checkout');
    throw new ConflictException(`the price of bundle ${now?.slug ?? bundleId} changed during checkout; start again`);
  }

  async order(id: string): Promise<OrderView> {
    const order = await this.prisma.order.findUnique({ where: { id }, include: ORDER_VIEW_INCLUDE });
    if (!order) throw new NotFoundException(`order ${id} not found`);
    return orderView(order);
  }

  async ordersOf(buyerId: string): Promise<OrderView[]> {
    const orders = await this.prisma.order.findMany({
      where: { buyerId },
      orderBy: { createdAt: 'desc' },
      take: 200,
      include: ORDER_VIEW_INCLUDE,
    });
    return orders.map(orderView);
  }
}

const ORDER_VIEW_INCLUDE = {
  license: { select: { id: true } },
  discountCode: { select: { code: true } },
  gift: { select: { id: true } },
} as const;

type OrderRow = Order & {
  license: { id: string } | null;
  discountCode: { code: string } | null;
  gift: { id: string } | null;
};

function orderView(o: OrderRow): OrderView {
  return {
    id: o.id,
    bundleId: o.bundleId,
    source: o.source,
    amount: o.amount,
    originalAmount: o.originalAmount,
    discountCode: o.discountCode?.code ?? null,
    currency: o.currency,
    status: o.status,
    checkoutUrl: o.status === 'PENDING' ? o.checkoutUrl : null,
    // A gift's license belongs to whoever claimed it, not to the buyer.
    licenseId: o.gift ? null : (o.license?.id ?? null),
    giftId: o.gift?.id ?? null,
    amountRefunded: o.amountRefunded,
    createdAt: o.createdAt,
    paidAt: o.paidAt,
    refundedAt: o.refundedAt,
  };
}
