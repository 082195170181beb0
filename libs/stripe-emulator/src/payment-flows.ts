import { CheckoutSessionRequest } from './checkout-session-create';
import type { ConnectFlows } from './connect-flows';
import { EmulatorStore } from './emulator-store';
import { invalidState } from './stripe-error';
import {
  refId,
  EmulatedCharge,
  EmulatedCheckoutSession,
  EmulatedDispute,
  EmulatedEvent,
  EmulatedObject,
  EmulatedPaymentIntent,
  EmulatedRefund,
  nowSeconds,
  stripeId,
} from './stripe-objects';

/** How the simulated customer's payment ends. */
export type CheckoutOutcome =
  | 'succeeded' // card: session complete + paid at once
  | 'async_succeeded' // delayed method (e.g. SEPA): completed unpaid, then async_payment_succeeded
  | 'async_failed' // completed unpaid, then async_payment_failed
  | 'async_pending' // completed unpaid and left there; settle later with settleAsyncPayment()
  | 'refunded' // succeeded, then fully refunded
  | 'disputed'; // succeeded, then the buyer's bank opens a dispute

export const CHECKOUT_OUTCOMES: readonly CheckoutOutcome[] = [
  'succeeded',
  'async_succeeded',
  'async_failed',
  'async_pending',
  'refunded',
  'disputed',
];

/** The API request that caused an event (Stripe's `event.request`); automatic transitions have none. */
export interface RequestContext {
  id: string | null;
  idempotency_key: string | null;
}
export const NO_REQUEST: RequestContext = { id: null, idempotency_key: null };

export type EmitEvent = (
  type: string,
  object: EmulatedObject,
  request: RequestContext,
  /** Connect events about a connected account carry its id (`event.account`). */
  account?: string,
) => EmulatedEvent;

export interface RefundRequest {
  paymentIntent?: string;
  charge?: string;
  amount?: number;
  metadata?: Record<string, string>;
  reason?: 'duplicate' | 'fraudulent' | 'requested_by_customer';
  /** Destination charges: reverse the transfer / refund the platform's fee in proportion. */
  reverseTransfer?: boolean;
  refundApplicationFee?: boolean;
}

export interface CompletionResult {
  session: EmulatedCheckoutSession;
  paymentIntent: EmulatedPaymentIntent;
  charge: EmulatedCharge;
  refund?: EmulatedRefund;
  dispute?: EmulatedDispute;
  events: EmulatedEvent[];
}

interface PaymentIntentData {
  metadata: Record<string, string>;
  description: string | null;
  transferDestination: string | null;
  applicationFeeAmount: number | null;
}

/** State transitions of the emulated Stripe account, each emitting the events Stripe would. */
export class PaymentFlows {
  constructor(
    private readonly store: EmulatorStore,
    private readonly emit: EmitEvent,
    private readonly payPageUrl: (sessionId: string) => string,
    private readonly connect: ConnectFlows,
  ) {}

  createCheckoutSession(req: CheckoutSessionRequest): EmulatedCheckoutSession {
    this.connect.checkDestination(req.transferDestination, req.applicationFeeAmount, req.amountTotal);
    const id = stripeId('cs_test', 58);
    const session: EmulatedCheckoutSession = {
      id,
      object: 'checkout.session',
      amount_subtotal: req.amountTotal,
      amount_total: req.amountTotal,
      cancel_url: req.cancelUrl,
      client_reference_id: req.clientReferenceId,
      created: req.createdAt,
      currency: req.currency,
      customer: null,
      customer_details: null,
      customer_email: req.customerEmail,
      expires_at: req.expiresAt,
      livemode: false,
      locale: req.locale,
      metadata: req.metadata,
      mode: 'payment',
      payment_intent: null,
      payment_method_types: req.paymentMethodTypes,
      payment_status: 'unpaid',
      status: 'open',
      success_url: req.successUrl,
      ui_mode: 'hosted',
      url: this.payPageUrl(id),
    };
    this.store.checkoutSessions.set(id, session);
    this.paymentIntentData.set(id, {
      metadata: req.paymentIntentMetadata,
      description: req.paymentIntentDescription,
      transferDestination: req.transferDestination,
      applicationFeeAmount: req.applicationFeeAmount,
    });
    if (this.paymentIntentData.size > 10_000)
      this.paymentIntentData.delete(this.paymentIntentData.keys().next().value as string);
    return session;
  }

