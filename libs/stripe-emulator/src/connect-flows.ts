import { randomBytes } from 'node:crypto';
import type { EmulatorStore } from './emulator-store';
import type { EmitEvent, RequestContext } from './payment-flows';
import { NO_REQUEST } from './payment-flows';
import { invalidParam, invalidState, StripeApiError } from './stripe-error';
import {
  EmulatedAccount,
  EmulatedAccountLink,
  EmulatedCharge,
  EmulatedEvent,
  EmulatedLoginLink,
  EmulatedObject,
  EmulatedRefund,
  nowSeconds,
  refId,
  stripeId,
} from './stripe-objects';

/** What Stripe asks of a new Express account before it can take charges and receive payouts. */
const ONBOARDING_REQUIREMENTS = ['business_type', 'external_account', 'individual.dob.day', 'tos_acceptance.date'];

export type OnboardingOutcome = 'complete' | 'incomplete';
export const ONBOARDING_OUTCOMES: readonly OnboardingOutcome[] = ['complete', 'incomplete'];

interface PendingLink {
  account: string;
  refreshUrl: string | null;
  returnUrl: string | null;
  expiresAt: number;
}

/**
 * Stripe Connect with Express accounts: accounts, onboarding links (the hosted onboarding page is
 * the emulator's `/connect/onboard/<token>`), login links, and the money movements of destination
 * charges: an application fee and a transfer per succeeded charge, reversed in proportion by
 * refunds that ask for `reverse_transfer` / `refund_application_fee`.
 */
export class ConnectFlows {
  private readonly links = new Map<string, PendingLink>();

  constructor(
    private readonly store: EmulatorStore,
    private readonly emit: EmitEvent,
    private readonly baseUrl: () => string,
  ) {}

  createAccount(req: { type: string; email: string | null; country: string; metadata: Record<string, string> }) {
    if (req.type !== 'express')
      throw invalidParam('type', `The emulator supports Express accounts only (type=express), got ${req.type}`);
    const account: EmulatedAccount = {
      id: stripeId('acct', 16),
      object: 'account',
      type: 'express',
      email: req.email,
      country: req.country,
      created: nowSeconds(),
      metadata: req.metadata,
      charges_enabled: false,
      payouts_enabled: false,
      details_submitted: false,
      requirements: {
        currently_due: [...ONBOARDING_REQUIREMENTS],
        eventually_due: [...ONBOARDING_REQUIREMENTS],
        past_due: [...ONBOARDING_REQUIREMENTS],
        pending_verification: [],
        disabled_reason: 'requirements.past_due',
        current_deadline: null,
      },
    };
    this.store.accounts.set(account.id, account);
    return account;
  }

  createAccountLink(req: {
    account: string;
    type: string;
    refreshUrl: string | null;
    returnUrl: string | null;
  }): EmulatedAccountLink {
    this.store.account(req.account);
    if (req.type !== 'account_onboarding' && req.type !== 'account_update')
      throw invalidParam('type', `type must be account_onboarding or account_update, got ${req.type}`);
    const created = nowSeconds();
    const token = randomBytes(18).toString('base64url');
    const link: PendingLink = {
      account: req.account,
      refreshUrl: req.refreshUrl,
      returnUrl: req.returnUrl,
      expiresAt: created + 300,
    };
    this.links.set(token, link);
    if (this.links.size > 10_000) this.links.delete(this.links.keys().next().value as string);
    return {
      object: 'account_link',
      created,
      expires_at: link.expiresAt,
      url: `${this.baseUrl()}/connect/onboard/${token}`,
    };
  }

  /** The onboarding page's link, or null when it expired or never existed (the page then sends the user to refresh_url). */
  link(token: string): (PendingLink & { account: string }) | null {
    const link = this.links.get(token);
    return link && link.expiresAt > nowSeconds() ? link : null;
  }

  /** The account holder finishes the hosted onboarding, either fully or leaving requirements due. */
  onboard(accountId: string, outcome: OnboardingOutcome): { account: EmulatedAccount; events: EmulatedEvent[] } {
    const account = this.store.account(accountId);
    const due = outcome === 'complete' ? [] : ['external_account'];
    Object.assign(account, {
      details_submitted: true,
      charges_enabled: outcome === 'complete',
      payouts_enabled: outcome === 'complete',
    });
    account.requirements = {
      currently_due: [...due],
      eventually_due: [...due],
      past_due: [...due],
      pending_verification: [],
      disabled_reason: outcome === 'complete' ? null : 'requirements.past_due',
      current_deadline: null,
    };
    return { account, events: [this.emit('account.updated', account, NO_REQUEST, account.id)] };
  }

