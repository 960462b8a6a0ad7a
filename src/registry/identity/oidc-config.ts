// Discovery: the issuer's own description of itself (/.well-known/openid-configuration), read once
// at startup. A wrong or unreachable issuer stops the server with a message naming the setting,
// rather than every sign-in failing later.
import type { JWTVerifyGetKey } from 'jose';
import { ConfigError, type OidcConfig } from '../../config.js';

export interface OidcEndpoints {
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  /** RP-initiated logout, when the issuer offers it. */
  end_session_endpoint?: string;
}

export interface OidcIssuer {
  config: OidcConfig;
  endpoints: OidcEndpoints;
  /** The issuer's signing keys: fetched on first use and again whenever a token names an unknown key (rotation). */
  keys: JWTVerifyGetKey;
}

const DISCOVERY_TIMEOUT_MS = 10_000;
/**
 * After a fetch of the issuer's keys, an unknown `kid` fetches them again only this much later:
 * a rotation is picked up within seconds, and a flood of tokens naming made-up keys costs the
 * issuer at most one request per interval.
 */
export const JWKS_COOLDOWN_MS = 5_000;

export async function discoverIssuer(config: OidcConfig): Promise<OidcIssuer> {
  const url = `${config.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let doc: Record<string, unknown>;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(DISCOVERY_TIMEOUT_MS), headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    doc = (await res.json()) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`--oidc-issuer ${config.issuer}: cannot read ${url} (${(err as Error).message}); is the issuer URL right and reachable from this server?`);
  }
  // The spec requires the document's issuer to be exactly the configured one: tokens carry it as `iss`.
  if (doc.issuer !== config.issuer) {
    throw new ConfigError(`--oidc-issuer ${config.issuer}: the issuer calls itself "${String(doc.issuer)}"; set --oidc-issuer to exactly that`);
  }
  const need = ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const;
  for (const key of need) {
    if (typeof doc[key] !== 'string') throw new ConfigError(`--oidc-issuer ${config.issuer}: its discovery document has no ${key}`);
  }
  const endpoints: OidcEndpoints = {
    authorization_endpoint: doc.authorization_endpoint as string,
    token_endpoint: doc.token_endpoint as string,
    jwks_uri: doc.jwks_uri as string,
    end_session_endpoint: typeof doc.end_session_endpoint === 'string' ? doc.end_session_endpoint : undefined,
  };
  // Loaded here, once, when OIDC is configured: a server without it never loads jose (issue 18.6).
  const { createRemoteJWKSet } = await import('jose');
  const keys = createRemoteJWKSet(new URL(endpoints.jwks_uri), { cooldownDuration: JWKS_COOLDOWN_MS, timeoutDuration: DISCOVERY_TIMEOUT_MS });
  return { config, endpoints, keys };
}
