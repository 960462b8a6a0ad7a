// The only SQL for canary rollouts.
import type { Db } from '../db/tables.js';

/** Canary rollouts (migration 0005; the promo_ prefix is the era they came with). */
export interface PromoRolloutsTable {
  id: string;
  model_id: string;
  version: number;
  baseline_version: number;
  status: string;
  /** JSON: steps, step index and timing, criteria, analyses (rollouts-service's Stored). */
  state: string;
  created_by: string;
  created_at: number;
  updated_at: number;
}

declare module '../db/tables.js' {
  interface Database {
    promo_rollouts: PromoRolloutsTable;
  }
}

export type RolloutRow = PromoRolloutsTable;

export async function insertRollout(db: Db, row: RolloutRow) {
  await db.insertInto('promo_rollouts').values(row).execute();
}

/** The model's running or paused rollout, if any (at most one at a time). */
export async function activeRollout(db: Db, modelId: string) {
  return db.selectFrom('promo_rollouts').selectAll().where('model_id', '=', modelId).where('status', 'in', ['running', 'paused']).executeTakeFirst();
}

export async function latestRollout(db: Db, modelId: string) {
  return db.selectFrom('promo_rollouts').selectAll().where('model_id', '=', modelId).orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirst();
}

/** Every running or paused rollout (of any model: the service names them and skips deleted models). */
export async function activeRollouts(db: Db) {
  return db.selectFrom('promo_rollouts').selectAll().where('status', 'in', ['running', 'paused']).execute();
}

/** Conditional on the revision read (updated_at): two servers ticking the same rollout cannot both move it. */
export async function updateRollout(db: Db, id: string, readAt: number, patch: { status: string; state: string; updated_at: number }): Promise<boolean> {
  const r = await db.updateTable('promo_rollouts').set(patch).where('id', '=', id).where('updated_at', '=', readAt).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
