import { api } from './client';
import type { BundleSummaryView, BundleView, ItemView, SalesReportView } from './types';

export function listMyBundles(signal?: AbortSignal) {
  return api<BundleSummaryView[]>('GET', '/v1/bundles?perPage=100', { signal });
}

export function createBundle(body: { title: string; description?: string; pieceLength?: number }) {
  return api<BundleView>('POST', '/v1/bundles', { body });
}

export function getBundle(id: string, signal?: AbortSignal) {
  return api<BundleView>('GET', `/v1/bundles/${id}`, { signal });
}

export function addItem(bundleId: string, item: { path: string; locked: boolean; previewPieces: number }) {
  return api<BundleView>('POST', `/v1/bundles/${bundleId}/items`, { body: { items: [item] } });
}

/** The size the item's upload will have: the piece length follows the declared total (docs/torrent-format.md). */
export function declareItemSize(bundleId: string, itemId: string, size: number) {
  return api<ItemView>('PATCH', `/v1/bundles/${bundleId}/items/${itemId}`, { body: { size } });
}

export function deleteItem(bundleId: string, itemId: string) {
  return api<void>('DELETE', `/v1/bundles/${bundleId}/items/${itemId}`);
}

/** `releaseAt` (ISO instant): a premiere, sold and seeded now, its keys delivered from then on. */
export function publishBundle(bundleId: string, releaseAt?: string) {
  return api<{ id: string; status: string; jobId: string }>('POST', `/v1/bundles/${bundleId}/publish`, {
    body: releaseAt ? { releaseAt } : {},
  });
}

/** Moves a premiere's release (creator or admin); null releases it now. */
export function setRelease(bundleId: string, releaseAt: string | null) {
  return api<BundleView>('PUT', `/v1/bundles/${bundleId}/release`, { body: { releaseAt } });
}

export function bundleSales(bundleId: string, signal?: AbortSignal) {
  return api<SalesReportView>('GET', `/v1/bundles/${bundleId}/sales`, { signal });
}
