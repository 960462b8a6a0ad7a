// A read model like read-models.ts (kept apart so each file stays small): which live versions hold
// which blobs. It joins models, versions and their files, so the blob checks can say which versions
// a bad blob affects without the versions module reading the models table.
import type { Db } from '../db/tables.js';
import type {} from './models/models.js';
import type {} from './versions/versions.js';

export interface BlobUse {
  sha256: string;
  /** The size the manifest recorded: what the intact bytes weigh. */
  size: number;
  path: string;
  model_id: string;
  model: string;
  version_id: string;
  version: number;
  stage: string;
  health: string;
  health_reason: string | null;
}

/** Every file of every live version, or only those holding one of `sha256s`; by model, version, path. */
export async function blobUses(db: Db, sha256s?: readonly string[]): Promise<BlobUse[]> {
  if (sha256s && sha256s.length === 0) return [];
  let q = db
    .selectFrom('version_files as f')
    .innerJoin('versions as v', 'v.id', 'f.version_id')
    .innerJoin('models as m', 'm.id', 'v.model_id')
    .select(['f.sha256', 'f.size', 'f.path', 'v.model_id', 'm.name as model', 'v.id as version_id', 'v.version', 'v.stage', 'v.health', 'v.health_reason'])
    .where('v.deleted_at', 'is', null)
    .where('m.deleted_at', 'is', null);
  if (sha256s) q = q.where('f.sha256', 'in', [...sha256s]);
  const rows = await q.orderBy('m.name').orderBy('v.version').orderBy('f.path').execute();
  return rows.map((r) => ({ ...r, size: Number(r.size) }));
}

/** Every file of these versions (by version id): what a version needs intact to be whole again. */
export async function filesOfVersions(db: Db, versionIds: readonly string[]): Promise<Array<{ version_id: string; sha256: string }>> {
  if (versionIds.length === 0) return [];
  return db.selectFrom('version_files').select(['version_id', 'sha256']).where('version_id', 'in', [...versionIds]).execute();
}
