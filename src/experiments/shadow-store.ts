// The only SQL for shadow runs.
import type { Db } from '../db/tables.js';

/** Shadow runs (migration 0005). */
export interface PromoShadowsTable {
  id: string;
  model_id: string;
  version: number;
  percent: number;
  status: string;
  /** JSON: the serving version at start and, once stopped, the report. */
  stats: string;
  created_by: string;
  started_at: number;
  stopped_at: number | null;
}

declare module '../db/tables.js' {
  interface Database {
    promo_shadows: PromoShadowsTable;
  }
}

export type ShadowRow = PromoShadowsTable;

export async function insertShadow(db: Db, row: ShadowRow) {
  await db.insertInto('promo_shadows').values(row).execute();
}

export async function runningShadow(db: Db, modelId: string) {
  return db.selectFrom('promo_shadows').selectAll().where('model_id', '=', modelId).where('status', '=', 'running').executeTakeFirst();
}

export async function latestShadow(db: Db, modelId: string) {
  return db.selectFrom('promo_shadows').selectAll().where('model_id', '=', modelId).orderBy('started_at', 'desc').orderBy('id', 'desc').executeTakeFirst();
}

export async function finishShadow(db: Db, id: string, patch: { stats: string; stopped_at: number }): Promise<boolean> {
  const r = await db.updateTable('promo_shadows').set({ ...patch, status: 'stopped' }).where('id', '=', id).where('status', '=', 'running').executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

export async function runningShadowById(db: Db, id: string) {
  return db.selectFrom('promo_shadows').select('id').where('id', '=', id).where('status', '=', 'running').executeTakeFirst();
}

/** Every running shadow (the service names their models). */
export async function runningShadows(db: Db) {
  return db.selectFrom('promo_shadows').selectAll().where('status', '=', 'running').execute();
}
