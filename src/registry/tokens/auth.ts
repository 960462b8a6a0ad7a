// Authentication and per-route permissions. Every route declares config.permission (a route
// without one refuses to boot: http/fastify-app.ts); this hook decides who may use it.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sha256Hex } from '../../blobs/verify.js';
import { AppError } from '../../errors.js';
import type { Deps } from '../deps.js';
import type { BearerCredential, Identity } from '../identity/identity.js';
import type { Person } from '../identity/person.js';
import { allows, modelRefOf, neededRole, type ModelRef, type Permission, type Principal, type Role } from './tokens.js';
import { anyActiveToken, findActiveTokenByHash } from './tokens-store.js';
import { isRole } from './tokens.js';
import { tokenUsage } from './token-usage.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    permission?: Permission;
    /** The model a per-model route touches (tokens.ts ModelRef); the grants decide there. */
    model?: ModelRef;
  }
  interface FastifyRequest {
    principal: Principal | null;
    /** The principal's role on the model this per-model route touches, once the grants checked it. */
    modelRole: Role | null | undefined;
    /** The caller may not read the route's model: its handler answers as for a missing one (ModelRef hiddenAsMissing). */
    modelHidden: boolean;
  }
  interface FastifyInstance {
    /**
     * The same token check for a door that is not a Fastify route (the gateway's gRPC service):
     * resolves when headers carrying the caller's Authorization may use `permission`, else throws
     * the AppError a route would answer with. With `model`, the caller's role on that model decides
     * (per-model grants); 'hidden' means: answer exactly as for a model this door does not have.
     */
    authorizeHeaders(headers: Headers, permission: Exclude<Permission, 'public'>, model?: string): Promise<'hidden' | undefined>;
    /** A principal's role on routes that touch no single model (see GlobalRoleOf). */
    globalRoleOf: GlobalRoleOf;
  }
}

type Headers = Record<string, string | string[] | undefined>;

/** How long "are there any tokens?" is cached; token creation on this server clears it at once. */
const OPEN_MODE_CACHE_MS = 1000;

/**
 * How long a verified token is trusted without asking the database again. Revocation on this server
 * takes effect at once (the cache is cleared); on another server behind the same load balancer it
 * takes at most this long.
 */
const TOKEN_CACHE_MS = 5000;
const TOKEN_CACHE_MAX = 1000;

export function openModeCache(deps: Deps) {
  let cached: { open: boolean; at: number } | null = null;
  // Keyed by the secret itself, held only in this process's memory (never logged, never stored): a
  // sha256 per request was the largest part of what authentication cost on the inference path
  // (~2 µs of ~4.5 µs), and the database, which keeps only hashes, is asked only on a miss.
  // expiresAt: an expired token is refused at once, cached or not (the entry is never trusted past it).
  const tokens = new Map<string, { principal: Principal | null; at: number; id?: string; expiresAt?: number | null }>();
  const usage = tokenUsage(deps);
  return {
    usage,
    /** The cached answer while it is fresh; undefined when the database must be asked. */
    peek(): boolean | undefined {
      return cached && Date.now() - cached.at < OPEN_MODE_CACHE_MS ? cached.open : undefined;
    },
    peekToken(secret: string): Principal | null | undefined {
      const hit = tokens.get(secret);
      if (!hit || Date.now() - hit.at >= TOKEN_CACHE_MS) return undefined;
      if (hit.expiresAt != null && deps.clock.now() >= hit.expiresAt) return undefined; // the database path says "expired"
      if (hit.id) usage.seen(hit.id);
      return hit.principal;
    },
    rememberToken(secret: string, principal: Principal | null, row?: { id: string; expires_at: number | null }): void {
      if (tokens.size >= TOKEN_CACHE_MAX) tokens.clear();
      tokens.set(secret, { principal, at: Date.now(), id: row?.id, expiresAt: row?.expires_at });
    },
    async isOpen(): Promise<boolean> {
      const now = Date.now();
      if (cached && now - cached.at < OPEN_MODE_CACHE_MS) return cached.open;
      const open = !(await anyActiveToken(deps.db));
      cached = { open, at: now };
      return open;
    },
    invalidate() {
      cached = null;
      tokens.clear();
    },
  };
}

