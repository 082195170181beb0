import Stripe from 'stripe';
import { StripeEmulator } from './stripe-emulator';
import { stripeSdkFor, WebhookReceiver } from '../../../test/helpers/webhook-receiver';

const SECRET = 'whsec_test_connect_spec';

/** Stripe Connect as the emulator plays it, driven by the real SDK: field names are the SDK's types. */
describe('StripeEmulator: Connect (Express accounts, destination charges, fees, transfers)', () => {
  let emulator: StripeEmulator;
  let receiver: WebhookReceiver;
  let stripe: Stripe;

  beforeEach(async () => {
    receiver = new WebhookReceiver();
    emulator = new StripeEmulator({ webhookSecret: SECRET, retry: { maxAttempts: 1 }, expirySweepMs: 0 });
    const base = await emulator.start();
    emulator.setWebhookUrl(await receiver.start('/hook'));
    stripe = stripeSdkFor(base, 'sk_test_connect_spec');
  });

  afterEach(async () => {
    await emulator.stop();
    await receiver.stop();
  });

  const express = () =>
    stripe.accounts.create({ type: 'express', email: 'studio@example.test', metadata: { creatorId: 'c1' } });

  const destinationSession = (destination: string, fee: number | undefined, amount = 2000) =>
    stripe.checkout.sessions.create({
      mode: 'payment',
      line_items: [
        { quantity: 1, price_data: { currency: 'usd', unit_amount: amount, product_data: { name: 'Film' } } },
      ],
      payment_intent_data: {
        transfer_data: { destination },
        ...(fee === undefined ? {} : { application_fee_amount: fee }),
        metadata: { orderId: 'o1' },
      },
      success_url: 'https://keyseed.test/ok',
      cancel_url: 'https://keyseed.test/cancel',
    });

  /** A connected account that finished onboarding, and a paid destination charge to it. */
  async function paidDestinationCharge(amount = 2000, fee = 200) {
    const account = await express();
    emulator.onboardAccount(account.id, 'complete');
    const session = await destinationSession(account.id, fee, amount);
    emulator.completeCheckoutSession(session.id);
    const pi = await stripe.paymentIntents.retrieve(emulator.getCheckoutSession(session.id).payment_intent as string);
    const charge = await stripe.charges.retrieve(pi.latest_charge as string, {
      expand: ['transfer', 'application_fee'],
    });
    return { account, session, pi, charge };
  }

  it('creates Express accounts with requirements due, and refuses other types', async () => {
    const account = await express();
    expect(account).toMatchObject({
      object: 'account',
      type: 'express',
      email: 'studio@example.test',
      metadata: { creatorId: 'c1' },
      charges_enabled: false,
      payouts_enabled: false,
      details_submitted: false,
    });
    expect(account.id).toMatch(/^acct_/);
    expect(account.requirements?.currently_due).toEqual(
      expect.arrayContaining(['external_account', 'tos_acceptance.date']),
    );
    expect((await stripe.accounts.retrieve(account.id)).id).toBe(account.id);
    await expect(stripe.accounts.create({ type: 'standard' })).rejects.toBeInstanceOf(
      Stripe.errors.StripeInvalidRequestError,
    );
    await expect(stripe.accounts.retrieve('acct_missing')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('account links open the hosted onboarding page; completing or leaving requirements due sends account.updated', async () => {
    const account = await express();
    const link = await stripe.accountLinks.create({
      account: account.id,
      type: 'account_onboarding',
      refresh_url: 'https://keyseed.test/refresh',
      return_url: 'https://keyseed.test/return',
    });
    expect(link).toMatchObject({ object: 'account_link', url: expect.stringContaining('/connect/onboard/') });
    expect(link.expires_at).toBeGreaterThan(link.created);
    const page = await (await fetch(link.url)).text();
    expect(page).toContain('complete onboarding');
    expect(page).toContain('leave requirements due');
    expect(await (await fetch(`${emulator.baseUrl}/connect/onboard/not-a-token`)).text()).toMatch(/expired/);
    await expect(
      stripe.accountLinks.create({ account: account.id, type: 'custom_account_update' }),
    ).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);

    // The page's "leave requirements due" button: a form post that returns to the platform.
    const left = await fetch(`${emulator.baseUrl}/_emulator/accounts/${account.id}/onboard`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'outcome=incomplete&redirect=1&return_url=https%3A%2F%2Fkeyseed.test%2Freturn',
      redirect: 'manual',
    });
    expect(left.status).toBe(303);
    expect(left.headers.get('location')).toBe('https://keyseed.test/return');
    expect(await stripe.accounts.retrieve(account.id)).toMatchObject({
      details_submitted: true,
      charges_enabled: false,
      requirements: { currently_due: ['external_account'], disabled_reason: 'requirements.past_due' },
    });

    emulator.onboardAccount(account.id, 'complete');
    await emulator.webhooks.idle();
    const events = receiver.received.map((b) => stripe.webhooks.constructEvent(b.body, b.signature, SECRET));
    const updates = events.filter((e) => e.type === 'account.updated');
    expect(updates).toHaveLength(2);
    expect(updates[1]).toMatchObject({
      account: account.id,
      data: {
        object: { id: account.id, charges_enabled: true, payouts_enabled: true, requirements: { currently_due: [] } },
      },
    });
  });

  it('login links open the Express dashboard once onboarding was submitted', async () => {
    const account = await express();
    await expect(stripe.accounts.createLoginLink(account.id)).rejects.toMatchObject({
      code: 'account_onboarding_incomplete',
    });
    emulator.onboardAccount(account.id, 'incomplete');
    const link = await stripe.accounts.createLoginLink(account.id);
    expect(link).toMatchObject({ object: 'login_link', url: `${emulator.baseUrl}/connect/dashboard/${account.id}` });
    expect(await (await fetch(link.url)).text()).toMatch(/charges disabled, payouts disabled/);
  });

  it('refuses destination charges to accounts that cannot take charges, fees without a destination or above the amount', async () => {
    const account = await express();
    await expect(destinationSession(account.id, 100)).rejects.toMatchObject({
      code: 'insufficient_capabilities_for_transfer',
      param: 'payment_intent_data[transfer_data][destination]',
    });
    emulator.onboardAccount(account.id, 'complete');
    await expect(destinationSession(account.id, 2001)).rejects.toMatchObject({
      param: 'payment_intent_data[application_fee_amount]',
    });
    await expect(destinationSession('acct_nobody', 100)).rejects.toBeInstanceOf(
      Stripe.errors.StripeInvalidRequestError,
    );
    await expect(
      stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 500, product_data: { name: 'F' } } }],
        payment_intent_data: { application_fee_amount: 50 },
        success_url: 'https://keyseed.test/ok',
      }),
    ).rejects.toMatchObject({ param: 'payment_intent_data[application_fee_amount]' });
  });

  it('a paid destination charge collects the application fee and transfers the amount to the connected account', async () => {
    const { account, pi, charge } = await paidDestinationCharge(2000, 200);
    expect(pi).toMatchObject({ application_fee_amount: 200, transfer_data: { destination: account.id } });
    expect(charge).toMatchObject({
      amount: 2000,
      application_fee_amount: 200,
      transfer_data: { destination: account.id },
    });
    const transfer = charge.transfer as Stripe.Transfer;
    expect(transfer).toMatchObject({
      object: 'transfer',
      amount: 2000,
      amount_reversed: 0,
      reversed: false,
      currency: 'usd',
      destination: account.id,
      source_transaction: charge.id,
    });
    const fee = charge.application_fee as Stripe.ApplicationFee;
    expect(fee).toMatchObject({
      object: 'application_fee',
      amount: 200,
      amount_refunded: 0,
      account: account.id,
      charge: charge.id,
    });
    expect(await stripe.applicationFees.retrieve(fee.id)).toMatchObject({ id: fee.id, amount: 200 });
    expect((await stripe.transfers.retrieve(transfer.id)).id).toBe(transfer.id);
    const listed = await stripe.transfers.list({ destination: account.id });
    expect(listed.data.map((t) => t.id)).toEqual([transfer.id]);
    expect((await stripe.transfers.list({ destination: 'acct_other' })).data).toEqual([]);
    await emulator.webhooks.idle();
    const types = receiver.types();
    expect(types).toEqual(
      expect.arrayContaining(['transfer.created', 'application_fee.created', 'checkout.session.completed']),
    );
  });

  it('refunds with reverse_transfer and refund_application_fee reverse both in proportion', async () => {
    const { pi, charge } = await paidDestinationCharge(2000, 200);
    const transferId = (charge.transfer as Stripe.Transfer).id;
    const feeId = (charge.application_fee as Stripe.ApplicationFee).id;
    await expect(
      stripe.refunds.create({ payment_intent: pi.id, amount: 500, refund_application_fee: true }),
    ).rejects.toMatchObject({ param: 'refund_application_fee' });

    const partial = await stripe.refunds.create({
      payment_intent: pi.id,
      amount: 500,
      reverse_transfer: true,
      refund_application_fee: true,
    });
    expect(partial.transfer_reversal).toMatch(/^trr_/);
    expect(await stripe.transfers.retrieve(transferId)).toMatchObject({ amount_reversed: 500, reversed: false });
    expect(await stripe.applicationFees.retrieve(feeId)).toMatchObject({ amount_refunded: 50, refunded: false });
    const reversals = await stripe.transfers.listReversals(transferId);
    expect(reversals.data).toEqual([
      expect.objectContaining({
        id: partial.transfer_reversal,
        object: 'transfer_reversal',
        amount: 500,
        transfer: transferId,
        source_refund: partial.id,
      }),
    ]);

    await stripe.refunds.create({ payment_intent: pi.id, reverse_transfer: true, refund_application_fee: true });
    expect(await stripe.transfers.retrieve(transferId)).toMatchObject({ amount_reversed: 2000, reversed: true });
    expect(await stripe.applicationFees.retrieve(feeId)).toMatchObject({ amount_refunded: 200, refunded: true });
    expect((await stripe.transfers.listReversals(transferId)).data).toHaveLength(2);
    const refreshed = await stripe.charges.retrieve(charge.id);
    expect(refreshed).toMatchObject({ refunded: true, amount_refunded: 2000 });
    await emulator.webhooks.idle();
    const types = receiver.types();
    expect(types.filter((t) => t === 'transfer.reversed')).toHaveLength(2);
    expect(types.filter((t) => t === 'application_fee.refunded')).toHaveLength(2);
    expect(types).toContain('charge.refunded');
  });

  it('a refund without reverse_transfer leaves the transfer with the connected account', async () => {
    const { pi, charge } = await paidDestinationCharge(1000, 100);
    const refund = await stripe.refunds.create({ payment_intent: pi.id });
    expect(refund.transfer_reversal).toBeNull();
    expect(await stripe.transfers.retrieve((charge.transfer as Stripe.Transfer).id)).toMatchObject({
      amount_reversed: 0,
    });
    expect(await stripe.applicationFees.retrieve((charge.application_fee as Stripe.ApplicationFee).id)).toMatchObject({
      amount_refunded: 0,
    });
  });
});
