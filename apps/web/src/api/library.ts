import { api } from './client';
import type { CheckoutReturnView, DeviceView, LicenseView, OrderView } from './types';

export function listLicenses(signal?: AbortSignal) {
  return api<LicenseView[]>('GET', '/v1/licenses', { signal });
}

export function listDevices(licenseId: string, signal?: AbortSignal) {
  return api<DeviceView[]>('GET', `/v1/licenses/${licenseId}/devices`, { signal });
}

export function removeDevice(licenseId: string, deviceId: string) {
  return api<void>('DELETE', `/v1/licenses/${licenseId}/devices/${deviceId}`);
}

export function checkoutReturn(orderId: string, signal?: AbortSignal) {
  return api<CheckoutReturnView>('GET', `/v1/checkout/orders/${encodeURIComponent(orderId)}`, {
    signal,
    auth: false,
  });
}

export function getOrder(orderId: string, signal?: AbortSignal) {
  return api<OrderView>('GET', `/v1/orders/${orderId}`, { signal });
}
