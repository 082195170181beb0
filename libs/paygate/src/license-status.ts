import type { DisputeStatus, LicenseStatus, OrderStatus } from '@keyseed/database';

/** The facts about an order that decide its license (all recorded from Stripe, in any order). */
export interface OrderFacts {
  status: OrderStatus;
  disputeStatus: DisputeStatus | null;
  /** The order's checkout was superseded: a payment for it is refunded, never licensed. */
  supersededAt?: Date | null;
}

export interface LicenseDecision {
  status: LicenseStatus;
  reason: string | null;
}

/**
 * What the license of an order must be, or null when the order must have none. Derived from
 * facts rather than from the last event seen, so every arrival order converges:
 * - refunded (fully) → REVOKED, and never created: a refund seen before the payment still wins;
 * - dispute lost → REVOKED; dispute open → SUSPENDED; dispute won → as if none;
 * - paid for a superseded checkout → REVOKED (so never created): the payment is refunded instead;
 * - paid → ACTIVE; anything else (pending, failed, expired) → no license.
 * A REVOKED license is never created; an existing one is revoked.
 */
export function licenseDecision(facts: OrderFacts): LicenseDecision | null {
  if (facts.status === 'REFUNDED') return { status: 'REVOKED', reason: 'order refunded' };
  if (facts.status !== 'PAID') return null;
  if (facts.supersededAt) return { status: 'REVOKED', reason: 'superseded checkout: payment refunded' };
  if (facts.disputeStatus === 'LOST') return { status: 'REVOKED', reason: 'payment dispute lost' };
  if (facts.disputeStatus === 'OPEN') return { status: 'SUSPENDED', reason: 'payment disputed' };
  return { status: 'ACTIVE', reason: null };
}

/**
 * Order status moves only forward: PENDING → FAILED | EXPIRED | PAID → REFUNDED. FAILED and
 * EXPIRED can still become PAID (Stripe's session is the truth when it says paid); nothing leaves
 * REFUNDED, and PAID never falls back to FAILED/EXPIRED/PENDING.
 */
const RANK: Record<OrderStatus, number> = { PENDING: 0, FAILED: 1, EXPIRED: 1, PAID: 2, REFUNDED: 3 };

export function canMoveOrder(from: OrderStatus, to: OrderStatus): boolean {
  return from !== to && RANK[to] > RANK[from];
}
