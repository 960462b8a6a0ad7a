// Shown when the server answers 401. With single sign-on: a button that starts the server's sign-in
// with the issuer (the session then lives in an HttpOnly cookie; no token is kept here). Without:
// paste an API token (kept in this browser's localStorage).
import { useState } from 'react';
import { useSession } from '../lib/session';
import { ErrorNote } from './ErrorNote';

/** The issuer as people know it: its host (accounts.example.com), not the whole URL. */
export const issuerLabel = (issuer: string) => {
  try {
    return new URL(issuer).host;
  } catch {
    return issuer;
  }
};

/** Starts sign-in with the issuer, coming back to the page shown now. */
export function SsoSignInLink({ loginUrl, issuer, className }: { loginUrl: string; issuer: string; className?: string }) {
  const here = typeof window !== 'undefined' ? `${window.location.pathname}${window.location.search}` : '/';
  return (
    <a className={className} href={`${loginUrl}?${new URLSearchParams({ return_to: here }).toString()}`}>
      Sign in with {issuerLabel(issuer)}
    </a>
  );
}

export function SignIn() {
  const { signIn, sso } = useSession();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (sso === undefined) return null; // not yet known which way to offer
  if (sso) {
    return (
      <section aria-labelledby="signin-h" className="card signin">
        <h1 id="signin-h">Sign in</h1>
        <p>This server signs people in with their organisation&apos;s account.</p>
        <div className="actions">
          <SsoSignInLink className="button primary" loginUrl={sso.login_url} issuer={sso.issuer} />
        </div>
      </section>
    );
  }
  return (
    <section aria-labelledby="signin-h" className="card signin">
      <h1 id="signin-h">Sign in</h1>
      <p>This server requires an API token. Ask an admin for one (<code>stagecraft tokens create NAME --role viewer</code>).</p>
      <form
        className="stack"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(await signIn(token));
          setBusy(false);
        }}
      >
        <label htmlFor="token-input">API token</label>
        <input id="token-input" type="password" autoComplete="off" value={token} onChange={(e) => setToken(e.target.value)} required autoFocus />
        <ErrorNote error={error} />
        <div className="actions">
          <button type="submit" className="primary" disabled={busy || !token.trim()}>
            Sign in
          </button>
        </div>
      </form>
    </section>
  );
}
