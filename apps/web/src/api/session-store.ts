import type { UserView } from './types';

/** The login session lives in localStorage so every tab (and the unlock module) shares it. */
const KEY = 'keyseed.session';

export interface StoredSession {
  token: string;
  expiresAt: string;
  user: UserView;
}

export function loadStoredSession(): StoredSession | null {
  try {
    const raw = localStorage.getItem(KEY);
    if (!raw) return null;
    const s = JSON.parse(raw) as StoredSession;
    if (new Date(s.expiresAt).getTime() <= Date.now()) {
      localStorage.removeItem(KEY);
      return null;
    }
    return s;
  } catch {
    return null;
  }
}

export function storedToken(): string | null {
  return loadStoredSession()?.token ?? null;
}

export function saveStoredSession(s: StoredSession): void {
  localStorage.setItem(KEY, JSON.stringify(s));
}

export function clearStoredSession(): void {
  localStorage.removeItem(KEY);
}
