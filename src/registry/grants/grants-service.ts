// Grants: added and removed by admins, each change audited as an event (grant.added,
// grant.removed) in the same transaction, and the in-memory set reloaded before the answer.
import { AppError, notFound } from '../../errors.js';
import type { Deps } from '../deps.js';
import { commit } from '../events/events-service.js';
import { validateGrant, type Grant, type GrantRole, type PrincipalType } from './grants.js';
import type { GrantsCache } from './grants-cache.js';
import { deleteGrant, findGrant, insertGrant, listGrantRows } from './grants-store.js';

type GrantRowOut = { id: number | string; principal_type: string; principal_name: string; scope: string; role: string; created_by: string; created_at: number | string };

function grantView(r: GrantRowOut): Grant {
  return {
    id: Number(r.id),
    principal_type: r.principal_type as PrincipalType,
    principal_name: r.principal_name,
    scope: r.scope,
    role: r.role as GrantRole,
    created_by: r.created_by,
    created_at: new Date(Number(r.created_at)).toISOString(),
  };
}

export interface GrantFilter {
  principal_type?: string;
  principal_name?: string;
  scope?: string;
}

export async function listGrants(deps: Deps, filter: GrantFilter = {}): Promise<Grant[]> {
  const rows = await listGrantRows(deps.db);
  return rows
    .filter((r) => (!filter.principal_type || r.principal_type === filter.principal_type) && (!filter.principal_name || r.principal_name === filter.principal_name) && (!filter.scope || r.scope === filter.scope))
    .map(grantView);
}

export async function addGrant(deps: Deps, cache: GrantsCache, actor: string, input: { principal_type: string; principal_name: string; scope: string; role: string }): Promise<Grant> {
  const rule = validateGrant(input);
  const created_at = deps.clock.now();
  const id = await commit(
    deps,
    async (trx, append) => {
      const newId = await insertGrant(trx, { ...rule, created_by: actor, created_at });
      await append({ actor, type: 'grant.added', details: { id: newId, ...rule } });
      return newId;
    },
    () => new AppError('conflict', `${rule.principal_type}:${rule.principal_name} already has a grant on "${rule.scope}"; remove it first to change its role`),
  );
  await cache.load();
  return grantView({ id, ...rule, created_by: actor, created_at });
}

export async function removeGrant(deps: Deps, cache: GrantsCache, actor: string, id: number): Promise<Grant> {
  const removed = await commit(deps, async (trx, append) => {
    const row = await findGrant(trx, id);
    if (!row || !(await deleteGrant(trx, id))) throw notFound(`no grant with id ${id}`);
    await append({ actor, type: 'grant.removed', details: { id, principal_type: row.principal_type, principal_name: row.principal_name, scope: row.scope, role: row.role } });
    return row;
  });
  await cache.load();
  return grantView(removed);
}

/** The grant of one principal on exactly this scope, if any (what MLflow's permission endpoints read). */
export async function findGrantOn(deps: Deps, principal_type: PrincipalType, principal_name: string, scope: string): Promise<Grant | undefined> {
  const row = (await listGrantRows(deps.db)).find((r) => r.principal_type === principal_type && r.principal_name === principal_name && r.scope === scope);
  return row && grantView(row);
}

/**
 * Changes the role of an existing grant: removed and added again in one transaction (a new id, so
 * other servers' fingerprint check sees the change), audited as both events.
 */
export async function replaceGrant(deps: Deps, cache: GrantsCache, actor: string, id: number, role: string): Promise<Grant> {
  const created_at = deps.clock.now();
  const out = await commit(deps, async (trx, append) => {
    const row = await findGrant(trx, id);
    if (!row || !(await deleteGrant(trx, id))) throw notFound(`no grant with id ${id}`);
    const rule = validateGrant({ ...row, role });
    await append({ actor, type: 'grant.removed', details: { id, principal_type: row.principal_type, principal_name: row.principal_name, scope: row.scope, role: row.role } });
    const newId = await insertGrant(trx, { ...rule, created_by: actor, created_at });
    await append({ actor, type: 'grant.added', details: { id: newId, ...rule, replaces: id } });
    return { id: newId, ...rule, created_by: actor, created_at };
  });
  await cache.load();
  return grantView(out);
}
