// The only SQL for mon_references, with its row type (migrations 0004, 0007).
import type { Db } from '../../db/tables.js';
import type { Profile } from './drift.js';

export interface MonReferencesTable {
  model: string;
  version: number;
  rows: number;
  source: string;
  /** The profile as JSON. */
  profile: string;
  created_at: number;
  /** Who set it: the uploader's token name, or 'guard'; null for profiles set before 0007. */
  created_by: string | null;
}

declare module '../../db/tables.js' {
  interface Database {
    mon_references: MonReferencesTable;
  }
}

export interface ReferenceRow {
  rows: number;
  source: string;
  profile: Profile;
  created_at: number;
  created_by: string | null;
}

export async function findReference(db: Db, model: string, version: number): Promise<ReferenceRow | null> {
  const r = await db.selectFrom('mon_references').selectAll().where('model', '=', model).where('version', '=', version).executeTakeFirst();
  return r ? { rows: Number(r.rows), source: r.source, profile: JSON.parse(r.profile) as Profile, created_at: Number(r.created_at), created_by: r.created_by } : null;
}

export async function writeReference(db: Db, model: string, version: number, ref: ReferenceRow): Promise<void> {
  const values = { model, version, rows: ref.rows, source: ref.source, profile: JSON.stringify(ref.profile), created_at: ref.created_at, created_by: ref.created_by };
  await db
    .insertInto('mon_references')
    .values(values)
    .onConflict((oc) => oc.columns(['model', 'version']).doUpdateSet({ rows: values.rows, source: values.source, profile: values.profile, created_at: values.created_at, created_by: values.created_by }))
    .execute();
}
