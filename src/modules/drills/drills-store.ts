// The only SQL for rollback drill reports.
import type { Db } from '../../db/tables.js';
import type { PromoDrillsTable } from '../gates/promotion-tables.js';

export async function insertDrill(db: Db, row: PromoDrillsTable) {
  await db.insertInto('promo_drills').values(row).execute();
}

export async function drillsOf(db: Db, modelId: string, limit: number) {
  return db.selectFrom('promo_drills').selectAll().where('model_id', '=', modelId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

export async function lastPassingDrill(db: Db, modelId: string) {
  return db.selectFrom('promo_drills').selectAll().where('model_id', '=', modelId).where('passed', '=', 1).orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirst();
}
