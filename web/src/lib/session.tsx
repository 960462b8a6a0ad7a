// Who the UI acts as: the API token (kept in localStorage), the principal the server sees for it,
// and whether the server asked for a token (any 401 opens the sign-in form).
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { createApi, type Api } from '../api';
import type { Whoami } from '../types';

const TOKEN_KEY = 'stagecraft.token';

export interface Session {
  api: Api;
  me: Whoami | null;
  needsToken: boolean;
  signIn: (token: string) => Promise<string | null>;
  signOut: () => void;
}

const SessionContext = createContext<Session | null>(null);

function readToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null; // storage disabled: work tokenless
  }
}

export function SessionProvider({ children, baseUrl = '' }: { children: ReactNode; baseUrl?: string }) {
  const [token, setToken] = useState<string | null>(readToken);
  const [me, setMe] = useState<Whoami | null>(null);
  const [needsToken, setNeedsToken] = useState(false);
  const api = useMemo(() => createApi({ baseUrl, token, onUnauthenticated: () => setNeedsToken(true) }), [baseUrl, token]);

  useEffect(() => {
    const ctrl = new AbortController();
    api.whoami(ctrl.signal).then(
      (who) => {
        setMe(who);
        setNeedsToken(false);
      },
      () => setMe(null),
    );
    return () => ctrl.abort();
  }, [api]);

  /** Checks the token against the server before keeping it; answers an error message or null. */
  const signIn = useCallback(
    async (candidate: string) => {
      const trial = createApi({ baseUrl, token: candidate.trim() });
      try {
        await trial.whoami();
      } catch (err) {
        return err instanceof Error ? err.message : String(err);
      }
      try {
        localStorage.setItem(TOKEN_KEY, candidate.trim());
      } catch {
        // not persisted; still used for this tab
      }
      setToken(candidate.trim());
      return null;
    },
    [baseUrl],
  );

  const signOut = useCallback(() => {
    try {
      localStorage.removeItem(TOKEN_KEY);
    } catch {
      // nothing stored
    }
    setToken(null);
    setMe(null);
  }, []);

  const value = useMemo(() => ({ api, me, needsToken, signIn, signOut }), [api, me, needsToken, signIn, signOut]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}