  private readonly paymentIntentData = new Map<string, PaymentIntentData>();

  expireCheckoutSession(id: string, request: RequestContext = NO_REQUEST): EmulatedCheckoutSession {
    const session = this.store.session(id, 'session');
    if (session.status !== 'open') {
      throw invalidState(
        `Only Checkout Sessions with a status in ["open"] can be expired (${id} is ${session.status}).`,
        'checkout_session_not_expirable',
      );
    }
    session.status = 'expired';
    session.url = null;
    this.emit('checkout.session.expired', session, request);
    return session;
  }

  /** The session, expired first if its `expires_at` has passed (so reads never show a stale `open`). */
  currentSession(id: string): EmulatedCheckoutSession {
    const session = this.store.session(id);
    if (session.status === 'open' && session.expires_at <= nowSeconds()) this.expireCheckoutSession(id);
    return session;
  }

  /** Expires open sessions whose `expires_at` has passed, as Stripe does on its own. */
  expireDue(now = nowSeconds()): number {
    let n = 0;
    for (const s of [...this.store.checkoutSessions.values()]) {
      if (s.status === 'open' && s.expires_at <= now) {
        this.expireCheckoutSession(s.id);
        n++;
      }
    }
    return n;
  }

  /** The customer finishes Checkout with the given outcome. */
  completeCheckoutSession(id: string, outcome: CheckoutOutcome, customerEmail?: string): CompletionResult {
    const session = this.store.session(id, 'session');
    if (session.status !== 'open') {
      throw invalidState(
        `Checkout Session ${id} is ${session.status}; only open sessions can be paid.`,
        'checkout_session_not_open',
      );
    }
    if (session.expires_at <= nowSeconds()) {
      this.expireCheckoutSession(id);
      throw invalidState(`Checkout Session ${id} expired at ${session.expires_at}.`, 'checkout_session_not_open');
    }
    const events: EmulatedEvent[] = [];
    const emit = (type: string, object: EmulatedObject) => events.push(this.emit(type, object, NO_REQUEST));
    const asyncMethod = outcome.startsWith('async_');
    session.customer_details = {
      email: customerEmail ?? session.customer_email ?? 'buyer@example.test',
      name: 'Test Buyer',
    };
    const { pi, charge } = this.createPayment(session, asyncMethod);
    session.payment_intent = pi.id;
    session.status = 'complete';
    emit('payment_intent.created', pi);
    if (!asyncMethod) {
      session.payment_status = 'paid';
      emit('charge.succeeded', charge);
      this.connect.settle(charge, emit);
      emit('payment_intent.succeeded', pi);
      emit('checkout.session.completed', session);
    } else {
      emit('charge.pending', charge);
      emit('payment_intent.processing', pi);
      emit('checkout.session.completed', session);
      if (outcome === 'async_succeeded' || outcome === 'async_failed') {
        events.push(...this.settleAsyncPayment(id, outcome === 'async_succeeded' ? 'succeeded' : 'failed').events);
      }
    }
    const result: CompletionResult = { session, paymentIntent: pi, charge, events };
    if (outcome === 'refunded') {
      const r = this.createRefund({ paymentIntent: pi.id, reason: 'requested_by_customer' });
      result.refund = r.refund;
      events.push(...r.events);
    }
    if (outcome === 'disputed') {
      const d = this.createDispute(charge.id);
      result.dispute = d.dispute;
      events.push(...d.events);
    }
    return result;
  }

