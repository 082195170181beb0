import { api } from './client';
import type { CreatedTokenView, Role, SessionView, TokenView, UserView } from './types';

export function register(body: { email: string; password: string; displayName: string; roles: Role[] }) {
  return api<SessionView>('POST', '/v1/auth/register', { body, auth: false });
}

export function login(body: { email: string; password: string }) {
  return api<SessionView>('POST', '/v1/auth/login', { body, auth: false });
}

export function me(signal?: AbortSignal) {
  return api<UserView>('GET', '/v1/me', { signal });
}

export function changePassword(body: { currentPassword: string; newPassword: string }) {
  return api<void>('PUT', '/v1/me/password', { body });
}

export function listTokens(signal?: AbortSignal) {
  return api<TokenView[]>('GET', '/v1/me/tokens', { signal });
}

export function createToken(body: { name: string; expiresInDays?: number }) {
  return api<CreatedTokenView>('POST', '/v1/me/tokens', { body });
}

export function revokeToken(id: string) {
  return api<void>('DELETE', `/v1/me/tokens/${id}`);
}
