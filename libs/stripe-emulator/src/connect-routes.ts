import type { ConnectFlows } from './connect-flows';
import type { EmulatorStore } from './emulator-store';
import { createdFilter, listObject, Route } from './routes';

const ID = '([A-Za-z0-9_]+)';

/** Stripe Connect's v1 API as Keyseed calls it: Express accounts, account and login links, fees, transfers. */
export function connectApiRoutes(store: EmulatorStore, connect: ConnectFlows): Route[] {
  return [
    {
      method: 'POST',
      pattern: /^\/v1\/accounts$/,
      handle: ({ params }) => {
        params.rejectUnknown(['type', 'email', 'country', 'metadata', 'capabilities', 'business_type', 'expand']);
        return connect.createAccount({
          type: params.string('type', { required: true }) as string,
          email: params.string('email', { max: 800 }) ?? null,
          country: params.string('country') ?? 'US',
          metadata: params.metadata(),
        });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/accounts/${ID}$`),
      handle: ({ path }) => store.account(path[0], 'account'),
    },
    {
      method: 'POST',
      pattern: new RegExp(`^/v1/accounts/${ID}/login_links$`),
      handle: ({ path, params }) => {
        params.rejectUnknown(['expand']);
        return connect.createLoginLink(path[0]);
      },
    },
    {
      method: 'POST',
      pattern: /^\/v1\/account_links$/,
      handle: ({ params }) => {
        params.rejectUnknown(['account', 'type', 'refresh_url', 'return_url', 'collect', 'expand']);
        return connect.createAccountLink({
          account: params.string('account', { required: true }) as string,
          type: params.string('type', { required: true }) as string,
          refreshUrl: params.string('refresh_url') ?? null,
          returnUrl: params.string('return_url') ?? null,
        });
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/application_fees/${ID}$`),
      handle: ({ path, expand }) => store.expand(store.applicationFee(path[0]), expand),
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/transfers/${ID}$`),
      handle: ({ path }) => store.transfer(path[0]),
    },
    {
      method: 'GET',
      pattern: /^\/v1\/transfers$/,
      handle: ({ params }) => {
        params.rejectUnknown(['destination', 'created', 'limit', 'starting_after', 'ending_before', 'expand']);
        const destination = params.string('destination');
        const created = createdFilter(params);
        const transfers = [...store.transfers.values()]
          .reverse()
          .filter((t) => (!destination || t.destination === destination) && created(t));
        return listObject('/v1/transfers', transfers, params);
      },
    },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/transfers/${ID}/reversals$`),
      handle: ({ path, params }) => {
        params.rejectUnknown(['limit', 'starting_after', 'ending_before', 'expand']);
        const transfer = store.transfer(path[0]);
        const reversals = [...store.transferReversals.values()].reverse().filter((r) => r.transfer === transfer.id);
        return listObject(`/v1/transfers/${transfer.id}/reversals`, reversals, params);
      },
    },
  ];
}
