// The only SQL for the gates and validation-report tables.
import type { Db } from '../../db/tables.js';

// The tables of migration 0005 that gates own, merged into the shared Database interface.
export interface PromoGatesTable {
  model_id: string;
  /** JSON GatesConfig. */
  config: string;
  updated_at: number;
  updated_by: string;
}

export interface PromoValidationReportsTable {
  id: string;
  model_id: string;
  version: number;
  stage: string;
  /** 1 passed, 0 failed. */
  passed: number;
  /** JSON ValidationReport. */
  report: string;
  created_at: number;
  actor: string;
}

declare module '../../db/tables.js' {
  interface Database {
    promo_gates: PromoGatesTable;
    promo_validation_reports: PromoValidationReportsTable;
  }
}

export async function findGates(db: Db, modelId: string) {
  return db.selectFrom('promo_gates').selectAll().where('model_id', '=', modelId).executeTakeFirst();
}

export async function upsertGates(db: Db, row: { model_id: string; config: string; updated_at: number; updated_by: string }) {
  await db
    .insertInto('promo_gates')
    .values(row)
    .onConflict((oc) => oc.column('model_id').doUpdateSet({ config: row.config, updated_at: row.updated_at, updated_by: row.updated_by }))
    .execute();
}

export async function deleteGates(db: Db, modelId: string): Promise<boolean> {
  const r = await db.deleteFrom('promo_gates').where('model_id', '=', modelId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function insertReport(
  db: Db,
  row: { id: string; model_id: string; version: number; stage: string; passed: number; report: string; created_at: number; actor: string },
) {
  await db.insertInto('promo_validation_reports').values(row).execute();
}

export async function latestReport(db: Db, modelId: string, version: number) {
  return db
    .selectFrom('promo_validation_reports')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('version', '=', version)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

/** Every model's gates, as stored JSON (the holdouts they name are blob references). */
export async function allGatesConfigs(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('promo_gates').select('config').execute();
  return rows.map((r) => r.config);
}
