// API tokens: created by admins (or by anyone while the server still runs open and local),
// shown in clear exactly once, stored as sha256.
import type { Deps } from '../deps.js';
import { AppError, invalid, notFound } from '../../errors.js';
import { sha256Hex } from '../../blobs/verify.js';
import { commit } from '../events/events-service.js';
import { isRole, ROLES } from './tokens.js';
import { anyActiveToken, insertToken, listTokens, revokeToken } from './tokens-store.js';

const NAME_RE = /^[\w.@+-]{1,128}$/;

export async function createToken(deps: Deps, actor: string, name: string, role: string) {
  if (!NAME_RE.test(name)) throw invalid(`invalid token name "${name}": letters, digits and . _ @ + - (at most 128)`);
  if (!isRole(role)) throw invalid(`invalid role "${role}"; expected one of ${ROLES.join(', ')}`);
  const token = deps.ids.secret();
  await commit(
    deps,
    async (trx, append) => {
      await insertToken(trx, {
        id: deps.ids.uuid(),
        name,
        role,
        token_hash: sha256Hex(token),
        created_by: actor,
        created_at: deps.clock.now(),
      });
      await append({ actor, type: 'token.created', details: { name, role } });
    },
    () => new AppError('conflict', `a token named "${name}" already exists`),
  );
  return { name, role, token };
}

/** Whether any token is active. With none, a server runs open: see auth.ts and the server's bind check. */
export async function hasActiveTokens(deps: Pick<Deps, 'db'>): Promise<boolean> {
  return anyActiveToken(deps.db);
}

export async function tokensList(deps: Deps) {
  const rows = await listTokens(deps.db);
  return rows.map((r) => ({
    name: r.name,
    role: r.role,
    created_by: r.created_by,
    created_at: new Date(Number(r.created_at)).toISOString(),
    revoked: r.revoked_at !== null,
  }));
}

export async function revoke(deps: Deps, actor: string, name: string) {
  await commit(deps, async (trx, append) => {
    if (!(await revokeToken(trx, name, deps.clock.now()))) throw notFound(`no active token named "${name}"`);
    await append({ actor, type: 'token.revoked', details: { name } });
  });
}
