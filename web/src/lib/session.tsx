// Who the UI acts as, and whether the server asked for credentials (any 401 opens the sign-in page).
// Two modes. Single sign-on, when the server offers it (/auth/config): the server ran the sign-in and
// holds the session; this page only carries an HttpOnly cookie it cannot read, and keeps no token.
// Otherwise: a pasted API token, kept in this browser's localStorage.
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { createApi, type Api } from '../api';
import type { AuthConfig, Person, Whoami } from '../types';

const TOKEN_KEY = 'stagecraft.token';

export interface Session {
  api: Api;
  me: Whoami | null;
  needsToken: boolean;
  signIn: (token: string) => Promise<string | null>;
  signOut: () => void;
  /** Single sign-on, when the server offers it; undefined until the server said. */
  sso: AuthConfig['oidc'] | undefined;
  /** The person signed in with single sign-on. */
  user: Person | null;
  /** An event actor as people know them: a signed-in person's display name, else the actor itself. */
  displayName: (actor: string) => string;
}

const SessionContext = createContext<Session | null>(null);

function readToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null; // storage disabled: work tokenless
  }
}

function forgetToken(): void {
  try {
    localStorage.removeItem(TOKEN_KEY);
  } catch {
    // nothing stored
  }
}

export function SessionProvider({ children, baseUrl = '' }: { children: ReactNode; baseUrl?: string }) {
  const [token, setToken] = useState<string | null>(readToken);
  const [me, setMe] = useState<Whoami | null>(null);
  const [needsToken, setNeedsToken] = useState(false);
  const [sso, setSso] = useState<AuthConfig['oidc'] | undefined>(undefined);
  const [user, setUser] = useState<Person | null>(null);
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map());
  const api = useMemo(
    () =>
      createApi({
        baseUrl,
        token,
        onUnauthenticated: () => {
          setNeedsToken(true);
          setUser(null); // a session that ended: offer sign-in again
        },
      }),
    [baseUrl, token],
  );

  useEffect(() => {
    const ctrl = new AbortController();
    createApi({ baseUrl })
      .authConfig(ctrl.signal)
      .then(
        (config) => {
          setSso(config.oidc);
          setUser(config.user);
          if (config.oidc) {
            // Single sign-on: the cookie is the credential; no token lives in this browser.
            forgetToken();
            setToken(null);
          }
        },
        () => setSso(null),
      );
    return () => ctrl.abort();
  }, [baseUrl]);

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
  }, [api, user]);

  useEffect(() => {
    if (!sso || !me) return;
    const ctrl = new AbortController();
    api.people(ctrl.signal).then(
      (list) => setNames(new Map(list.people.filter((p) => p.display_name).map((p) => [p.name, p.display_name!]))),
      () => {}, // names are a nicety: actors still show as recorded
    );
    return () => ctrl.abort();
  }, [api, sso, me]);

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
    if (sso) {
      // The server ends the session and clears the cookie; the issuer then ends its own session.
      api.logout().then(
        (to) => window.location.assign(to),
        () => window.location.assign('/'),
      );
      return;
    }
    forgetToken();
    setToken(null);
    setMe(null);
  }, [api, sso]);

  const displayName = useCallback((actor: string) => names.get(actor) ?? actor, [names]);
  const value = useMemo(
    () => ({ api, me, needsToken, signIn, signOut, sso, user, displayName }),
    [api, me, needsToken, signIn, signOut, sso, user, displayName],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

/** An actor's display name where a session is known (outside one, e.g. a lone component test: the actor). */
export function useDisplayName(): (actor: string) => string {
  return useContext(SessionContext)?.displayName ?? ((actor) => actor);
}
