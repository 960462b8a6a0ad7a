// People signed in through the OpenID Provider, as the kernel's auth hook asks about them: from a
// bearer JWT (the API) or a session cookie (the UI). Both answers are cached so the hot path costs
// a map lookup: a verified JWT until its own `exp` (it cannot be revoked anyway), a session for a
// few seconds (a sign-out on this server forgets it at once; on another server it takes at most
// that long).
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyRequest } from 'fastify';
import { sha256Hex } from '../../blobs/verify.js';
import type { OidcConfig } from '../../config.js';
import type { Deps } from '../deps.js';
import { readCookie, SESSION_COOKIE } from './cookies.js';
import { crossSiteRefusal, SAFE_METHODS } from './csrf.js';
import { looksLikeJwt, verifyJwt } from './jwt-verify.js';
import { discoverIssuer, type OidcIssuer } from './oidc-config.js';
import { personFromClaims, type Person } from './person.js';
import { liveSession, rememberPerson } from './sessions-service.js';
import { AppError } from '../../errors.js';

const SESSION_CACHE_MS = 5000;
const CACHE_MAX = 1000;
/** How often the people record is refreshed for a person calling with tokens. */
const PERSON_REFRESH_MS = 60_000;

type Headers = Record<string, string | string[] | undefined> | IncomingHttpHeaders;

interface Cached {
  person: Person | null;
  until: number;
}

/** A bearer credential as the auth hook read it. */
export interface BearerCredential {
  /** The secret as sent; the in-memory caches key by it (tokens/auth.ts says why), nothing stores it. */
  token: string;
}

export interface Identity {
  readonly config: OidcConfig;
  /**
   * The person an OIDC credential in these headers names (a bearer JWT, or, without Authorization,
   * the session cookie), from the caches only: 'none' when they carry no OIDC credential (a
   * Stagecraft token, or nothing); undefined when resolve() must be asked; null for a session that ended.
   */
  peek(headers: Headers, bearer: BearerCredential | undefined): Person | null | undefined | 'none';
  /** As peek, asking the issuer's keys or the database; throws a 401 AppError for a JWT that does not verify. */
  resolve(headers: Headers, bearer: BearerCredential | undefined): Promise<Person | null | 'none'>;
  /** A state-changing request authenticated by the session cookie from another site: the 403 to answer (csrf.ts). */
  crossSite(request: FastifyRequest): AppError | undefined;
  /** Reads the issuer's discovery document; the server does not start when it fails. */
  start(): Promise<void>;
  /** The discovered issuer (after start). */
  issuer(): OidcIssuer;
  /** The person a bearer JWT names when cached; undefined: call bearer(). */
  peekBearer(token: string): Person | undefined;
  /** Verifies a bearer JWT (throws a 401 AppError when it does not verify). */
  bearer(token: string): Promise<Person>;
  /** The hash of the session cookie these headers carry, if any. */
  sessionHash(headers: Headers): string | undefined;
  /** The session's person when cached (null: ended); undefined: call session(). */
  peekSession(hash: string): Person | null | undefined;
  session(hash: string): Promise<Person | null>;
  /** Forgets a session at once (sign-out). */
  forgetSession(hash: string): void;
}

export function createIdentity(deps: Deps, config: OidcConfig): Identity {
  let discovered: OidcIssuer | null = null;
  const jwts = new Map<string, Cached>();
  const sessions = new Map<string, Cached>();
  const seen = new Map<string, number>();
  const issuer = () => {
    if (!discovered) throw new AppError('unavailable', 'single sign-on is still starting: the issuer has not been read yet');
    return discovered;
  };
  const peek = (cache: Map<string, Cached>, key: string) => {
    const hit = cache.get(key);
    if (!hit) return undefined;
    if (Date.now() < hit.until) return hit.person;
    cache.delete(key);
    return undefined;
  };
  const remember = (cache: Map<string, Cached>, key: string, value: Cached) => {
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(key, value);
  };
  const notePerson = async (person: Person) => {
    const now = deps.clock.now();
    if (now - (seen.get(person.subject) ?? 0) < PERSON_REFRESH_MS) return;
    if (seen.size >= CACHE_MAX) seen.clear();
    seen.set(person.subject, now);
    await rememberPerson(deps.db, person, now);
  };
  const identity: Identity = {
    config,
    peek(headers, cred) {
      if (cred) return looksLikeJwt(cred.token) ? identity.peekBearer(cred.token) : 'none';
      const hash = identity.sessionHash(headers);
      return hash ? identity.peekSession(hash) : 'none';
    },
    async resolve(headers, cred) {
      if (cred) return looksLikeJwt(cred.token) ? (identity.peekBearer(cred.token) ?? identity.bearer(cred.token)) : 'none';
      const hash = identity.sessionHash(headers);
      if (!hash) return 'none';
      const peeked = identity.peekSession(hash);
      return peeked !== undefined ? peeked : identity.session(hash);
    },
    crossSite(request) {
      if (SAFE_METHODS.has(request.method) || request.headers.authorization || !readCookie(request.headers, SESSION_COOKIE)) return undefined;
      return crossSiteRefusal(request, config.publicUrl);
    },
    async start() {
      discovered = await discoverIssuer(config);
    },
    issuer,
    peekBearer: (token) => peek(jwts, token) ?? undefined,
    async bearer(token) {
      const claims = await verifyJwt(issuer(), token, config.audience);
      const person = personFromClaims(claims, config.groupsClaim);
      if (!person) throw new AppError('unauthenticated', 'OIDC token refused: it names nobody (no sub)');
      // Never trusted past its own expiry (exp is required by verifyJwt).
      remember(jwts, token, { person, until: (claims.exp as number) * 1000 });
      await notePerson(person);
      return person;
    },
    sessionHash(headers) {
      const id = readCookie(headers, SESSION_COOKIE);
      return id ? sha256Hex(id) : undefined;
    },
    peekSession: (hash) => peek(sessions, hash),
    async session(hash) {
      const live = await liveSession(deps, issuer(), hash);
      const until = Math.min(Date.now() + SESSION_CACHE_MS, live?.endsAt ?? Infinity, Date.now() + (config.sessionIdleSeconds * 1000) / 4);
      remember(sessions, hash, { person: live?.person ?? null, until });
      return live?.person ?? null;
    },
    forgetSession: (hash) => void sessions.delete(hash),
  };
  return identity;
}
