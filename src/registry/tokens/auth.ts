// Authentication and per-route permissions. Every route declares config.permission (a route
// without one refuses to boot: http/fastify-app.ts); this hook decides who may use it.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sha256Hex } from '../../blobs/verify.js';
import { AppError } from '../../errors.js';
import type { Deps } from '../deps.js';
import { neededRole, principalMay, type Permission, type Principal } from './tokens.js';
import { anyActiveToken, findActiveTokenByHash } from './tokens-store.js';
import { isRole } from './tokens.js';
import { tokenUsage } from './token-usage.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    permission?: Permission;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    /**
     * The same token check for a door that is not a Fastify route (the gateway's gRPC service):
     * resolves when headers carrying the caller's Authorization may use `permission`, else throws
     * the AppError a route would answer with.
     */
    authorizeHeaders(headers: Headers, permission: Exclude<Permission, 'public'>): Promise<void>;
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
  // expiresAt: an expired token is refused at once, cached or not (the entry is never trusted past it).
  const tokens = new Map<string, { principal: Principal | null; at: number; id?: string; expiresAt?: number | null }>();
  const usage = tokenUsage(deps);
  return {
    usage,
    /** The cached answer while it is fresh; undefined when the database must be asked. */
    peek(): boolean | undefined {
      return cached && Date.now() - cached.at < OPEN_MODE_CACHE_MS ? cached.open : undefined;
    },
    peekToken(hash: string): Principal | null | undefined {
      const hit = tokens.get(hash);
      if (!hit || Date.now() - hit.at >= TOKEN_CACHE_MS) return undefined;
      if (hit.expiresAt != null && deps.clock.now() >= hit.expiresAt) return undefined; // the database path says "expired"
      if (hit.id) usage.seen(hit.id);
      return hit.principal;
    },
    rememberToken(hash: string, principal: Principal | null, row?: { id: string; expires_at: number | null }): void {
      if (tokens.size >= TOKEN_CACHE_MAX) tokens.clear();
      tokens.set(hash, { principal, at: Date.now(), id: row?.id, expiresAt: row?.expires_at });
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

export function registerAuth(app: FastifyInstance, deps: Deps, openMode: OpenModeCache): void {
  app.decorateRequest('principal', null);
  app.addHook('onClose', async () => {
    await openMode.usage.flush();
    openMode.usage.close();
  });
  app.decorate('authorizeHeaders', async (headers: Headers, permission: Exclude<Permission, 'public'>) => {
    const cached = authenticateFromCache(headers, openMode);
    const principal = cached !== undefined ? cached : await authenticate(headers, deps, openMode);
    const refused = refusal(permission, principal);
    if (refused) throw refused;
  });

  // Callback style with a synchronous fast path: on the inference hot path the answer is almost
  // always cached, and an async hook would cost a promise and a microtask turn on every request.
  app.addHook('onRequest', (request, _reply, done) => {
    const permission = request.routeOptions.config?.permission;
    if (!permission) return done(); // 404s: the not-found handler answers
    const settle = (principal: Principal | null) => {
      request.principal = principal;
      done(refusal(permission, principal));
    };
    let cached: Principal | null | undefined;
    try {
      cached = authenticateFromCache(request.headers, openMode);
    } catch (err) {
      return done(err as Error);
    }
    if (cached !== undefined) return settle(cached);
    authenticate(request.headers, deps, openMode).then(settle, (err: Error) => done(err));
  });
}

function refusal(permission: Permission, principal: Principal | null): AppError | undefined {
  if (permission === 'public') return undefined;
  if (!principal) {
    return new AppError('unauthenticated', 'this server requires an API token: send "Authorization: Bearer <token>"');
  }
  if (!principalMay(principal, permission)) {
    return new AppError('forbidden', `token "${principal.name}" has role ${principal.role}; this action needs ${neededRole(permission as Exclude<Permission, 'public'>)}`);
  }
  return undefined;
}

function bearer(headers: Headers): string | undefined {
  const header = headers.authorization;
  if (!header) return undefined;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
  if (!match) throw new AppError('unauthenticated', 'malformed Authorization header; expected "Bearer <token>"');
  return sha256Hex(match[1]);
}

function openPrincipal(headers: Headers): Principal {
  // Open local mode: whoever can reach 127.0.0.1 is trusted; the CLI names its user for the audit log.
  const claimed = headers['stagecraft-actor'];
  const name = typeof claimed === 'string' && ACTOR_RE.test(claimed) ? claimed : 'local';
  return { name, role: 'admin', open: true };
}

/** The principal when every fact needed is cached; undefined when the database must be asked. */
function authenticateFromCache(headers: Headers, openMode: OpenModeCache): Principal | null | undefined {
  const hash = bearer(headers);
  if (hash) {
    const principal = openMode.peekToken(hash);
    if (principal === null) throw new AppError('unauthenticated', 'unknown, revoked or expired API token');
    return principal;
  }
  const open = openMode.peek();
  if (open === undefined) return undefined;
  return open ? openPrincipal(headers) : null;
}

async function authenticate(headers: Headers, deps: Deps, openMode: OpenModeCache): Promise<Principal | null> {
  const hash = bearer(headers);
  if (hash) {
    const found = await findActiveTokenByHash(deps.db, hash);
    const expired = found && found.expires_at !== null && deps.clock.now() >= Number(found.expires_at);
    const row = expired ? undefined : found;
    const principal = row && isRole(row.role) ? { name: row.name, role: row.role, open: false } : null;
    openMode.rememberToken(hash, principal, row && { id: row.id, expires_at: row.expires_at === null ? null : Number(row.expires_at) });
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
  return principalMay(request.principal, permission);
}

/** The actor recorded in events for this request. */
export function actorOf(request: FastifyRequest): string {
  return request.principal?.name ?? 'anonymous';
}
