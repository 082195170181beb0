import {
  BadGatewayException,
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import Stripe from 'stripe';
import { KEYSEED_CONFIG, KeyseedConfig } from '@keyseed/config';
import { Order, PrismaService } from '@keyseed/database';
import { chargeAmount, PriceError, STRIPE } from '@keyseed/paygate';
import { CheckoutView, OrderView } from './dtos/order.responses';

/** Buying a bundle: a PENDING order and its Stripe Checkout Session (docs/architecture.md, orders). */
@Injectable()
export class CheckoutService {
  private readonly logger = new Logger('Checkout');

  constructor(
    private readonly prisma: PrismaService,
    @Inject(STRIPE) private readonly stripe: Stripe,
    @Inject(KEYSEED_CONFIG) private readonly config: KeyseedConfig,
  ) {}

  async checkout(
    buyer: { id: string; email: string },
    bundleId: string,
    offered: number | undefined,
  ): Promise<CheckoutView> {
    const bundle = await this.prisma.bundle.findUnique({ where: { id: bundleId } });
    if (!bundle || bundle.status !== 'PUBLISHED')
      throw new NotFoundException(`bundle ${bundleId} is not on sale (no published bundle with this id)`);
    if (bundle.priceAmount === null || bundle.priceCurrency === null)
      throw new ConflictException(`bundle ${bundle.slug} has no price: it is not for sale`);
    const active = await this.prisma.license.findFirst({
      where: { buyerId: buyer.id, bundleId, status: 'ACTIVE' },
      select: { id: true },
    });
    if (active)
      throw new ConflictException(
        `you already hold an active license for bundle ${bundle.slug} (license ${active.id}); no need to buy it again`,
      );
    let amount: number;
    try {
      amount = chargeAmount(
        { amount: bundle.priceAmount, currency: bundle.priceCurrency, minimum: bundle.priceMinimum },
        offered,
      );
    } catch (err) {
      if (err instanceof PriceError) throw new BadRequestException(err.message);
      throw err;
    }

    const reusable = await this.openCheckout(buyer.id, bundleId, amount, bundle.priceCurrency);
    if (reusable) return reusable;

    const order = await this.prisma.order.create({
      data: { bundleId, buyerId: buyer.id, amount, currency: bundle.priceCurrency },
    });
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
                currency: bundle.priceCurrency,
                unit_amount: amount,
                product_data: {
                  name: bundle.title,
                  ...(bundle.description ? { description: bundle.description.slice(0, 1000) } : {}),
                  metadata: { bundleId },
                },
              },
            },
          ],
          client_reference_id: order.id,
          metadata,
          payment_intent_data: { metadata },
          customer_email: buyer.email,
          success_url: `${base}/checkout/success?order_id=${order.id}&session_id={CHECKOUT_SESSION_ID}`,
          cancel_url: `${base}/checkout/cancel?order_id=${order.id}`,
        },
        { idempotencyKey: order.id },
      );
    } catch (err) {
      await this.prisma.order.update({ where: { id: order.id }, data: { status: 'FAILED' } });
      this.logger.error(
        JSON.stringify({ event: 'checkout.stripe_failed', orderId: order.id, error: (err as Error).message }),
      );
      throw new BadGatewayException(`Stripe refused the checkout session: ${(err as Error).message}`);
    }
    if (!session.url) throw new BadGatewayException(`Stripe returned checkout session ${session.id} without a URL`);
    await this.prisma.order.update({
      where: { id: order.id },
      data: { stripeSessionId: session.id, checkoutUrl: session.url },
    });
    this.logger.log(
      JSON.stringify({
        event: 'checkout.created',
        orderId: order.id,
        bundleId,
        amount,
        currency: bundle.priceCurrency,
        sessionId: session.id,
      }),
    );
    return { orderId: order.id, checkoutUrl: session.url };
  }

  /**
   * A buyer who starts checkout again (a second click, the CLI re-run) gets the session already
   * open for the same bundle and amount instead of a second one that could be paid twice.
   */
  private async openCheckout(
    buyerId: string,
    bundleId: string,
    amount: number,
    currency: string,
  ): Promise<CheckoutView | null> {
    const pending = await this.prisma.order.findFirst({
      where: {
        buyerId,
        bundleId,
        amount,
        currency,
        status: 'PENDING',
        stripeSessionId: { not: null },
        checkoutUrl: { not: null },
      },
      orderBy: { createdAt: 'desc' },
    });
    if (!pending) return null;
    const session = await this.stripe.checkout.sessions.retrieve(pending.stripeSessionId!).catch(() => null);
    if (session?.status !== 'open' || !session.url) return null;
    return { orderId: pending.id, checkoutUrl: session.url };
  }

  async order(id: string): Promise<OrderView> {
    const order = await this.prisma.order.findUnique({ where: { id }, include: { license: { select: { id: true } } } });
    if (!order) throw new NotFoundException(`order ${id} not found`);
    return orderView(order);
  }

  async ordersOf(buyerId: string): Promise<OrderView[]> {
    const orders = await this.prisma.order.findMany({
      where: { buyerId },
      orderBy: { createdAt: 'desc' },
      take: 200,
      include: { license: { select: { id: true } } },
    });
    return orders.map(orderView);
  }
}

function orderView(o: Order & { license: { id: string } | null }): OrderView {
  return {
    id: o.id,
    bundleId: o.bundleId,
    amount: o.amount,
    currency: o.currency,
    status: o.status,
    checkoutUrl: o.status === 'PENDING' ? o.checkoutUrl : null,
    licenseId: o.license?.id ?? null,
    amountRefunded: o.amountRefunded,
    createdAt: o.createdAt,
    paidAt: o.paidAt,
    refundedAt: o.refundedAt,
  };
}
