import { api } from './client';
import type { AdminOrderView, AdminPriceView, BundleView, OrderStatus, PriceChangeView, RefundView } from './types';

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

export const ORDER_PAGE_SIZE = 20;

export interface OrderFilter {
  buyer: string;
  bundle: string;
  status: OrderStatus | '';
}

export function listOrders(filter: OrderFilter, page: number, signal?: AbortSignal) {
  const q = new URLSearchParams({ page: String(page), perPage: String(ORDER_PAGE_SIZE) });
  if (filter.buyer.trim()) q.set('buyer', filter.buyer.trim());
  if (filter.bundle.trim()) q.set('bundle', filter.bundle.trim());
  if (filter.status) q.set('status', filter.status);
  return api<AdminOrderView[]>('GET', `/v1/admin/orders?${q}`, { signal });
}
