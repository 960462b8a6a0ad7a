// The only SQL for rollback drill reports.
import type { Db } from '../../db/tables.js';

/** Rollback drill reports (migration 0005). */
export interface PromoDrillsTable {
  id: string;
  model_id: string;
  stage: string;
  /** 1 passed, 0 failed. */
  passed: number;
  /** JSON DrillReport. */
  report: string;
  actor: string;
  created_at: number;
}

declare module '../../db/tables.js' {
  interface Database {
    promo_drills: PromoDrillsTable;
  }
}

export async function insertDrill(db: Db, row: PromoDrillsTable) {
  await db.insertInto('promo_drills').values(row).execute();
}

export async function drillsOf(db: Db, modelId: string, limit: number) {
  return db.selectFrom('promo_drills').selectAll().where('model_id', '=', modelId).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

export async function lastPassingDrill(db: Db, modelId: string) {
  return db.selectFrom('promo_drills').selectAll().where('model_id', '=', modelId).where('passed', '=', 1).orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirst();
}

/** Each model's latest passing drill, in one query (never one query per model); deleted models included. */
export async function lastPassedPerModel(db: Db) {
  return db
    .selectFrom('promo_drills as d')
    .select(['d.model_id', 'd.report'])
    .where('d.passed', '=', 1)
    .where('d.created_at', '=', (eb) => eb.selectFrom('promo_drills as l').select((e) => e.fn.max('l.created_at').as('t')).whereRef('l.model_id', '=', 'd.model_id').where('l.passed', '=', 1))
    .execute();
}
