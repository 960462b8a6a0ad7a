// The only SQL for versions, their files, tags and aliases' lookups by version.
import type { Db, VersionsTable } from '../../db/tables.js';
import type { ManifestEntry } from './versions.js';

export type VersionRow = VersionsTable;

export async function insertVersion(db: Db, row: VersionsTable) {
  await db.insertInto('versions').values(row).execute();
}

export async function insertFiles(db: Db, versionId: string, files: ManifestEntry[]) {
  if (files.length === 0) return;
  // Chunked: SQLite limits bound parameters per statement.
  for (let i = 0; i < files.length; i += 200) {
    await db
      .insertInto('version_files')
      .values(files.slice(i, i + 200).map((f) => ({ version_id: versionId, path: f.path, size: f.size, sha256: f.sha256 })))
      .execute();
  }
}

export async function versionFiles(db: Db, versionId: string): Promise<ManifestEntry[]> {
  const rows = await db
    .selectFrom('version_files')
    .select(['path', 'size', 'sha256'])
    .where('version_id', '=', versionId)
    .orderBy('path')
    .execute();
  return rows.map((r) => ({ path: r.path, size: Number(r.size), sha256: r.sha256 }));
}

export async function findVersion(db: Db, modelId: string, version: number, opts: { includeDeleted?: boolean } = {}) {
  let q = db.selectFrom('versions').selectAll().where('model_id', '=', modelId).where('version', '=', version);
  if (!opts.includeDeleted) q = q.where('deleted_at', 'is', null);
  return q.executeTakeFirst();
}

export async function findVersionByLabel(db: Db, modelId: string, label: string) {
  return db
    .selectFrom('versions')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('label', '=', label)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/** Live versions in a stage, highest first: the first is what models:/name/<stage> means. */
export async function liveVersionsIn(db: Db, modelId: string, stage: string) {
  return db
    .selectFrom('versions')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('stage', '=', stage)
    .where('deleted_at', 'is', null)
    .orderBy('version', 'desc')
    .execute();
}

export async function highestLiveVersion(db: Db, modelId: string) {
  return db
    .selectFrom('versions')
    .selectAll()
    .where('model_id', '=', modelId)
    .where('deleted_at', 'is', null)
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export async function updateVersionRow(db: Db, id: string, patch: Partial<VersionsTable>) {
  await db.updateTable('versions').set(patch).where('id', '=', id).execute();
}

export async function versionTags(db: Db, versionIds: string[]) {
  if (versionIds.length === 0) return [];
  return db.selectFrom('version_tags').selectAll().where('version_id', 'in', versionIds).execute();
}

export async function upsertVersionTag(db: Db, versionId: string, key: string, value: string) {
  await db
    .insertInto('version_tags')
    .values({ version_id: versionId, key, value })
    .onConflict((oc) => oc.columns(['version_id', 'key']).doUpdateSet({ value }))
    .execute();
}

export async function deleteVersionTag(db: Db, versionId: string, key: string): Promise<boolean> {
  const res = await db.deleteFrom('version_tags').where('version_id', '=', versionId).where('key', '=', key).executeTakeFirst();
  return Number(res.numDeletedRows) > 0;
}

export interface VersionSearch {
  modelId?: string;
  /** Case-insensitive substring of the model name (global search). */
  nameLike?: string;
  stage?: string;
  health?: string;
  runId?: string;
  label?: string;
  tag?: { key: string; value?: string };
  /** Keyset: versions of models after (modelName, version) in (name asc, version desc) order. */
  after?: [string, number];
  limit: number;
  ilike: 'like' | 'ilike';
}

export async function searchVersions(db: Db, q: VersionSearch) {
  let query = db
    .selectFrom('versions as v')
    .innerJoin('models as m', 'm.id', 'v.model_id')
    .selectAll('v')
    .select('m.name as model_name')
    .where('v.deleted_at', 'is', null)
    .where('m.deleted_at', 'is', null);
  if (q.modelId) query = query.where('v.model_id', '=', q.modelId);
  if (q.nameLike) query = query.where('m.name', q.ilike, `%${q.nameLike.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  if (q.stage) query = query.where('v.stage', '=', q.stage);
  if (q.health) query = query.where('v.health', '=', q.health);
  if (q.runId) query = query.where('v.run_id', '=', q.runId);
  if (q.label) query = query.where('v.label', '=', q.label);
  if (q.tag) {
    const tag = q.tag;
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('version_tags as t')
          .select('t.version_id')
          .whereRef('t.version_id', '=', 'v.id')
          .where('t.key', '=', tag.key)
          .$if(tag.value !== undefined, (sq) => sq.where('t.value', '=', tag.value!)),
      ),
    );
  }
  if (q.after) {
    const [name, version] = q.after;
    query = query.where((eb) =>
      eb.or([eb('m.name', '>', name), eb.and([eb('m.name', '=', name), eb('v.version', '<', version)])]),
    );
  }
  return query.orderBy('m.name').orderBy('v.version', 'desc').limit(q.limit).execute();
}

export async function aliasesOfVersions(db: Db, modelIds: string[]) {
  if (modelIds.length === 0) return [];
  return db.selectFrom('aliases').selectAll().where('model_id', 'in', modelIds).execute();
}
