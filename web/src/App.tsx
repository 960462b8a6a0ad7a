// The shell: session (token, role), the live change feed, landmarks and routes.
import { Link, Route, Routes } from 'react-router';
import { SignIn, SsoSignInLink } from './components/SignIn';
import { LiveProvider, useLiveState } from './lib/live';
import { SessionProvider, useSession } from './lib/session';
import { GrantsPage } from './pages/GrantsPage';
import { LoggedModelPage } from './pages/LoggedModelPage';
import { ModelPage } from './pages/ModelPage';
import { ModelsPage } from './pages/ModelsPage';
import { VersionPage } from './pages/VersionPage';

function LiveIndicator() {
  const state = useLiveState();
  const text = state === 'live' ? 'Live' : state === 'connecting' ? 'Connecting…' : 'Reconnecting…';
  return (
    <span className={`live live-${state}`} role="status" aria-label={`Change feed: ${text}`}>
      <span aria-hidden="true" className="dot" />
      {text}
    </span>
  );
}

function Who() {
  const { me, signOut, api, sso, user } = useSession();
  if (sso && user) {
    return (
      <span className="who">
        <span title={user.email ?? user.name}>{user.display_name ?? user.name}</span>
        <button type="button" className="link" onClick={signOut}>
          Sign out
        </button>
      </span>
    );
  }
  if (!me) return null;
  return (
    <span className="who">
      {me.open ? 'open mode' : me.name} · <span className="role">{me.role}</span>
      {api.token && (
        <button type="button" className="link" onClick={signOut}>
          Sign out
        </button>
      )}
      {sso && <SsoSignInLink className="link" loginUrl={sso.login_url} issuer={sso.issuer} />}
    </span>
  );
}

function Shell() {
  const { api, needsToken, me } = useSession();
  return (
    <LiveProvider api={api}>
      <a href="#main" className="skip">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          Stagecraft
        </Link>
        <nav aria-label="Main">
          <Link to="/">Models</Link>
          {me && (me.open || me.role === 'admin') && <Link to="/grants">Grants</Link>}
        </nav>
        <div className="spacer" />
        {me && <LiveIndicator />}
        <Who />
      </header>
      <main id="main" tabIndex={-1}>
        {needsToken && !me ? (
          <SignIn />
        ) : (
          <Routes>
            <Route path="/" element={<ModelsPage />} />
            <Route path="/models/:name" element={<ModelPage />} />
            <Route path="/models/:name/versions/:version" element={<VersionPage />} />
            <Route path="/logged-models/:id" element={<LoggedModelPage />} />
            <Route path="/grants" element={<GrantsPage />} />
            <Route path="*" element={<p>Nothing here. <Link to="/">Back to models</Link></p>} />
          </Routes>
        )}
      </main>
    </LiveProvider>
  );
}

export function App({ baseUrl = '' }: { baseUrl?: string }) {
  return (
    <SessionProvider baseUrl={baseUrl}>
      <Shell />
    </SessionProvider>
  );
}