export type OpenModeCache = ReturnType<typeof openModeCache>;

const ACTOR_RE = /^[\w.@+-]{1,128}$/;

/**
 * A principal's role on routes that touch no single model: its own role unless grants say more
 * (registry/grants/ supplies it; given, not imported, so tokens/ does not depend on grants/).
 */
export type GlobalRoleOf = (principal: Principal) => Role | null;

/** A principal's verdict on one model (per-model grants, supplied as GlobalRoleOf is): undefined allowed, 'hidden', or the 403. */
export type ModelVerdictOf = (principal: Principal, model: string, permission: Exclude<Permission, 'public'>) => 'hidden' | AppError | undefined;

/** `identity`: people signed in with OIDC (bearer JWTs and the UI's session cookie); null when SSO is off. */
export function registerAuth(
  app: FastifyInstance,
  deps: Deps,
  openMode: OpenModeCache,
  identity: Identity | null = null,
  roleOf: GlobalRoleOf = (p) => p.role,
  onModel: ModelVerdictOf = () => undefined,
): void {
  app.decorate('globalRoleOf', roleOf);
  app.decorateRequest('modelRole', undefined);
  app.decorateRequest('modelHidden', false);
  app.decorateRequest('principal', null);
  app.addHook('onClose', async () => {
    await openMode.usage.flush();
    openMode.usage.close();
  });
  app.decorate('authorizeHeaders', async (headers: Headers, permission: Exclude<Permission, 'public'>, model?: string) => {
    const cached = authenticateFromCache(headers, openMode, identity);
    const principal = cached !== undefined ? cached : await authenticate(headers, deps, openMode, identity);
    const refused = refusal(permission, principal, model !== undefined, roleOf);
    if (refused) throw refused;
    if (model === undefined || !principal || principal.open) return undefined;
    const verdict = onModel(principal, model, permission);
    if (verdict instanceof AppError) throw verdict;
    return verdict;
  });

  // Callback style with a synchronous fast path: on the inference hot path the answer is almost
  // always cached, and an async hook would cost a promise and a microtask turn on every request.
  app.addHook('onRequest', (request, _reply, done) => {
    const permission = request.routeOptions.config?.permission;
    if (!permission) return done(); // 404s: the not-found handler answers
    // A per-model route needs a principal here; its role on THAT model is checked by the grants.
    const perModel = modelRefOf(request.routeOptions.url, request.routeOptions.config.model) !== undefined;
    const settle = (principal: Principal | null) => {
      request.principal = principal;
      done(refusal(permission, principal, perModel, roleOf));
    };
    let cached: Principal | null | undefined;
    try {
      const forged = identity?.crossSite(request);
      if (forged) return done(forged);
      cached = authenticateFromCache(request.headers, openMode, identity);
    } catch (err) {
      return done(err as Error);
    }
    if (cached !== undefined) return settle(cached);
    authenticate(request.headers, deps, openMode, identity).then(settle, (err: Error) => done(err));
  });
}

function refusal(permission: Permission, principal: Principal | null, perModel: boolean, globalRoleOf: GlobalRoleOf): AppError | undefined {
  if (permission === 'public') return undefined;
  if (!principal) {
    return new AppError('unauthenticated', 'this server requires an API token (send "Authorization: Bearer <token>") or signing in');
  }
  if (perModel || principal.open) return undefined;
  const role = globalRoleOf(principal);
  if (!allows(role, permission)) return forbidden(principal, role, permission);
  return undefined;
}

/** The 403 for a principal whose role does not reach what the action needs. */
export function forbidden(principal: Principal, role: Role | null, permission: Exclude<Permission, 'public'>): AppError {
  const who = principal.kind === 'token' ? `token "${principal.name}"` : `"${principal.name}"`;
  return new AppError('forbidden', `${who} has ${role ? `role ${role}` : 'no role'}${role === principal.role ? '' : ' here'}; this action needs ${neededRole(permission)}`);
}

const BEARER_RE = /^Bearer\s+(\S+)$/i;

function bearer(headers: Headers): BearerCredential | undefined {
  const header = headers.authorization;
  if (!header) return undefined;
  const match = typeof header === 'string' ? BEARER_RE.exec(header) : null;
  if (!match) throw new AppError('unauthenticated', 'malformed Authorization header; expected "Bearer <token>"');
  return { token: match[1] };
}

