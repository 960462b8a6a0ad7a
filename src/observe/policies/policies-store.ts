// The only SQL for mon_policies, with its row type (migration 0004).
import type { Db } from '../../db/tables.js';
import type { Policy } from './policies.js';

export interface MonPoliciesTable {
  model: string;
  policy: string;
  updated_at: number;
  updated_by: string;
}

declare module '../../db/tables.js' {
  interface Database {
    mon_policies: MonPoliciesTable;
  }
}

/** A stored policy; those stored before label_sources existed count every label. */
const parsePolicy = (json: string): Policy => ({ label_sources: null, ...(JSON.parse(json) as Omit<Policy, 'label_sources'>) });

export async function findPolicy(db: Db, model: string): Promise<Policy | null> {
  const row = await db.selectFrom('mon_policies').select('policy').where('model', '=', model).executeTakeFirst();
  return row ? parsePolicy(row.policy) : null;
}

export async function allPolicies(db: Db): Promise<Policy[]> {
  const rows = await db.selectFrom('mon_policies').select('policy').orderBy('model').execute();
  return rows.map((r) => parsePolicy(r.policy));
}

export async function writePolicy(db: Db, policy: Policy, actor: string, now: number): Promise<void> {
  const values = { model: policy.model, policy: JSON.stringify(policy), updated_at: now, updated_by: actor };
  await db
    .insertInto('mon_policies')
    .values(values)
    .onConflict((oc) => oc.column('model').doUpdateSet({ policy: values.policy, updated_at: now, updated_by: actor }))
    .execute();
}

export async function deletePolicyRow(db: Db, model: string): Promise<boolean> {
  const res = await db.deleteFrom('mon_policies').where('model', '=', model).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}
