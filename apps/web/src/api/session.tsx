import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, SESSION_EXPIRED_EVENT } from './client';
import { clearStoredSession, loadStoredSession, saveStoredSession, type StoredSession } from './session-store';
import type { Role, SessionView, UserView } from './types';

interface SessionContextValue {
  user: UserView | null;
  /** Set when the server refused the stored token: the layout shows "log in again". */
  expired: boolean;
  signIn: (session: SessionView) => void;
  signOut: () => Promise<void>;
  hasRole: (role: Role) => boolean;
}

const SessionContext = createContext<SessionContextValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<StoredSession | null>(() => loadStoredSession());
  const [expired, setExpired] = useState(false);

  useEffect(() => {
    const onExpired = () => {
      setSession(null);
      setExpired(true);
    };
    // Another tab logged in or out.
    const onStorage = (e: StorageEvent) => {
      if (e.key === 'keyseed.session') setSession(loadStoredSession());
    };
    window.addEventListener(SESSION_EXPIRED_EVENT, onExpired);
    window.addEventListener('storage', onStorage);
    return () => {
      window.removeEventListener(SESSION_EXPIRED_EVENT, onExpired);
      window.removeEventListener('storage', onStorage);
    };
  }, []);

  const signIn = useCallback((s: SessionView) => {
    const stored = { token: s.token, expiresAt: s.expiresAt, user: s.user };
    saveStoredSession(stored);
    setSession(stored);
    setExpired(false);
  }, []);

  const signOut = useCallback(async () => {
    // The token dies on the server too; a failure there (already expired, offline) still logs out here.
    await api('POST', '/v1/auth/logout').catch(() => undefined);
    clearStoredSession();
    setSession(null);
    setExpired(false);
  }, []);

  const value = useMemo<SessionContextValue>(
    () => ({
      user: session?.user ?? null,
      expired,
      signIn,
      signOut,
      hasRole: (role) => Boolean(session?.user.roles.includes(role)),
    }),
    [session, expired, signIn, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}
