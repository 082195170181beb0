import { ConnectFlows, ONBOARDING_OUTCOMES, OnboardingOutcome } from './connect-flows';
import type { EmulatorStore } from './emulator-store';
import { CHECKOUT_OUTCOMES, CheckoutOutcome, PaymentFlows } from './payment-flows';
import type { Route } from './routes';
import type { WebhookDispatcher, WebhookMode } from './webhook-dispatcher';

const ID = '([A-Za-z0-9_]+)';

/** Answer with a 303 to this location instead of JSON (the pay page's form posts). */
export class Redirect {
  constructor(readonly location: string) {}
}

/**
 * The emulator's own control API (not Stripe's): what a customer, a bank or Stripe's clock would do.
 * Bodies may be JSON or form-encoded; no API key needed.
 */
export function controlRoutes(
  store: EmulatorStore,
  flows: PaymentFlows,
  webhooks: WebhookDispatcher,
  connect: ConnectFlows,
  info: () => object,
): Route[] {
  return [
    {
      method: 'POST',
      pattern: new RegExp(`^/_emulator/accounts/${ID}/onboard$`),
      handle: ({ path, params }) => {
        const outcome = (params.string('outcome', { oneOf: ONBOARDING_OUTCOMES }) ?? 'complete') as OnboardingOutcome;
        const { account, events } = connect.onboard(path[0], outcome);
        const returnUrl = params.string('return_url');
        if (params.has('redirect') && returnUrl) return new Redirect(returnUrl);
        return { account, events: events.map((e) => ({ id: e.id, type: e.type })) };
      },
    },
    { method: 'GET', pattern: /^\/_emulator\/health$/, handle: info },
    {
      method: 'POST',
      pattern: new RegExp(`^/_emulator/checkout/sessions/${ID}/complete$`),
      handle: ({ path, params }) => {
        const outcome = (params.string('outcome', { oneOf: CHECKOUT_OUTCOMES }) ?? 'succeeded') as CheckoutOutcome;
        const result = flows.completeCheckoutSession(path[0], outcome, params.string('customer_email'));
        if (params.has('redirect') && result.session.success_url) {
          return new Redirect(result.session.success_url.replace('{CHECKOUT_SESSION_ID}', result.session.id));
        }
        return { ...result, events: result.events.map((e) => ({ id: e.id, type: e.type })) };
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/_emulator/checkout/sessions/${ID}/settle$`),
      handle: ({ path, params }) => {
        const outcome = params.string('outcome', { required: true, oneOf: ['succeeded', 'failed'] }) as
          'succeeded' | 'failed';
        const result = flows.settleAsyncPayment(path[0], outcome);
        return { ...result, events: result.events.map((e) => ({ id: e.id, type: e.type })) };
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/_emulator/checkout/sessions/${ID}/expire$`),
      handle: ({ path }) => flows.expireCheckoutSession(path[0]),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/_emulator/charges/${ID}/dispute$`),
      handle: ({ path, params }) => flows.createDispute(path[0], params.string('reason') ?? 'fraudulent').dispute,
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/_emulator/disputes/${ID}/close$`),
      handle: ({ path, params }) => {
        const outcome = params.string('outcome', { required: true, oneOf: ['won', 'lost'] }) as 'won' | 'lost';
        return flows.closeDispute(path[0], outcome).dispute;
      },
    },
    {
      method: 'GET',
      pattern: /^\/_emulator\/webhooks$/,
      handle: () => ({ url: webhooks.url ?? null, mode: webhooks.mode, deliveries: webhooks.deliveries }),
    },
    {
      method: 'POST',
      pattern: /^\/_emulator\/webhooks$/,
      handle: ({ params }) => {
        const url = params.string('url');
        if (url !== undefined) webhooks.url = url;
        const secret = params.string('secret');
        if (secret !== undefined) webhooks.secret = secret;
        const mode = params.string('mode', { oneOf: ['deliver', 'hold', 'drop'] });
        if (mode !== undefined) webhooks.mode = mode as WebhookMode;
        const dropNext = params.integer('drop_next', { min: 0 });
        if (dropNext) webhooks.dropNext(dropNext);
        return { url: webhooks.url ?? null, mode: webhooks.mode };
      },
    },
    {
      method: 'POST',
      pattern: /^\/_emulator\/webhooks\/release$/,
      handle: async ({ params }) => {
        const order = params.string('order', { oneOf: ['fifo', 'reverse'] }) as 'fifo' | 'reverse' | undefined;
        await webhooks.release(order);
        return { released: true };
      },
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/_emulator/events/${ID}/redeliver$`),
      handle: async ({ path, params }) => {
        store.event(path[0]);
        const times = params.integer('times', { min: 1, max: 100 }) ?? 1;
        return { attempts: await webhooks.redeliver(path[0], { times }) };
      },
    },
  ];
}
