import { BadRequestException, Inject, Injectable, Logger } from '@nestjs/common';
import Stripe from 'stripe';
import { PrismaService } from '@keyseed/database';
import {
  CommitResult,
  ConnectAccounts,
  idOf,
  OrderEffect,
  OrderTransitions,
  STRIPE,
  STRIPE_SETTINGS,
  StripeSettings,
} from '@keyseed/paygate';

/** Stripe's default tolerance: a signature older than this is refused (replays). */
const SIGNATURE_TOLERANCE_S = 300;

/** What an event means for an order, worked out from Stripe's current objects before the transaction. */
interface Plan {
  orderId: string | null;
  effect: OrderEffect | null;
}

/**
 * Stripe webhook (docs/architecture.md, orders): verify the signature over the raw body, then apply the event through
 * the shared state machine. The event id is stored in the same transaction as its effect, so a
 * duplicate (or 50 concurrent copies) has no second effect. Objects are re-read from Stripe.
 */
@Injectable()
export class StripeWebhooksService {
  private readonly logger = new Logger('stripe-webhooks');

  constructor(
    private readonly prisma: PrismaService,
    private readonly transitions: OrderTransitions,
    private readonly connect: ConnectAccounts,
    @Inject(STRIPE) private readonly stripe: Stripe,
    @Inject(STRIPE_SETTINGS) private readonly settings: StripeSettings,
  ) {}

  verify(rawBody: Buffer | undefined, signature: string | undefined): Stripe.Event {
    // Only application/json bodies are kept raw (app.factory), so any other type arrives as "no body".
    if (!rawBody || rawBody.length === 0)
      throw new BadRequestException(
        'webhook body is empty or not application/json (expected the JSON event Stripe signed)',
      );
    if (!signature) throw new BadRequestException('Stripe-Signature header is missing');
    let event: Stripe.Event;
    try {
      event = this.stripe.webhooks.constructEvent(
        rawBody,
        signature,
        this.settings.webhookSecret,
        SIGNATURE_TOLERANCE_S,
      );
    } catch (err) {
      this.logger.warn({ event: 'stripe.webhook.bad_signature', error: (err as Error).message });
      throw new BadRequestException(`webhook signature verification failed: ${(err as Error).message}`);
    }
    // Signed but not shaped like an event: a 400, not a 500 that Stripe would retry for days.
    const object: unknown = (event as { data?: { object?: unknown } } | null)?.data?.object;
    if (
      typeof event?.id !== 'string' ||
      typeof event.type !== 'string' ||
      typeof object !== 'object' ||
      object === null
    ) {
      throw new BadRequestException('webhook event is malformed: expected string id and type and a data.object');
    }
    return event;
  }

  async handle(event: Stripe.Event): Promise<CommitResult> {
    const seen = await this.prisma.stripeEvent.findUnique({ where: { id: event.id }, select: { id: true } });
    if (seen) return { duplicate: true, orderId: null, effect: 'duplicate event' };
    const plan = await this.plan(event);
    const result = await this.transitions.commit(plan.orderId, plan.effect, { id: event.id, type: event.type });
    this.logger.log({
      event: 'stripe.webhook',
      eventId: event.id,
      type: event.type,
      orderId: result.orderId,
      duplicate: result.duplicate,
      effect: result.effect,
    });
    return result;
  }

  private async plan(event: Stripe.Event): Promise<Plan> {
    switch (event.type) {
      case 'checkout.session.completed':
      case 'checkout.session.async_payment_succeeded':
      case 'checkout.session.async_payment_failed':
      case 'checkout.session.expired': {
        const orderId = this.transitions.orderIdOfSession(event.data.object);
        if (!orderId) return { orderId: null, effect: null };
        // Fulfilment re-reads the session (with its PI and charge): a refund or failure that
        // already happened in Stripe wins over a stale "completed" payload.
        const session = await this.transitions.retrieveSession(event.data.object.id);
        return { orderId, effect: (tx, order) => this.transitions.applySession(tx, order, session) };
      }
      case 'charge.refunded': {
        const charge = await this.transitions.retrieveCharge(event.data.object.id);
        const orderId = await this.transitions.orderIdOfPaymentIntent(idOf(charge.payment_intent), charge.metadata);
        return { orderId, effect: (tx, order) => this.transitions.applyCharge(tx, order, charge) };
      }
      case 'charge.dispute.created':
      case 'charge.dispute.updated':
      case 'charge.dispute.closed': {
        const dispute = await this.transitions.retrieveDispute(event.data.object.id);
        let piId = idOf(dispute.payment_intent);
        let metadata: Stripe.Metadata | null = null;
        if (!piId) {
          const charge = await this.transitions.retrieveCharge(idOf(dispute.charge) as string);
          piId = idOf(charge.payment_intent);
          metadata = charge.metadata;
        }
        const orderId = await this.transitions.orderIdOfPaymentIntent(piId, metadata);
        return { orderId, effect: (tx, order) => this.transitions.applyDispute(tx, order, dispute) };
      }
      case 'account.updated': {
        // Connect: a creator's payout account changed (onboarding finished, requirements due).
        await this.connect.sync(event.data.object.id);
        return { orderId: null, effect: null };
      }
      default:
        return { orderId: null, effect: null };
    }
  }
}
