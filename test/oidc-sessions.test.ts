// The UI's single sign-on, driven over real HTTP without a browser (test/e2e/oidc-login has the
// Chromium run): /auth/login → the provider's login form → /auth/callback → a session cookie that
// authenticates as the person; changes need a same-origin request; logout ends the session here and
// sends the browser to the issuer's logout; sessions end after their absolute and idle times.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config, OidcConfig } from '../src/config.js';
import type { Deps } from '../src/deps.js';
import type { App } from '../src/http/app-types.js';
import { JWKS_COOLDOWN_MS } from '../src/registry/identity/oidc-config.js';
import { buildServer } from '../src/server.js';
import { DATABASES, makeDeps, uniqueName, type DbKind } from './databases.js';
import { oidcConfigFor, signInThroughServer, startTestProvider, type TestProvider } from './helpers/oidc-provider.js';

let idp: TestProvider;
beforeAll(async () => {
  idp = await startTestProvider();
});
afterAll(async () => idp?.close());

const oidc = (o: Partial<OidcConfig> = {}): OidcConfig => oidcConfigFor(idp, o);

interface Listening {
  url: string;
  app: App;
  deps: Deps;
}

/** A listening server (the provider redirects a browser to it), registered at the provider. */
function useListening(kind: DbKind, config: () => Partial<Config>): Listening {
  const holder = {} as Listening;
  beforeAll(async () => {
    holder.deps = await makeDeps(kind, config());
    holder.app = (await buildServer(holder.deps)).app;
    await holder.app.listen({ host: '127.0.0.1', port: 0 });
    holder.url = `http://127.0.0.1:${(holder.app.server.address() as AddressInfo).port}`;
    idp.allowRedirect(holder.url);
  });
  afterAll(async () => {
    await holder.app?.close();
    await holder.deps?.close();
  });
  return holder;
}

