import type { Bundle, Item } from '@keyseed/database';
import { BundleSummaryView, BundleView, ItemView, PriceView } from './dtos/bundle.responses';

/** `Item.progress` is the ingest's fraction done, 0..1 (written by the worker). */
export function itemView(item: Item): ItemView {
  const size = item.size === null ? null : Number(item.size);
  const fraction = item.status === 'READY' ? 1 : Math.min(1, Math.max(0, item.progress));
  const remaining = size === null ? null : size * (1 - fraction);
  const etaSeconds =
    item.status === 'INGESTING' && remaining !== null && item.bytesPerSecond > 0
      ? Math.ceil(remaining / item.bytesPerSecond)
      : item.status === 'READY'
        ? 0
        : null;
  return {
    id: item.id,
    path: item.path,
    position: item.position,
    locked: item.locked,
    previewPieces: item.previewPieces,
    status: item.status,
    failureReason: item.failureReason,
    declaredSize: item.declaredSize === null ? null : Number(item.declaredSize),
    size,
    progressPercent: Math.round(fraction * 1000) / 10,
    bytesPerSecond: item.status === 'INGESTING' ? item.bytesPerSecond : 0,
    etaSeconds,
    plaintextSha256: item.plaintextSha256,
  };
}

export function priceView(b: Pick<Bundle, 'priceAmount' | 'priceCurrency' | 'priceMinimum'>): PriceView | null {
  return b.priceAmount === null || !b.priceCurrency
    ? null
    : { amount: b.priceAmount, currency: b.priceCurrency, minimum: b.priceMinimum };
}

export function bundleSummaryView(b: Bundle): BundleSummaryView {
  return {
    id: b.id,
    slug: b.slug,
    title: b.title,
    status: b.status,
    pieceLength: b.pieceLength,
    createdAt: b.createdAt,
    updatedAt: b.updatedAt,
  };
}

export function bundleView(b: Bundle & { items: Item[] }): BundleView {
  const items = [...b.items].sort((x, y) => x.position - y.position).map(itemView);
  const sized = items.filter((i) => i.size !== null);
  const total = sized.reduce((s, i) => s + i.size!, 0);
  const done = sized.reduce((s, i) => s + (i.size! * i.progressPercent) / 100, 0);
  return {
    ...bundleSummaryView(b),
    description: b.description,
    takedownReason: b.takedownReason,
    publishFailureReason: b.publishFailureReason,
    price: priceView(b),
    infoHashV1: b.infoHashV1,
    infoHashV2: b.infoHashV2,
    infoHashV1Legacy: b.infoHashV1Legacy,
    magnet: b.magnet,
    publishedAt: b.publishedAt,
    releaseAt: b.releaseAt,
    items,
    progressPercent: total > 0 ? Math.round((done / total) * 1000) / 10 : 0,
  };
}
