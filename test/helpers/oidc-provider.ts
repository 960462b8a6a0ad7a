// A real OpenID Provider for the tests: the certified `oidc-provider` on 127.0.0.1 (a random port),
// with one confidential client (authorization code + PKCE, client secret), a few people with email,
// name and groups claims, JWT access tokens for an API audience (its resourceIndicators feature),
// its development login form (any password), and signing keys the test can rotate. The tests sign
// the tokens it would never issue (expired, wrong audience…) themselves, with its own key or another.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { OidcConfig } from '../../src/config.js';

export interface TestPerson {
  sub: string;
  email?: string;
  name?: string;
  preferred_username?: string;
  groups?: string[];
}

export const PEOPLE: Record<string, TestPerson> = {
  alice: { sub: 'alice', email: 'alice@example.com', name: 'Alice Adams', groups: ['fraud-team', 'ml'] },
  bob: { sub: 'bob', preferred_username: 'bob.b', name: 'Bob Brown', groups: ['ranking-team'] },
  carol: { sub: 'carol' },
};

export const CLIENT = { id: 'stagecraft', secret: 'test-secret-0123456789' };
export const API_AUDIENCE = 'https://stagecraft.test/api';

/** The server's OIDC settings for a test provider (its client, the API audience), with overrides. */
export function oidcConfigFor(idp: Pick<TestProvider, 'issuer'>, o: Partial<OidcConfig> = {}): OidcConfig {
  return {
    issuer: idp.issuer,
    clientId: CLIENT.id,
    clientSecret: CLIENT.secret,
    audience: API_AUDIENCE,
    groupsClaim: 'groups',
    publicUrl: null,
    sessionMaxSeconds: 3600,
    sessionIdleSeconds: 600,
    ...o,
  };
}

export interface TestProvider {
  issuer: string;
  /** The private signing key in use (first in the provider's key set). */
  signingKey(): { jwk: JWK; kid: string };
  /** Replaces the signing key (the old one stays published, as issuers do during a rotation). */
  rotateKeys(opts?: { dropOld?: boolean }): Promise<void>;
  /** Registers where the client may be sent back (a Stagecraft server's /auth/callback and /). */
  allowRedirect(baseUrl: string): void;
  /** A JWT access token for the API audience, through the real code flow (login form, consent, token endpoint). */
  accessToken(person: string): Promise<string>;
  /** Signs claims with the provider's current key (or `key`), for tokens the provider would not issue. */
  sign(claims: JWTPayload, opts?: { key?: CryptoKey | JWK; kid?: string; alg?: string }): Promise<string>;
  close(): Promise<void>;
}

async function newKey(kid: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
}

