// API tokens: shown in clear exactly once (at creation and at each rotation), stored as sha256.
// A token works until it expires (the server's --token-ttl unless its creator chose, 90 days by
// default), is revoked, or its secret is rotated. Whoever mints one gives it at most their own global
// role: a deployer cannot mint an admin token. (Per-model limits come from grants, which apply to a
// token by its name like to anyone.) Admins manage every token; anyone else the ones they created.
import type { Deps } from '../deps.js';
import { parseDuration } from '../../config.js';
import { AppError, invalid, notFound } from '../../errors.js';
import { sha256Hex } from '../../blobs/verify.js';
import { commit } from '../events/events-service.js';
import { isRole, LADDER, ROLES, type Role } from './tokens.js';
import { anyActiveToken, findTokenByName, insertToken, listTokens, replaceSecret, revokeToken } from './tokens-store.js';

const NAME_RE = /^[\w.@+-]{1,128}$/;

/** Who is minting or managing tokens: their name, and the highest role they hold globally (null: none). */
export interface TokenManager {
  actor: string;
  ceiling: Role | null;
}

const isAdmin = (m: TokenManager) => m.ceiling === 'admin';
const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

/** Refuses a role above the manager's own (gateway tokens, which report observations that steer the guard, are admins' alone). */
function capRole(m: TokenManager, role: Role): void {
  if (isAdmin(m)) return;
  if (m.ceiling === null || role === 'gateway' || LADDER.indexOf(role) > LADDER.indexOf(m.ceiling)) {
    const yours = m.ceiling ?? 'no global role';
    throw new AppError('forbidden', `"${m.actor}" (${yours}) cannot give a token the role ${role}: a token gets at most its creator's role${role === 'gateway' ? '; gateway tokens need an admin' : ''}`);
  }
}

/**
 * When a token made now expires. `expiresIn`: a duration (30d, 12h) or `never`; absent: the server's
 * default. Only an admin mints a token that never expires, or one that outlives the server's default.
 */
function expiryFor(deps: Deps, m: TokenManager, expiresIn: string | undefined, fallback: number | null): number | null {
  const now = deps.clock.now();
  let ttl: number | null;
  try {
    ttl = expiresIn === undefined ? fallback : parseDuration('expires_in', expiresIn);
  } catch (err) {
    throw invalid((err as Error).message);
  }
  const serverTtl = deps.config.tokenTtlMs;
  if (!isAdmin(m) && expiresIn !== undefined && (ttl === null || (serverTtl !== null && ttl > serverTtl))) {
    throw new AppError('forbidden', `a token that ${ttl === null ? 'never expires' : `lives longer than the server's ${serverTtl! / 86_400_000} days`} needs an admin`);
  }
  return ttl === null ? null : now + ttl;
}

export async function createToken(deps: Deps, m: TokenManager, name: string, role: string, expiresIn?: string) {
  if (!NAME_RE.test(name)) throw invalid(`invalid token name "${name}": letters, digits and . _ @ + - (at most 128)`);
  if (!isRole(role)) throw invalid(`invalid role "${role}"; expected one of ${ROLES.join(', ')}`);
  capRole(m, role);
  const expiresAt = expiryFor(deps, m, expiresIn, deps.config.tokenTtlMs);
  const token = deps.ids.secret();
  await commit(
    deps,
    async (trx, append) => {
      await insertToken(trx, {
        id: deps.ids.uuid(),
        name,
        role,
        token_hash: sha256Hex(token),
        created_by: m.actor,
        created_at: deps.clock.now(),
        expires_at: expiresAt,
      });
      await append({ actor: m.actor, type: 'token.created', details: { name, role, expires_at: iso(expiresAt) } });
    },
    () => new AppError('conflict', `a token named "${name}" already exists`),
  );
  return { name, role, token, expires_at: iso(expiresAt) };
}

/** Whether any token is active. With none, a server runs open: see auth.ts and the server's bind check. */
export async function hasActiveTokens(deps: Pick<Deps, 'db'>): Promise<boolean> {
  return anyActiveToken(deps.db);
}

/** Every token for an admin; the ones they created for anyone else. Never a secret. */
export async function tokensList(deps: Deps, m: TokenManager) {
  const rows = await listTokens(deps.db, isAdmin(m) ? undefined : m.actor);
  const now = deps.clock.now();
  return rows.map((r) => ({
    name: r.name,
    role: r.role,
    created_by: r.created_by,
    created_at: iso(r.created_at)!,
    revoked: r.revoked_at !== null,
    expires_at: iso(r.expires_at),
    expired: r.expires_at !== null && now >= Number(r.expires_at),
    last_used_at: iso(r.last_used_at),
    rotated_at: iso(r.rotated_at),
  }));
}

/** The token `m` may manage: any for an admin, else one they created and whose role they hold. */
async function managed(deps: Deps, m: TokenManager, name: string) {
  const row = await findTokenByName(deps.db, name);
  // Someone else's token is "not found" to a non-admin: its existence is not theirs to learn.
  if (!row || row.revoked_at !== null || (!isAdmin(m) && row.created_by !== m.actor)) throw notFound(`no active token named "${name}"`);
  if (isRole(row.role)) capRole(m, row.role);
  return row;
}

export async function revoke(deps: Deps, m: TokenManager, name: string) {
  await managed(deps, m, name);
  await commit(deps, async (trx, append) => {
    if (!(await revokeToken(trx, name, deps.clock.now()))) throw notFound(`no active token named "${name}"`);
    await append({ actor: m.actor, type: 'token.revoked', details: { name } });
  });
}

/**
 * A new secret under the same name and role; the old secret stops working the moment this commits
 * (on this server at once, on others within the token cache's 5 s). The new expiry: `expiresIn` if
 * given, else the server's default from now (a token that never expired keeps never expiring).
 */
export async function rotateToken(deps: Deps, m: TokenManager, name: string, expiresIn?: string) {
  const row = await managed(deps, m, name);
  const expiresAt = expiryFor(deps, m, expiresIn, row.expires_at === null ? null : deps.config.tokenTtlMs);
  const token = deps.ids.secret();
  await commit(deps, async (trx, append) => {
    const done = await replaceSecret(trx, name, row.token_hash, { token_hash: sha256Hex(token), rotated_at: deps.clock.now(), expires_at: expiresAt });
    if (!done) throw new AppError('conflict', `token "${name}" was rotated or revoked concurrently; nothing was changed`);
    await append({ actor: m.actor, type: 'token.rotated', details: { name, role: row.role, expires_at: iso(expiresAt), previous_expires_at: iso(row.expires_at) } });
  });
  return { name, role: row.role, token, expires_at: iso(expiresAt) };
}

/** The highest global role a principal holds, from what it may do (so grants and open mode count as they do everywhere). */
export function ceilingFrom(may: (permission: 'read' | 'write' | 'deploy' | 'admin') => boolean): Role | null {
  const perms = { viewer: 'read', editor: 'write', deployer: 'deploy', admin: 'admin' } as const;
  for (const role of [...LADDER].reverse()) if (may(perms[role as keyof typeof perms])) return role;
  return null;
}
