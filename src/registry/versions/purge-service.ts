// Purging deleted versions (admin): a deleted version keeps its files — it can be inspected, its
// bytes recovered — until a purge drops its file rows, after which garbage collection frees the
// bytes nothing else holds. Only deleted versions, audited one event per version; the version row
// stays, deleted, with its digest and size, so history still says what it was.
import { AppError, conflict, notFound } from '../../errors.js';
import type { Deps } from '../deps.js';
import { commit } from '../events/events-service.js';
import { requireModel } from '../models/models-service.js';
import { findPurge, insertPurge, purgeableVersions, type Purgeable } from './purge-store.js';
import { deleteFilesOf, findVersion, versionFiles } from './versions-store.js';

export interface PurgedVersion {
  model: string;
  version: number;
  files: number;
  bytes: number;
}

export interface PurgeReport {
  purged: PurgedVersion[];
  files: number;
  bytes: number;
}

const report = (purged: PurgedVersion[]): PurgeReport => ({
  purged,
  files: purged.reduce((s, p) => s + p.files, 0),
  bytes: purged.reduce((s, p) => s + p.bytes, 0),
});

/** Purges one deleted version of a live model; 409 when it is not deleted or already purged. */
export async function purgeVersion(deps: Deps, actor: string, modelName: string, version: number, reason?: string): Promise<PurgeReport> {
  const model = await requireModel(deps.db, modelName);
  const row = await findVersion(deps.db, model.id, version, { includeDeleted: true });
  if (!row) throw notFound(`model "${modelName}" has no version ${version}`);
  if (row.deleted_at === null) {
    throw conflict(`version ${version} of "${modelName}" is not deleted: only a deleted version can be purged (delete it first with \`stagecraft versions delete ${modelName} ${version}\`)`);
  }
  const purged = await purgeOne(deps, actor, { version_id: row.id, model_id: model.id, model: model.name, version, digest: row.digest }, reason);
  if (!purged) throw conflict(`version ${version} of "${modelName}" is already purged`);
  return report([purged]);
}

/** Purges every deleted version not purged yet (of one live model, or everywhere, deleted models' included). */
export async function purgeDeleted(deps: Deps, actor: string, modelName?: string, reason?: string): Promise<PurgeReport> {
  const modelId = modelName === undefined ? undefined : (await requireModel(deps.db, modelName)).id;
  const purged: PurgedVersion[] = [];
  // One transaction per version: a long purge never holds the event log, and a retry resumes.
  for (const p of await purgeableVersions(deps.db, modelId)) {
    const done = await purgeOne(deps, actor, p, reason);
    if (done) purged.push(done);
  }
  return report(purged);
}

/** Null when someone purged it first (checked in the transaction: two purges never both count it). */
async function purgeOne(deps: Deps, actor: string, p: Purgeable, reason?: string): Promise<PurgedVersion | null> {
  try {
    return await purgeInTransaction(deps, actor, p, reason);
  } catch (err) {
    // PostgreSQL: a concurrent purge inserted its row between our check and our insert.
    if (err instanceof AppError && err.details?.already_purged) return null;
    throw err;
  }
}

async function purgeInTransaction(deps: Deps, actor: string, p: Purgeable, reason?: string): Promise<PurgedVersion | null> {
  return commit(deps, async (trx, append) => {
    if (await findPurge(trx, p.version_id)) return null;
    const files = await versionFiles(trx, p.version_id);
    const bytes = files.reduce((s, f) => s + f.size, 0);
    await deleteFilesOf(trx, p.version_id);
    await insertPurge(trx, { version_id: p.version_id, purged_at: deps.clock.now(), purged_by: actor, files: files.length, bytes });
    await append({
      actor,
      type: 'version.purged',
      model: { id: p.model_id, name: p.model },
      version: p.version,
      reason: reason ?? null,
      details: { files: files.length, bytes, digest: p.digest },
    });
    return { model: p.model, version: p.version, files: files.length, bytes };
  }, () => new AppError('conflict', 'already purged', { already_purged: true }));
}
