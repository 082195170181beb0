/**
 * Every e-mail the platform sends, one shape per kind: the facts its template needs, gathered when
 * the fact happened (an order paid, a refund, a sign-up) so the worker sends without reading the
 * database again. Amounts are integers in minor units. (docs/architecture.md, e-mail)
 */
export interface PurchaseReceiptMail {
  kind: 'purchase-receipt';
  to: string;
  data: {
    orderId: string;
    buyerName: string;
    bundleTitle: string;
    bundleSlug: string;
    amount: number;
    currency: string;
    /** ISO 8601. */
    paidAt: string;
    /** ISO 8601: a pre-order, whose keys are delivered from this time on (docs/architecture.md, premieres). */
    releaseAt?: string;
  };
}

/** To a pre-order's buyer, once the premiere is out (housekeeping `announce-releases`). */
export interface ReleaseNoticeMail {
  kind: 'release-notice';
  to: string;
  data: {
    buyerName: string;
    bundleTitle: string;
    bundleSlug: string;
    /** ISO 8601: when the keys started to flow. */
    releasedAt: string;
  };
}

export interface RefundNoticeMail {
  kind: 'refund-notice';
  to: string;
  data: {
    orderId: string;
    buyerName: string;
    bundleTitle: string;
    bundleSlug: string;
    amountRefunded: number;
    currency: string;
    /** A second payment for a bundle already held, or for a checkout that was closed, is refunded automatically. */
    automatic: boolean;
  };
}

/** To the creator: a sale of one of their bundles, split into the platform's fee and their share. */
export interface SaleNoticeMail {
  kind: 'sale-notice';
  to: string;
  data: {
    orderId: string;
    creatorName: string;
    bundleTitle: string;
    bundleSlug: string;
    gross: number;
    fee: number;
    net: number;
    currency: string;
    /** The platform sold in its own name (no transfer to the creator's Stripe account). */
    platformSellerOfRecord: boolean;
  };
}

/** To a gift's recipient: a link that claims the license into their account. */
export interface GiftMail {
  kind: 'gift';
  to: string;
  data: {
    bundleTitle: string;
    bundleSlug: string;
    fromName: string;
    /** The giver's note, shown as plain text. */
    message: string | null;
    redeemUrl: string;
    /** ISO 8601, or null when the link does not expire. */
    expiresAt: string | null;
  };
}

/** A redeem code sent to someone: the code and the link that redeems it. */
export interface RedeemCodeMail {
  kind: 'redeem-code';
  to: string;
  data: {
    bundleTitle: string;
    bundleSlug: string;
    code: string;
    redeemUrl: string;
    fromName: string | null;
  };
}

/** Double opt-in of the email gate: the link that confirms the address and unlocks the bundle. */
export interface EmailGateConfirmMail {
  kind: 'email-gate-confirm';
  to: string;
  data: {
    bundleTitle: string;
    bundleSlug: string;
    creatorName: string;
    confirmUrl: string;
    /** ISO 8601. */
    expiresAt: string;
  };
}

export type MailMessage =
  | PurchaseReceiptMail
  | ReleaseNoticeMail
  | RefundNoticeMail
  | SaleNoticeMail
  | GiftMail
  | RedeemCodeMail
  | EmailGateConfirmMail;

export type MailKind = MailMessage['kind'];