  /** A delayed payment method settles (`async_payment_succeeded` / `async_payment_failed`). */
  settleAsyncPayment(
    sessionId: string,
    outcome: 'succeeded' | 'failed',
  ): { session: EmulatedCheckoutSession; events: EmulatedEvent[] } {
    const session = this.store.session(sessionId, 'session');
    const pi = session.payment_intent ? this.store.paymentIntent(refId(session.payment_intent)) : undefined;
    if (session.status !== 'complete' || session.payment_status !== 'unpaid' || !pi || pi.status !== 'processing') {
      throw invalidState(
        `Checkout Session ${sessionId} has no pending asynchronous payment (status ${session.status}, payment_status ${session.payment_status}).`,
      );
    }
    const charge = this.store.charge(refId(pi.latest_charge));
    const events: EmulatedEvent[] = [];
    const emit = (type: string, object: EmulatedObject) => events.push(this.emit(type, object, NO_REQUEST));
    if (outcome === 'succeeded') {
      Object.assign(charge, { status: 'succeeded', paid: true, captured: true, amount_captured: charge.amount });
      Object.assign(pi, { status: 'succeeded', amount_received: pi.amount });
      session.payment_status = 'paid';
      emit('charge.succeeded', charge);
      this.connect.settle(charge, emit);
      emit('payment_intent.succeeded', pi);
      emit('checkout.session.async_payment_succeeded', session);
    } else {
      const error = { code: 'payment_method_provider_decline', message: 'The payment was declined by the bank.' };
      Object.assign(charge, {
        status: 'failed',
        paid: false,
        failure_code: error.code,
        failure_message: error.message,
      });
      Object.assign(pi, { status: 'requires_payment_method', last_payment_error: { ...error, type: 'card_error' } });
      emit('charge.failed', charge);
      emit('payment_intent.payment_failed', pi);
      emit('checkout.session.async_payment_failed', session);
    }
    return { session, events };
  }