  createLoginLink(accountId: string): EmulatedLoginLink {
    const account = this.store.account(accountId);
    if (!account.details_submitted)
      throw invalidState(
        `Cannot create a login link for account ${accountId}: it has not completed onboarding.`,
        'account_onboarding_incomplete',
      );
    return { object: 'login_link', created: nowSeconds(), url: `${this.baseUrl()}/connect/dashboard/${accountId}` };
  }

  /** Checkout creation: the destination must be a connected account that can take charges. */
  checkDestination(destination: string | null, applicationFee: number | null, amount: number): void {
    if (applicationFee !== null && !destination)
      throw invalidParam(
        'payment_intent_data[application_fee_amount]',
        'Can only apply an application_fee_amount when the PaymentIntent is attempting a destination payment (using transfer_data[destination]).',
      );
    if (!destination) return;
    const account = this.store.account(destination, 'payment_intent_data[transfer_data][destination]');
    if (!account.charges_enabled)
      throw new StripeApiError(
        400,
        `Your destination account ${destination} needs to have at least one of the following capabilities enabled: transfers, crypto_transfers, legacy_payments.`,
        'invalid_request_error',
        'payment_intent_data[transfer_data][destination]',
        'insufficient_capabilities_for_transfer',
      );
    if (applicationFee !== null && applicationFee > amount)
      throw invalidParam(
        'payment_intent_data[application_fee_amount]',
        `application_fee_amount (${applicationFee}) must not exceed the amount (${amount}).`,
      );
  }

  /** A destination charge succeeded: the fee is collected and the full amount transferred. */
  settle(charge: EmulatedCharge, emit: (type: string, object: EmulatedObject) => void): void {
    const destination = charge.transfer_data?.destination;
    if (!destination || charge.transfer) return;
    const created = nowSeconds();
    const transfer = {
      id: stripeId('tr'),
      object: 'transfer' as const,
      amount: charge.amount,
      amount_reversed: 0,
      created,
      currency: charge.currency,
      destination,
      livemode: false,
      metadata: {},
      reversed: false,
      source_transaction: charge.id,
    };
    this.store.transfers.set(transfer.id, transfer);
    charge.transfer = transfer.id;
    emit('transfer.created', transfer);
    if (charge.application_fee_amount) {
      const fee = {
        id: stripeId('fee'),
        object: 'application_fee' as const,
        account: destination,
        amount: charge.application_fee_amount,
        amount_refunded: 0,
        charge: charge.id,
        created,
        currency: charge.currency,
        livemode: false,
        refunded: false,
      };
      this.store.applicationFees.set(fee.id, fee);
      charge.application_fee = fee.id;
      emit('application_fee.created', fee);
    }
  }

  /** A refund of `amount` reverses the transfer and refunds the fee in proportion, when asked to. */
  reverse(
    charge: EmulatedCharge,
    refund: EmulatedRefund,
    opts: { reverseTransfer: boolean; refundApplicationFee: boolean },
    request: RequestContext,
  ): EmulatedEvent[] {
    const events: EmulatedEvent[] = [];
    if (opts.refundApplicationFee && !opts.reverseTransfer)
      throw invalidParam(
        'refund_application_fee',
        'refund_application_fee requires reverse_transfer for destination charges.',
      );
    if (opts.reverseTransfer && charge.transfer) {
      const transfer = this.store.transfer(refId(charge.transfer));
      const amount = Math.min(
        Math.round((transfer.amount * refund.amount) / charge.amount),
        transfer.amount - transfer.amount_reversed,
      );
      const reversal = {
        id: stripeId('trr'),
        object: 'transfer_reversal' as const,
        amount,
        created: nowSeconds(),
        currency: transfer.currency,
        metadata: {},
        source_refund: refund.id,
        transfer: transfer.id,
      };
      this.store.transferReversals.set(reversal.id, reversal);
      transfer.amount_reversed += amount;
      transfer.reversed = transfer.amount_reversed >= transfer.amount;
      refund.transfer_reversal = reversal.id;
      events.push(this.emit('transfer.reversed', transfer, request));
    }
    if (opts.refundApplicationFee && charge.application_fee) {
      const fee = this.store.applicationFee(refId(charge.application_fee));
      const amount = Math.min(
        Math.round((fee.amount * refund.amount) / charge.amount),
        fee.amount - fee.amount_refunded,
      );
      fee.amount_refunded += amount;
      fee.refunded = fee.amount_refunded >= fee.amount;
      events.push(this.emit('application_fee.refunded', fee, request));
    }
    return events;
  }
}
