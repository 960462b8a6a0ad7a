// The only SQL for purges (migration 0015): which deleted versions gave up their files, when, by
// whom, and what they weighed. The version row stays (deleted, with its digest) for history.
import type { Db } from '../../db/tables.js';
import type {} from '../models/models.js';
import type {} from './versions.js';

export interface VersionPurgesTable {
  version_id: string;
  purged_at: number;
  purged_by: string;
  files: number;
  bytes: number;
}

declare module '../../db/tables.js' {
  interface Database {
    version_purges: VersionPurgesTable;
  }
}

export async function insertPurge(db: Db, row: VersionPurgesTable): Promise<void> {
  await db.insertInto('version_purges').values(row).execute();
}

export async function findPurge(db: Db, versionId: string) {
  return db.selectFrom('version_purges').selectAll().where('version_id', '=', versionId).executeTakeFirst();
}

export interface Purgeable {
  version_id: string;
  model_id: string;
  model: string;
  version: number;
  digest: string | null;
}

/**
 * Deleted versions not purged yet: deleted themselves, or belonging to a deleted model (whose name
 * may since name another model, so only "every deleted" reaches them). With `modelId`, one live model's.
 */
export async function purgeableVersions(db: Db, modelId?: string): Promise<Purgeable[]> {
  let q = db
    .selectFrom('versions as v')
    .innerJoin('models as m', 'm.id', 'v.model_id')
    .leftJoin('version_purges as p', 'p.version_id', 'v.id')
    .select(['v.id as version_id', 'v.model_id', 'm.name as model', 'v.version', 'v.digest'])
    .where('p.version_id', 'is', null)
    .where((eb) => eb.or([eb('v.deleted_at', 'is not', null), eb('m.deleted_at', 'is not', null)]));
  if (modelId) q = q.where('v.model_id', '=', modelId);
  return q.orderBy('m.name').orderBy('v.version').execute();
}
