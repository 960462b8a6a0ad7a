// The only SQL for canary rollouts.
import type { Db } from '../db/tables.js';
import type { PromoRolloutsTable } from '../promotion/gates/promotion-tables.js';

export type RolloutRow = PromoRolloutsTable;

export async function insertRollout(db: Db, row: RolloutRow) {
  await db.insertInto('promo_rollouts').values(row).execute();
}

export async function findRollout(db: Db, id: string) {
  return db.selectFrom('promo_rollouts').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The model's running or paused rollout, if any (at most one at a time). */
export async function activeRollout(db: Db, modelId: string) {
  return db.selectFrom('promo_rollouts').selectAll().where('model_id', '=', modelId).where('status', 'in', ['running', 'paused']).executeTakeFirst();
}

export async function latestRollout(db: Db, modelId: string) {
  return db.selectFrom('promo_rollouts').selectAll().where('model_id', '=', modelId).orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirst();
}

export async function activeRollouts(db: Db) {
  return db
    .selectFrom('promo_rollouts as r')
    .innerJoin('models as m', 'm.id', 'r.model_id')
    .selectAll('r')
    .select('m.name as model_name')
    .where('r.status', 'in', ['running', 'paused'])
    .where('m.deleted_at', 'is', null)
    .execute();
}

/** Conditional on the revision read (updated_at): two servers ticking the same rollout cannot both move it. */
export async function updateRollout(db: Db, id: string, readAt: number, patch: { status: string; state: string; updated_at: number }): Promise<boolean> {
  const r = await db.updateTable('promo_rollouts').set(patch).where('id', '=', id).where('updated_at', '=', readAt).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