const get = (s: Listening, path: string, cookie: string) => fetch(`${s.url}${path}`, { headers: { cookie }, redirect: 'manual' });
const post = (s: Listening, path: string, cookie: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${s.url}${path}`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body: JSON.stringify(body), redirect: 'manual' });
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

describe.each(DATABASES)('OIDC sign-in for the UI on %s', (kind) => {
  const s = useListening(kind, () => ({ oidc: oidc() }));

  it('signs in through the issuer: an HttpOnly SameSite=Lax session cookie that authenticates as the person', async () => {
    const { cookie, setCookie } = await signInThroughServer(s.url, 'alice');
    const session = setCookie.find((c) => c.startsWith('stagecraft_session='))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(session).not.toMatch(/Secure/); // plain http here; https sets Secure
    const config = await (await get(s, '/auth/config', cookie)).json();
    expect(config).toEqual({
      oidc: { issuer: idp.issuer, login_url: '/auth/login' },
      user: { name: 'alice@example.com', subject: 'alice', email: 'alice@example.com', display_name: 'Alice Adams', groups: ['fraud-team', 'ml'] },
    });
    const hashes = await s.deps.db.selectFrom('oidc_sessions').select('id_hash').execute();
    expect(hashes.some((h) => cookie.includes(h.id_hash))).toBe(false); // only a hash of the id is stored
  });

  it('records the person as the actor of a change made through the UI, and refuses a cross-site one', async () => {
    const { cookie } = await signInThroughServer(s.url, 'alice');
    const name = uniqueName('sso-change');
    const forged = await post(s, '/api/v1/models', cookie, { name }, { origin: 'https://evil.example' });
    expect(forged.status).toBe(403);
    expect((await post(s, '/api/v1/models', cookie, { name })).status).toBe(403); // no Origin, no custom header
    expect((await post(s, '/api/v1/models', cookie, { name }, { origin: s.url })).status).toBe(201);
    expect((await post(s, '/api/v1/models', cookie, { name: `${name}-b` }, { 'x-stagecraft-csrf': '1' })).status).toBe(201);
    const events = (await (await get(s, `/api/v1/events?model=${name}`, cookie)).json()) as { events: Array<{ actor: string; type: string }> };
    expect(events.events.find((e) => e.type === 'model.created')?.actor).toBe('alice@example.com');
    const people = (await (await get(s, '/api/v1/people', cookie)).json()) as { people: Array<{ name: string; display_name: string }> };
    expect(people.people).toContainEqual(expect.objectContaining({ name: 'alice@example.com', display_name: 'Alice Adams' }));
  });

  it('logs out: the session ends here, the cookie is cleared, and the browser goes to the issuer to end its session too', async () => {
    const { cookie } = await signInThroughServer(s.url, 'bob');
    expect((await get(s, '/api/v1/models', cookie)).status).toBe(200);
    const out = await post(s, '/auth/logout', cookie, {}, { origin: s.url });
    expect(out.status).toBe(303);
    const to = new URL(out.headers.get('location')!);
    expect(`${to.origin}${to.pathname}`).toBe(`${idp.issuer}/session/end`);
    expect(to.searchParams.get('post_logout_redirect_uri')).toBe(`${s.url}/`);
    expect(out.headers.getSetCookie().find((c) => c.startsWith('stagecraft_session='))).toMatch(/Max-Age=0/);
    expect((await get(s, '/api/v1/models', cookie)).status).toBe(401);
    expect((await (await get(s, '/auth/config', cookie)).json()).user).toBeNull();
  });

  it('refuses a callback that this browser did not start or whose state does not match', async () => {
    const noLogin = await get(s, '/auth/callback?code=abc&state=xyz', '');
    expect(noLogin.status).toBe(401);
    const started = await get(s, '/auth/login', '');
    expect(started.status).toBe(302);
    const loginCookie = started.headers.getSetCookie()[0].split(';')[0];
    const wrongState = await get(s, '/auth/callback?code=abc&state=not-the-one', loginCookie);
    expect(wrongState.status).toBe(401);
    expect((await wrongState.json()).error.message).toMatch(/state/);
    // The login can be used once only, even with the right state.
    const auth = new URL(started.headers.get('location')!);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    expect((await get(s, `/auth/callback?code=abc&state=${auth.searchParams.get('state')}`, loginCookie)).status).toBe(401);
  });

  it('sends a sign-in back only to a path on this server', async () => {
    const evil = await get(s, '/auth/login?return_to=//evil.example/x', '');
    const id = evil.headers.getSetCookie()[0].split(';')[0].split('=')[1];
    const row = await s.deps.db.selectFrom('oidc_logins').select(['return_to', 'id_hash']).execute();
    expect(row.length).toBeGreaterThan(0);
    expect(row.every((r) => r.return_to.startsWith('/') && !r.return_to.startsWith('//'))).toBe(true);
    expect(id).toBeTruthy();
  });
});

describe('OIDC session expiry', () => {
  const absolute = useListening('sqlite', () => ({ oidc: oidc({ sessionMaxSeconds: 2 }) }));
  const idle = useListening('sqlite', () => ({ oidc: oidc({ sessionIdleSeconds: 2 }) }));

  it('ends a session at its absolute end however busy it is', async () => {
    const { cookie } = await signInThroughServer(absolute.url, 'alice');
    expect((await get(absolute, '/api/v1/models', cookie)).status).toBe(200);
    await sleep(2300);
    const ended = await get(absolute, '/api/v1/models', cookie);
    expect(ended.status).toBe(401);
    expect((await (await get(absolute, '/auth/config', cookie)).json()).user).toBeNull();
  });

  it('keeps a session in use alive past its idle time, and ends it after that long without a request', async () => {
    const { cookie } = await signInThroughServer(idle.url, 'alice');
    for (let i = 0; i < 8; i++) {
      expect((await get(idle, '/api/v1/models', cookie)).status).toBe(200);
      await sleep(400);
    }
    await sleep(2300);
    expect((await get(idle, '/api/v1/models', cookie)).status).toBe(401);
  });

  it('verifies ID tokens signed with a rotated key', async () => {
    await signInThroughServer(absolute.url, 'carol');
    await idp.rotateKeys({ dropOld: true });
    await sleep(JWKS_COOLDOWN_MS + 200);
    const { cookie } = await signInThroughServer(absolute.url, 'bob');
    expect((await (await get(absolute, '/auth/config', cookie)).json()).user.name).toBe('bob.b');
  }, 20_000);
});

describe('OIDC discovery at startup', () => {
  it('stops the server with a clear error when the issuer is unreachable or names itself differently', async () => {
    for (const [issuer, why] of [
      ['http://127.0.0.1:1', /cannot read http:\/\/127\.0\.0\.1:1\/\.well-known\/openid-configuration/],
      [`${idp.issuer}/`, /calls itself/],
    ] as const) {
      const deps = await makeDeps('sqlite', { oidc: oidc({ issuer }) });
      const { app } = await buildServer(deps);
      await expect(app.ready()).rejects.toThrow(why);
      await app.close().catch(() => {});
      await deps.close();
    }
  });
});
