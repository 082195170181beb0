import { invalidParam, noSuch } from './stripe-error';
import {
  EmulatedAccount,
  EmulatedApplicationFee,
  EmulatedTransfer,
  EmulatedTransferReversal,
  EmulatedCharge,
  EmulatedCheckoutSession,
  EmulatedDispute,
  EmulatedEvent,
  EmulatedObject,
  EmulatedPaymentIntent,
  EmulatedRefund,
  snapshot,
} from './stripe-objects';

/** A Map that forgets its oldest entries past `limit`, so a long-running dev emulator stays bounded. */
export class BoundedMap<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly limit: number) {}

  get(id: string): V | undefined {
    return this.map.get(id);
  }

  set(id: string, value: V): void {
    this.map.delete(id);
    this.map.set(id, value);
    while (this.map.size > this.limit) this.map.delete(this.map.keys().next().value as string);
  }

  delete(id: string): void {
    this.map.delete(id);
  }

  values(): IterableIterator<V> {
    return this.map.values();
  }

  get size(): number {
    return this.map.size;
  }
}

/** Which id prefix lives in which collection, and the name Stripe uses in "No such …" errors. */
const KINDS = {
  cs: { collection: 'checkoutSessions', name: 'checkout.session' },
  pi: { collection: 'paymentIntents', name: 'payment_intent' },
  ch: { collection: 'charges', name: 'charge' },
  py: { collection: 'charges', name: 'charge' },
  re: { collection: 'refunds', name: 'refund' },
  du: { collection: 'disputes', name: 'dispute' },
  acct: { collection: 'accounts', name: 'account' },
  fee: { collection: 'applicationFees', name: 'application_fee' },
  tr: { collection: 'transfers', name: 'transfer' },
  trr: { collection: 'transferReversals', name: 'transfer_reversal' },
} as const;

/** Fields the emulator can expand, per object type (Stripe's `expand[]`). */
const EXPANDABLE: Record<string, readonly string[]> = {
  'checkout.session': ['payment_intent'],
  payment_intent: ['latest_charge'],
  charge: ['payment_intent', 'application_fee', 'transfer'],
  application_fee: ['charge'],
  refund: ['charge', 'payment_intent'],
  dispute: ['charge', 'payment_intent'],
};

/** All emulated state. In memory and bounded: this is a dev/test tool, not a ledger. */
export class EmulatorStore {
  readonly checkoutSessions: BoundedMap<EmulatedCheckoutSession>;
  readonly paymentIntents: BoundedMap<EmulatedPaymentIntent>;
  readonly charges: BoundedMap<EmulatedCharge>;
  readonly refunds: BoundedMap<EmulatedRefund>;
  readonly disputes: BoundedMap<EmulatedDispute>;
  readonly events: BoundedMap<EmulatedEvent>;
  readonly accounts: BoundedMap<EmulatedAccount>;
  readonly applicationFees: BoundedMap<EmulatedApplicationFee>;
  readonly transfers: BoundedMap<EmulatedTransfer>;
  readonly transferReversals: BoundedMap<EmulatedTransferReversal>;

  constructor(maxObjects: number) {
    this.accounts = new BoundedMap(maxObjects);
    this.applicationFees = new BoundedMap(maxObjects);
    this.transfers = new BoundedMap(maxObjects);
    this.transferReversals = new BoundedMap(maxObjects);
    this.checkoutSessions = new BoundedMap(maxObjects);
    this.paymentIntents = new BoundedMap(maxObjects);
    this.charges = new BoundedMap(maxObjects);
    this.refunds = new BoundedMap(maxObjects);
    this.disputes = new BoundedMap(maxObjects);
    this.events = new BoundedMap(maxObjects);
  }

  session(id: string, param = 'id'): EmulatedCheckoutSession {
    return this.checkoutSessions.get(id) ?? throwNoSuch('checkout.session', id, param);
  }

  paymentIntent(id: string, param = 'id'): EmulatedPaymentIntent {
    return this.paymentIntents.get(id) ?? throwNoSuch('payment_intent', id, param);
  }

  charge(id: string, param = 'id'): EmulatedCharge {
    return this.charges.get(id) ?? throwNoSuch('charge', id, param);
  }

  refund(id: string, param = 'id'): EmulatedRefund {
    return this.refunds.get(id) ?? throwNoSuch('refund', id, param);
  }

  dispute(id: string, param = 'id'): EmulatedDispute {
    return this.disputes.get(id) ?? throwNoSuch('dispute', id, param);
  }

  account(id: string, param = 'account'): EmulatedAccount {
    return this.accounts.get(id) ?? throwNoSuch('account', id, param);
  }

  applicationFee(id: string): EmulatedApplicationFee {
    return this.applicationFees.get(id) ?? throwNoSuch('application_fee', id);
  }

  transfer(id: string): EmulatedTransfer {
    return this.transfers.get(id) ?? throwNoSuch('transfer', id);
  }

  event(id: string): EmulatedEvent {
    return this.events.get(id) ?? throwNoSuch('event', id);
  }

  /** A copy of `object` with `expand` paths (`payment_intent`, `payment_intent.latest_charge`) inlined. */
  expand<T extends EmulatedObject>(object: T, paths: readonly string[]): T {
    const copy = snapshot(object);
    for (const path of paths) this.expandPath(copy, path.split('.'), path);
    return copy;
  }

  private expandPath(target: Record<string, unknown>, segments: string[], fullPath: string): void {
    const [field, ...rest] = segments;
    const allowed = EXPANDABLE[String(target.object)] ?? [];
    if (!allowed.includes(field)) throw invalidParam('expand', `This property cannot be expanded (${fullPath}).`);
    let value = target[field];
    if (typeof value === 'string') {
      value = snapshot(this.byId(value));
      target[field] = value;
    }
    if (rest.length > 0 && value && typeof value === 'object')
      this.expandPath(value as Record<string, unknown>, rest, fullPath);
  }

  private byId(id: string): EmulatedObject {
    const kind = KINDS[id.split('_')[0] as keyof typeof KINDS];
    const found = kind ? (this[kind.collection] as BoundedMap<EmulatedObject>).get(id) : undefined;
    return found ?? throwNoSuch(kind?.name ?? 'object', id);
  }
}

function throwNoSuch(name: string, id: string, param = 'id'): never {
  throw noSuch(name, id, param);
}