  createRefund(
    req: RefundRequest,
    request: RequestContext = NO_REQUEST,
  ): { refund: EmulatedRefund; charge: EmulatedCharge; events: EmulatedEvent[] } {
    let charge: EmulatedCharge;
    if (req.charge) {
      charge = this.store.charge(req.charge, 'charge');
    } else if (req.paymentIntent) {
      const pi = this.store.paymentIntent(req.paymentIntent, 'payment_intent');
      if (pi.status !== 'succeeded' || !pi.latest_charge) {
        throw invalidState(
          `This PaymentIntent (${pi.id}) does not have a successful charge to refund (status ${pi.status}).`,
          'charge_not_refundable',
          'payment_intent',
        );
      }
      charge = this.store.charge(refId(pi.latest_charge));
    } else {
      throw invalidState(
        'One of the following params should be provided for this request: payment_intent or charge.',
        'parameter_missing',
      );
    }
    if (charge.status !== 'succeeded') {
      throw invalidState(
        `Charge ${charge.id} has status ${charge.status}; only succeeded charges can be refunded.`,
        'charge_not_refundable',
      );
    }
    if (charge.disputed) throw invalidState(`Charge ${charge.id} has been disputed.`, 'charge_disputed');
    const remaining = charge.amount - charge.amount_refunded;
    if (remaining <= 0) throw invalidState(`Charge ${charge.id} has already been refunded.`, 'charge_already_refunded');
    const amount = req.amount ?? remaining;
    if (amount > remaining) {
      throw invalidState(
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining}).`,
        'amount_too_large',
        'amount',
      );
    }
    const refund: EmulatedRefund = {
      id: stripeId('re'),
      object: 'refund',
      amount,
      charge: charge.id,
      created: nowSeconds(),
      currency: charge.currency,
      metadata: req.metadata ?? {},
      payment_intent: charge.payment_intent,
      reason: req.reason ?? null,
      status: 'succeeded',
      transfer_reversal: null,
    };
    const connectEvents = this.connect.reverse(
      charge,
      refund,
      { reverseTransfer: req.reverseTransfer ?? false, refundApplicationFee: req.refundApplicationFee ?? false },
      request,
    );
    this.store.refunds.set(refund.id, refund);
    charge.amount_refunded += amount;
    charge.refunded = charge.amount_refunded >= charge.amount;
    const events = [
      this.emit('charge.refunded', charge, request),
      this.emit('refund.created', refund, request),
      ...connectEvents,
    ];
    return { refund, charge, events };
  }

  /** The buyer's bank disputes a succeeded charge (`charge.dispute.created`). */
  createDispute(chargeId: string, reason = 'fraudulent'): { dispute: EmulatedDispute; events: EmulatedEvent[] } {
    const charge = this.store.charge(chargeId, 'charge');
    if (charge.status !== 'succeeded')
      throw invalidState(`Charge ${chargeId} has status ${charge.status}; only succeeded charges can be disputed.`);
    if (charge.disputed) throw invalidState(`Charge ${chargeId} is already disputed.`, 'charge_disputed');
    const dispute: EmulatedDispute = {
      id: stripeId('du'),
      object: 'dispute',
      amount: charge.amount - charge.amount_refunded,
      charge: charge.id,
      created: nowSeconds(),
      currency: charge.currency,
      is_charge_refundable: false,
      livemode: false,
      metadata: {},
      payment_intent: typeof charge.payment_intent === 'string' ? charge.payment_intent : null,
      reason,
      status: 'needs_response',
    };
    this.store.disputes.set(dispute.id, dispute);
    charge.disputed = true;
    return { dispute, events: [this.emit('charge.dispute.created', dispute, NO_REQUEST)] };
  }

  /** The dispute ends (`charge.dispute.closed` with status `won` or `lost`). */
  closeDispute(disputeId: string, outcome: 'won' | 'lost'): { dispute: EmulatedDispute; events: EmulatedEvent[] } {
    const dispute = this.store.dispute(disputeId, 'dispute');
    if (dispute.status === 'won' || dispute.status === 'lost')
      throw invalidState(`Dispute ${disputeId} is already closed (${dispute.status}).`);
    dispute.status = outcome;
    return { dispute, events: [this.emit('charge.dispute.closed', dispute, NO_REQUEST)] };
  }

  private createPayment(
    session: EmulatedCheckoutSession,
    asyncMethod: boolean,
  ): { pi: EmulatedPaymentIntent; charge: EmulatedCharge } {
    const created = nowSeconds();
    const amount = session.amount_total ?? 0;
    const currency = session.currency ?? 'usd';
    const extra: PaymentIntentData = this.paymentIntentData.get(session.id) ?? {
      metadata: {},
      description: null,
      transferDestination: null,
      applicationFeeAmount: null,
    };
    const transferData = extra.transferDestination ? { destination: extra.transferDestination } : null;
    const email = session.customer_details?.email ?? session.customer_email ?? null;
    const pi: EmulatedPaymentIntent = {
      id: stripeId('pi'),
      object: 'payment_intent',
      amount,
      amount_capturable: 0,
      amount_received: asyncMethod ? 0 : amount,
      canceled_at: null,
      capture_method: 'automatic',
      confirmation_method: 'automatic',
      created,
      currency,
      description: extra.description,
      last_payment_error: null,
      latest_charge: null,
      livemode: false,
      metadata: extra.metadata,
      payment_method_types: asyncMethod ? ['sepa_debit'] : ['card'],
      receipt_email: email,
      status: asyncMethod ? 'processing' : 'succeeded',
      application_fee_amount: extra.applicationFeeAmount,
      transfer_data: transferData,
    };
    const charge: EmulatedCharge = {
      id: stripeId(asyncMethod ? 'py' : 'ch'),
      object: 'charge',
      amount,
      amount_captured: asyncMethod ? 0 : amount,
      amount_refunded: 0,
      captured: !asyncMethod,
      created,
      currency,
      description: extra.description,
      disputed: false,
      failure_code: null,
      failure_message: null,
      livemode: false,
      metadata: extra.metadata,
      paid: !asyncMethod,
      payment_intent: pi.id,
      receipt_email: email,
      refunded: false,
      status: asyncMethod ? 'pending' : 'succeeded',
      application_fee_amount: extra.applicationFeeAmount,
      application_fee: null,
      transfer_data: transferData ? { amount: null, ...transferData } : null,
    };
    pi.latest_charge = charge.id;
    this.store.paymentIntents.set(pi.id, pi);
    this.store.charges.set(charge.id, charge);
    return { pi, charge };
  }
}