function openPrincipal(headers: Headers): Principal {
  // Open local mode: whoever can reach 127.0.0.1 is trusted; the CLI names its user for the audit log.
  const claimed = headers['stagecraft-actor'];
  const name = typeof claimed === 'string' && ACTOR_RE.test(claimed) ? claimed : 'local';
  return { name, kind: 'open', role: 'admin', open: true, groups: [] };
}

/**
 * A person signed in with OIDC (null: a session that ended, so a 401 where someone is needed). No
 * role of their own: grants decide. While the server runs open (no tokens yet) a person may do what
 * anyone may, and is named in the audit log.
 */
function personPrincipal(person: Person | null, open: boolean): Principal | null {
  if (!person) return null;
  // One principal per cached person (identity.ts keeps the same Person while a JWT or session is
  // cached): the grants memoise answers by the principal object (grants.ts memoOf), so a new object
  // per request would rebuild a person's grant keys on every request.
  const known = principals.get(person);
  if (known && known.open === open) return known;
  const { name, subject, email, displayName, groups } = person;
  const principal: Principal = { name, kind: 'user', role: null, open, subject, email, displayName, groups };
  principals.set(person, principal);
  return principal;
}

const principals = new WeakMap<Person, Principal>();

/** The principal when every fact needed is cached; undefined when the database must be asked. */
function authenticateFromCache(headers: Headers, openMode: OpenModeCache, identity: Identity | null): Principal | null | undefined {
  const cred = bearer(headers);
  if (identity) {
    const person = identity.peek(headers, cred);
    if (person !== 'none') {
      const open = openMode.peek();
      return person === undefined || open === undefined ? undefined : personPrincipal(person, open);
    }
  }
  if (cred) {
    const principal = openMode.peekToken(cred.token);
    if (principal === null) throw new AppError('unauthenticated', 'unknown, revoked or expired API token');
    return principal;
  }
  const open = openMode.peek();
  if (open === undefined) return undefined;
  return open ? openPrincipal(headers) : null;
}

async function authenticate(headers: Headers, deps: Deps, openMode: OpenModeCache, identity: Identity | null): Promise<Principal | null> {
  const cred = bearer(headers);
  if (identity) {
    const person = await identity.resolve(headers, cred);
    if (person !== 'none') return personPrincipal(person, await openMode.isOpen());
  }
  if (cred) {
    const found = await findActiveTokenByHash(deps.db, sha256Hex(cred.token));
    const expired = found && found.expires_at !== null && deps.clock.now() >= Number(found.expires_at);
    const row = expired ? undefined : found;
    const principal: Principal | null = row && isRole(row.role) ? { name: row.name, kind: 'token', role: row.role, open: false, groups: [] } : null;
    openMode.rememberToken(cred.token, principal, row && { id: row.id, expires_at: row.expires_at === null ? null : Number(row.expires_at) });
    if (expired) throw tokenExpired(found.name, Number(found.expires_at));
    if (!principal) throw new AppError('unauthenticated', 'unknown or revoked API token');
    openMode.usage.seen(row!.id);
    return principal;
  }
  return (await openMode.isOpen()) ? openPrincipal(headers) : null;
}

function tokenExpired(name: string, at: number): AppError {
  return new AppError('unauthenticated', `API token "${name}" expired at ${new Date(at).toISOString()}; ask an admin (or whoever created it) for a new secret: stagecraft tokens rotate ${name}`);
}

/** Whether this request's principal may do what `permission` allows (a check a service needs beyond the route's own). */
export function requestMay(request: FastifyRequest, permission: Permission): boolean {
  const p = request.principal;
  if (permission === 'public') return true;
  if (!p) return false;
  if (p.open) return true;
  // On a per-model route, what the principal may do on that model; elsewhere its global role.
  const role = request.modelRole !== undefined ? request.modelRole : request.server.globalRoleOf(p);
  return allows(role, permission);
}

/** The actor recorded in events for this request. */
export function actorOf(request: FastifyRequest): string {
  return request.principal?.name ?? 'anonymous';
}
