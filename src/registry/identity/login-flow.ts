// The authorization code flow with PKCE, run by the server for the UI (backend-for-frontend): the
// browser only ever holds an opaque session cookie; the code, the client secret and the tokens stay
// here. Two steps: the redirect to the issuer, and the exchange of the code it sends back.
import { createHash, randomBytes } from 'node:crypto';
import { AppError } from '../../errors.js';
import type { OidcIssuer } from './oidc-config.js';

export const randomId = (): string => randomBytes(32).toString('base64url');

export interface LoginSecrets {
  state: string;
  nonce: string;
  codeVerifier: string;
}

export function newLoginSecrets(): LoginSecrets {
  return { state: randomId(), nonce: randomId(), codeVerifier: randomId() };
}

/** Where the browser goes to sign in: S256 challenge, state against forged callbacks, nonce against replayed ID tokens. */
export function authorizationUrl(issuer: OidcIssuer, secrets: LoginSecrets, redirectUri: string): string {
  const url = new URL(issuer.endpoints.authorization_endpoint);
  const challenge = createHash('sha256').update(secrets.codeVerifier).digest('base64url');
  const groupsScope = issuer.config.groupsClaim === 'groups' ? ' groups' : '';
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: issuer.config.clientId,
    redirect_uri: redirectUri,
    scope: `openid email profile${groupsScope}`,
    state: secrets.state,
    nonce: secrets.nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}

/** Exchanges the code for tokens (client_secret_basic) and answers the ID token, still to be verified. */
export async function exchangeCode(issuer: OidcIssuer, code: string, codeVerifier: string, redirectUri: string): Promise<string> {
  const { clientId, clientSecret } = issuer.config;
  if (!clientSecret) throw new AppError('unavailable', 'sign-in needs --oidc-client-secret (or STAGECRAFT_OIDC_CLIENT_SECRET)');
  const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(clientSecret)}`).toString('base64');
  const res = await fetch(issuer.endpoints.token_endpoint, {
    method: 'POST',
    headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: codeVerifier }).toString(),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json().catch(() => ({}))) as { id_token?: unknown; error?: unknown; error_description?: unknown };
  if (!res.ok || typeof body.id_token !== 'string') {
    const why = typeof body.error === 'string' ? `${body.error}${typeof body.error_description === 'string' ? `: ${body.error_description}` : ''}` : `HTTP ${res.status}`;
    throw new AppError('unauthenticated', `sign-in failed: the issuer refused the code (${why})`);
  }
  return body.id_token;
}
