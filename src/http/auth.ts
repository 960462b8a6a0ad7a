// Authentication and per-route permissions. Every route declares config.permission; a route
// without one refuses to boot, so nothing is ever exposed by omission.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { sha256Hex } from '../blobs/verify.js';
import { AppError } from '../errors.js';
import type { Deps } from '../deps.js';
import { allows, neededRole, type Permission, type Principal } from '../modules/tokens/tokens.js';
import { anyActiveToken, findActiveTokenByHash } from '../modules/tokens/tokens-store.js';
import { isRole } from '../modules/tokens/tokens.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    permission?: Permission;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

/** How long "are there any tokens?" is cached; token creation on this server clears it at once. */
const OPEN_MODE_CACHE_MS = 1000;

export function openModeCache(deps: Deps) {
  let cached: { open: boolean; at: number } | null = null;
  return {
    async isOpen(): Promise<boolean> {
      const now = Date.now();
      if (cached && now - cached.at < OPEN_MODE_CACHE_MS) return cached.open;
      const open = !(await anyActiveToken(deps.db));
      cached = { open, at: now };
      return open;
    },
    invalidate() {
      cached = null;
    },
  };
}

export type OpenModeCache = ReturnType<typeof openModeCache>;

const ACTOR_RE = /^[\w.@+-]{1,128}$/;

export function registerAuth(app: FastifyInstance, deps: Deps, openMode: OpenModeCache): void {
  app.decorateRequest('principal', null);

  app.addHook('onRoute', (route) => {
    const permission = (route.config as { permission?: Permission } | undefined)?.permission;
    if (!permission) throw new Error(`route ${route.method} ${route.url} declares no permission`);
  });

  app.addHook('onRequest', async (request) => {
    const permission = request.routeOptions.config?.permission;
    if (!permission) return; // 404s: the not-found handler answers
    request.principal = await authenticate(request, deps, openMode);
    if (permission === 'public') return;
    const principal = request.principal;
    if (!principal) {
      throw new AppError('unauthenticated', 'this server requires an API token: send "Authorization: Bearer <token>"');
    }
    if (!allows(principal.role, permission)) {
      throw new AppError(
        'forbidden',
        `token "${principal.name}" has role ${principal.role}; this action needs ${neededRole(permission)} or higher`,
      );
    }
  });
}

async function authenticate(request: FastifyRequest, deps: Deps, openMode: OpenModeCache): Promise<Principal | null> {
  const header = request.headers.authorization;
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AppError('unauthenticated', 'malformed Authorization header; expected "Bearer <token>"');
    const row = await findActiveTokenByHash(deps.db, sha256Hex(match[1]));
    if (!row || !isRole(row.role)) throw new AppError('unauthenticated', 'unknown or revoked API token');
    return { name: row.name, role: row.role, open: false };
  }
  if (await openMode.isOpen()) {
    // Open local mode: whoever can reach 127.0.0.1 is trusted; the CLI names its user for the audit log.
    const claimed = request.headers['stagecraft-actor'];
    const name = typeof claimed === 'string' && ACTOR_RE.test(claimed) ? claimed : 'local';
    return { name, role: 'admin', open: true };
  }
  return null;
}

/** The actor recorded in events for this request. */
export function actorOf(request: FastifyRequest): string {
  return request.principal?.name ?? 'anonymous';
}
