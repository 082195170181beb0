/**
 * Shapes of the API's JSON answers that both the web app (apps/web) and the CLI (apps/cli) read (the
 * OpenAPI document at /docs/openapi.json describes them all). Dates arrive as ISO strings. Types only,
 * so the web build takes them by relative path (`import type`, erased by Vite) and needs no alias.
 */

export type Role = 'CREATOR' | 'BUYER' | 'ADMIN';

export interface UserView {
  id: string;
  email: string;
  displayName: string;
  roles: Role[];
  createdAt: string;
}

export interface SessionView {
  user: UserView;
  token: string;
  expiresAt: string;
}

export interface TokenView {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface CreatedTokenView extends TokenView {
  token: string;
}

export type LicenseStatus = 'ACTIVE' | 'SUSPENDED' | 'REVOKED';

export interface LicenseView {
  id: string;
  orderId: string;
  bundle: { id: string; slug: string; title: string };
  status: LicenseStatus;
  statusReason: string | null;
  /** EMAIL_GATE: given for a confirmed e-mail address, keys for the email-gated items only. */
  source: 'PURCHASE' | 'EMAIL_GATE';
  devices: number;
  createdAt: string;
  updatedAt: string;
}

export interface DeviceView {
  id: string;
  licenseId: string;
  publicKey: string;
  name: string;
  createdAt: string;
  removedAt: string | null;
}

export type OrderStatus = 'PENDING' | 'PAID' | 'FAILED' | 'EXPIRED' | 'REFUNDED';

export interface OrderView {
  id: string;
  bundleId: string;
  amount: number;
  currency: string;
  status: OrderStatus;
  checkoutUrl: string | null;
  licenseId: string | null;
  amountRefunded: number;
  createdAt: string;
  paidAt: string | null;
  refundedAt: string | null;
}

export interface CheckoutView {
  orderId: string;
  checkoutUrl: string;
}
