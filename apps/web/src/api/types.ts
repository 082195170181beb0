/**
 * Shapes of the API's JSON answers (see /docs for the OpenAPI description). Dates arrive as ISO strings.
 * Those the CLI reads too are in libs/api-views.
 */

import type { LicenseStatus, OrderStatus } from '../../../../libs/api-views/src';

export type {
  Role,
  UserView,
  SessionView,
  TokenView,
  CreatedTokenView,
  LicenseStatus,
  LicenseView,
  DeviceView,
  OrderStatus,
  OrderView,
  CheckoutView,
} from '../../../../libs/api-views/src';

export interface PriceView {
  amount: number;
  currency: string;
  minimum: number | null;
}

export type BundleStatus = 'DRAFT' | 'PUBLISHING' | 'PUBLISHED' | 'UNLISTED' | 'TAKEN_DOWN';

export interface CatalogSummaryView {
  id: string;
  slug: string;
  title: string;
  description: string;
  creator: { displayName: string };
  price: PriceView | null;
  itemCount: number;
  totalSize: number;
  publishedAt: string | null;
  posterPath: string | null;
  /** A premiere: license keys are delivered from this instant on; null when there is none. */
  releaseAt: string | null;
  /** Keys are delivered now (as the API's clock saw it when answering). */
  released: boolean;
}

export interface CatalogItemView {
  path: string;
  torrentPath: string;
  size: number | null;
  locked: boolean;
  previewPieces: number;
}

export interface TorrentLinkView {
  url: string;
  infoHashV1: string;
  infoHashV2: string | null;
  useWith: string;
}

export interface CatalogBundleView extends CatalogSummaryView {
  status: BundleStatus;
  pieceLength: number | null;
  items: CatalogItemView[];
  magnet: string | null;
  infoHashV1: string | null;
  infoHashV2: string | null;
  infoHashV1Legacy: string | null;
  torrents: { hybrid: TorrentLinkView; v1: TorrentLinkView | null } | null;
  swarm: { seeders: number; leechers: number; completed: number };
}

export type ItemStatus = 'AWAITING_UPLOAD' | 'UPLOADING' | 'QUEUED' | 'INGESTING' | 'READY' | 'FAILED';

export interface ItemView {
  id: string;
  path: string;
  position: number;
  locked: boolean;
  previewPieces: number;
  status: ItemStatus;
  failureReason: string | null;
  size: number | null;
  /** The size its upload must have; the bundle's piece length is chosen from the declared sizes. */
  declaredSize: number | null;
  progressPercent: number;
  bytesPerSecond: number;
  etaSeconds: number | null;
  plaintextSha256: string | null;
}

export interface BundleSummaryView {
  id: string;
  slug: string;
  title: string;
  status: BundleStatus;
  pieceLength: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface BundleView extends BundleSummaryView {
  description: string;
  takedownReason: string | null;
  publishFailureReason: string | null;
  price: PriceView | null;
  infoHashV1: string | null;
  infoHashV2: string | null;
  infoHashV1Legacy: string | null;
  magnet: string | null;
  publishedAt: string | null;
  /** A premiere: license keys are delivered from this instant on; null when there is none. */
  releaseAt: string | null;
  items: ItemView[];
  progressPercent: number;
}

export interface SalesReportView {
  bundleId: string;
  paidCount: number;
  refundCount: number;
  activeLicenses: number;
  byCurrency: {
    currency: string;
    paidCount: number;
    gross: number;
    refundCount: number;
    refunded: number;
    net: number;
  }[];
}

/** Public answer for the page Stripe sends the browser back to (no token needed: the order id is the secret). */
export interface CheckoutReturnView {
  orderId: string;
  status: OrderStatus;
  bundle: { slug: string; title: string };
}

export interface AdminPriceView {
  bundleId: string;
  amount: number | null;
  currency: string | null;
  minimum: number | null;
  forSale: boolean;
}

export interface PriceChangeView {
  id: string;
  adminId: string;
  adminEmail: string;
  createdAt: string;
  oldAmount: number | null;
  oldCurrency: string | null;
  oldMinimum: number | null;
  newAmount: number | null;
  newCurrency: string | null;
  newMinimum: number | null;
}

export interface RefundView {
  orderId: string;
  refundId: string;
  refundStatus: string;
  orderStatus: OrderStatus;
  licenseStatus: LicenseStatus | null;
}

export interface AdminOrderView {
  id: string;
  status: OrderStatus;
  amount: number;
  currency: string;
  amountRefunded: number;
  disputeStatus: 'OPEN' | 'WON' | 'LOST' | null;
  licenseStatus: LicenseStatus | null;
  buyer: { id: string; email: string; displayName: string };
  bundle: { id: string; slug: string; title: string };
  createdAt: string;
  paidAt: string | null;
  refundedAt: string | null;
}
