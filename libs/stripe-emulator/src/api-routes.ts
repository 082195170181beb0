import { readCheckoutSessionRequest } from './checkout-session-create';
import type { EmulatorStore } from './emulator-store';
import type { PaymentFlows, RefundRequest } from './payment-flows';
import { createdFilter, listObject, Route } from './routes';
import { nowSeconds } from './stripe-objects';

const ID = '([A-Za-z0-9_]+)';

/** The slice of Stripe's v1 API Keyseed's platform calls. */
export function stripeApiRoutes(store: EmulatorStore, flows: PaymentFlows): Route[] {
  return [
    {
      method: 'POST',
      pattern: /^\/v1\/checkout\/sessions$/,
      handle: ({ params, expand }) =>
        store.expand(flows.createCheckoutSession(readCheckoutSessionRequest(params, nowSeconds())), expand),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/checkout\/sessions$/,
      handle: ({ params, expand }) => {
        params.rejectUnknown([
          'payment_intent',
          'status',
          'created',
          'limit',
          'starting_after',
          'ending_before',
          'expand',
        ]);
        const pi = params.string('payment_intent');
        const status = params.string('status', { oneOf: ['open', 'complete', 'expired'] });
        const created = createdFilter(params);
        const sessions = [...store.checkoutSessions.values()]
          .reverse()
          .filter((s) => (!pi || s.payment_intent === pi) && (!status || s.status === status) && created(s))
          .map((s) =>
            store.expand(
              s,
              expand.map((e) => e.replace(/^data\./, '')),
            ),
          );
        return listObject('/v1/checkout/sessions', sessions, params);
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/checkout/sessions/${ID}$`),
      handle: ({ path, expand }) => store.expand(flows.currentSession(path[0]), expand),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/v1/checkout/sessions/${ID}/expire$`),
      handle: ({ path, expand, request }) => store.expand(flows.expireCheckoutSession(path[0], request), expand),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/payment_intents/${ID}$`),
      handle: ({ path, expand }) => store.expand(store.paymentIntent(path[0]), expand),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/charges/${ID}$`),
      handle: ({ path, expand }) => store.expand(store.charge(path[0]), expand),
    },
    {
      method: 'POST',
      pattern: /^\/v1\/refunds$/,
      handle: ({ params, expand, request }) => {
        params.rejectUnknown([
          'payment_intent',
          'charge',
          'amount',
          'metadata',
          'reason',
          'expand',
          'instructions_email',
          'reverse_transfer',
          'refund_application_fee',
        ]);
        const req: RefundRequest = {
          paymentIntent: params.string('payment_intent'),
          charge: params.string('charge'),
          amount: params.integer('amount', { min: 1 }),
          metadata: params.metadata(),
          reason: params.string('reason', {
            oneOf: ['duplicate', 'fraudulent', 'requested_by_customer'],
          }) as RefundRequest['reason'],
          reverseTransfer: params.boolean('reverse_transfer'),
          refundApplicationFee: params.boolean('refund_application_fee'),
        };
        return store.expand(flows.createRefund(req, request).refund, expand);
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/refunds/${ID}$`),
      handle: ({ path, expand }) => store.expand(store.refund(path[0]), expand),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/disputes/${ID}$`),
      handle: ({ path, expand }) => store.expand(store.dispute(path[0]), expand),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/events$/,
      handle: ({ params }) => {
        params.rejectUnknown(['type', 'types', 'created', 'limit', 'starting_after', 'ending_before']);
        const types = [...params.stringList('types'), ...(params.has('type') ? [params.string('type') as string] : [])];
        const matches = (t: string) =>
          types.length === 0 || types.some((p) => t === p || (p.endsWith('.*') && t.startsWith(p.slice(0, -1))));
        const created = createdFilter(params);
        const events = [...store.events.values()].reverse().filter((e) => matches(e.type) && created(e));
        return listObject('/v1/events', events, params);
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/events/${ID}$`),
      handle: ({ path }) => store.event(path[0]),
    },
  ];
}
