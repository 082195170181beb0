import { api } from './client';
import type { CatalogBundleView, CatalogSummaryView, CheckoutView } from './types';

export const CATALOG_PAGE_SIZE = 12;

export function listCatalog(page: number, query: string, signal?: AbortSignal): Promise<CatalogSummaryView[]> {
  const params = new URLSearchParams({ page: String(page), perPage: String(CATALOG_PAGE_SIZE) });
  if (query.trim()) params.set('q', query.trim());
  return api('GET', `/v1/catalog?${params}`, { signal });
}

export function getCatalogBundle(slug: string, signal?: AbortSignal): Promise<CatalogBundleView> {
  return api('GET', `/v1/catalog/${encodeURIComponent(slug)}`, { signal });
}

export function startCheckout(bundleId: string, amount?: number): Promise<CheckoutView> {
  return api('POST', `/v1/bundles/${bundleId}/checkout`, { body: amount === undefined ? {} : { amount } });
}
