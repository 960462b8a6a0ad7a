// Shown when the server answers 401: paste an API token (kept in this browser's localStorage).
import { useState } from 'react';
import { useSession } from '../lib/session';
import { ErrorNote } from './ErrorNote';

export function SignIn() {
  const { signIn } = useSession();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
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