export async function startTestProvider(): Promise<TestProvider> {
  const redirects = new Set<string>();
  const logoutRedirects = new Set<string>();
  let keys: JWK[] = [await newKey('key-1')];
  let provider: Provider;
  const server = http.createServer((req, res) => provider.callback()(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = {
    client_id: CLIENT.id,
    client_secret: CLIENT.secret,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  };

  const build = () => {
    const config: Configuration = {
      // Tests register their servers' callbacks after the provider starts: each one rebuilds it.
      clients: [{ ...client, redirect_uris: [...redirects], post_logout_redirect_uris: [...logoutRedirects] }],
      jwks: { keys: keys as never },
      pkce: { required: () => true },
      scopes: ['openid', 'email', 'profile', 'groups'],
      claims: { openid: ['sub'], email: ['email'], profile: ['name', 'preferred_username'], groups: ['groups'] },
      // ID tokens carry the claims themselves (not only through userinfo), as most issuers configure.
      conformIdTokenClaims: false,
      findAccount: (_ctx, sub) => {
        const person = PEOPLE[sub] ?? { sub };
        return { accountId: sub, claims: () => ({ ...person }) };
      },
      features: {
        devInteractions: { enabled: true },
        rpInitiatedLogout: { enabled: true },
        resourceIndicators: {
          enabled: true,
          defaultResource: () => API_AUDIENCE,
          useGrantedResource: () => true,
          getResourceServerInfo: () => ({ scope: 'api', audience: API_AUDIENCE, accessTokenFormat: 'jwt', accessTokenTTL: 600, jwt: { sign: { alg: 'RS256' } } }),
        },
      },
      // The API reads a person's email, name and groups from the access token itself.
      extraTokenClaims: (_ctx, token) => {
        if (token.kind !== 'AccessToken' || !token.accountId) return undefined;
        const { email, name, preferred_username, groups } = PEOPLE[token.accountId] ?? {};
        return { email, name, preferred_username, groups };
      },
      // No consent page: the test client is first-party, as an organisation's own apps are.
      loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
        const oidc = ctx.oidc;
        const grantId = oidc.result?.consent?.grantId ?? oidc.session!.grantIdFor(oidc.client!.clientId);
        if (grantId) {
          const found = await oidc.provider.Grant.find(grantId);
          if (found) return found;
        }
        const grant = new oidc.provider.Grant({ clientId: oidc.client!.clientId, accountId: oidc.session!.accountId! });
        grant.addOIDCScope('openid email profile groups');
        grant.addResourceScope(API_AUDIENCE, 'api');
        await grant.save();
        return grant;
      },
      ttl: { Session: 3600, Interaction: 600, Grant: 3600, AuthorizationCode: 60, IdToken: 600 },
    };
    const p = new Provider(issuer, config);
    p.on('server_error', (_ctx, err) => console.error('test OIDC provider error:', err));
    return p;
  };
  provider = build();

  const signingKey = () => ({ jwk: keys[0], kid: keys[0].kid! });
  return {
    issuer,
    signingKey,
    async rotateKeys(opts = {}) {
      const fresh = await newKey(`key-${Date.now()}`);
      keys = opts.dropOld ? [fresh] : [fresh, ...keys];
      provider = build();
    },
    allowRedirect(baseUrl) {
      redirects.add(`${baseUrl}/auth/callback`);
      logoutRedirects.add(`${baseUrl}/`);
      provider = build();
    },
    accessToken: (person) => codeFlowToken(issuer, person, redirects),
    async sign(claims, opts = {}) {
      const { importJWK } = await import('jose');
      const key = opts.key ?? keys[0];
      const signer = 'kty' in key ? await importJWK(key as JWK, opts.alg ?? 'RS256') : key;
      return new SignJWT(claims)
        .setProtectedHeader({ alg: opts.alg ?? 'RS256', kid: opts.kid ?? (('kid' in key && (key as JWK).kid) || keys[0].kid!), typ: 'at+jwt' })
        .sign(signer);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Signs a person in to a Stagecraft server the way a browser would, without one: /auth/login, the
 * provider's login form, /auth/callback. Answers the Cookie header the server set (the session).
 */
export async function signInThroughServer(baseUrl: string, person: string): Promise<{ cookie: string; setCookie: string[] }> {
  const end = await followLogin(`${baseUrl}/auth/login?return_to=/models`, person, (next) => next.toString() === `${baseUrl}/models`);
  const setCookie = end.from.startsWith(`${baseUrl}/auth/callback`) ? end.response.headers.getSetCookie() : [];
  return { cookie: end.cookie, setCookie };
}

/**
 * Walks a login through its redirects the way a browser would, without one: follows each Location with the
 * cookies set so far, and answers the provider's login form as `person` (any password). Stops at the first
 * redirect `done` accepts, answering it, the URL whose response sent it, that response and the cookies.
 */
async function followLogin(
  start: string,
  person: string,
  done: (next: URL) => boolean,
): Promise<{ location: URL; from: string; response: Response; cookie: string }> {
  const cookies = jar();
  let url = start;
  let form: URLSearchParams | null = null;
  for (let hop = 0; hop < 12; hop++) {
    const res = await fetch(url, {
      redirect: 'manual',
      method: form ? 'POST' : 'GET',
      headers: { cookie: cookies.header(), ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: form?.toString(),
    });
    cookies.take(res);
    form = null;
    if (res.status >= 400) throw new Error(`${url}: ${res.status} ${await res.text()}`);
    const location = res.headers.get('location');
    if (location) {
      const next = new URL(location, url);
      if (done(next)) return { location: next, from: url, response: res, cookie: cookies.header() };
      url = next.toString();
      continue;
    }
    const html = await res.text();
    const action = html.includes('name="login"') ? /action="([^"]+)"/.exec(html)?.[1] : undefined;
    if (!action) throw new Error(`unexpected page (${res.status}) at ${url}: ${html.replace(/<style>[^]*?<\/style>/, '').slice(0, 1500)}`);
    url = new URL(action, url).toString();
    form = new URLSearchParams({ prompt: 'login', login: person, password: 'any' });
  }
  throw new Error(`too many redirects following the login from ${start}`);
}

/** A tiny cookie jar for the provider's own session cookies across redirects. */
function jar() {
  const cookies = new Map<string, string>();
  return {
    take(res: Response) {
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const eq = pair.indexOf('=');
        if (/Max-Age=0/i.test(c) || eq === pair.length - 1) cookies.delete(pair.slice(0, eq));
        else cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
      }
    },
    header: () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
  };
}

/** The code flow without a browser: the login form is posted as a person would, the code exchanged for tokens. */
async function codeFlowToken(issuer: string, person: string, redirects: Set<string>): Promise<string> {
  const { createHash, randomBytes } = await import('node:crypto');
  const redirectUri = [...redirects][0];
  if (!redirectUri) throw new Error('allowRedirect() first: the provider sends codes only to registered redirect URIs');
  const verifier = randomBytes(32).toString('base64url');
  const auth = new URL(`${issuer}/auth`);
  auth.search = new URLSearchParams({
    client_id: CLIENT.id,
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: 'openid email profile groups',
    state: 's',
    nonce: 'n',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  const end = await followLogin(auth.toString(), person, (next) => next.toString().startsWith(redirectUri));
  const code = end.location.searchParams.get('code');
  if (!code) throw new Error(`no code: ${end.location.toString()}`);
  return exchange(issuer, code, verifier, redirectUri);
}

async function exchange(issuer: string, code: string, verifier: string, redirectUri: string): Promise<string> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${CLIENT.id}:${CLIENT.secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }).toString(),
  });
  const body = (await res.json()) as { access_token?: string; error?: string; error_description?: string };
  if (!body.access_token) throw new Error(`token endpoint: ${body.error}: ${body.error_description}`);
  return body.access_token;
}
