import { api } from './client';
import type { AdminPriceView, BundleView, PriceChangeView, RefundView } from './types';

export function priceHistory(bundleId: string, signal?: AbortSignal) {
  return api<PriceChangeView[]>('GET', `/v1/admin/bundles/${bundleId}/prices`, { signal });
}

export function setPrice(bundleId: string, body: { amount: number; currency: string; minimum?: number }) {
  return api<AdminPriceView>('PUT', `/v1/admin/bundles/${bundleId}/price`, { body });
}

export function removePrice(bundleId: string) {
  return api<AdminPriceView>('DELETE', `/v1/admin/bundles/${bundleId}/price`);
}

export function takeDown(bundleId: string, reason: string) {
  return api<BundleView>('POST', `/v1/admin/bundles/${bundleId}/takedown`, { body: { reason } });
}

export function restore(bundleId: string) {
  return api<BundleView>('POST', `/v1/admin/bundles/${bundleId}/restore`);
}

export function refundOrder(orderId: string, body: { reason?: string; note?: string }) {
  return api<RefundView>('POST', `/v1/admin/orders/${encodeURIComponent(orderId)}/refund`, { body });
}
