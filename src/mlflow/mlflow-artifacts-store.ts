// The artifact proxy's manifest (path under the artifacts root -> sha256, size) and the read-only
// view of registered versions' files under `_stagecraft/versions/<version id>/`, so any version,
// however it was registered, has a location an MLflow client can download from.
import { sql } from 'kysely';
import type { Db } from '../db/tables.js';
import { badParam } from './mlflow-errors.js';

export interface ArtifactFile {
  /** Full path under the artifacts root. */
  path: string;
  size: number;
  sha256: string;
}

export const VERSIONS_ROOT = '_stagecraft/versions';

/** Relative, "/"-separated, never climbing out: MLflow answers "Invalid path" to anything else. */
export function normalizeArtifactPath(raw: string | undefined): string {
  const p = (raw ?? '').replace(/^\/+/, '').replace(/\/+$/, '');
  if (p === '') return '';
  // eslint-disable-next-line no-control-regex -- refusing NUL in a path is the point
  if (/[\u0000\\]/.test(p) || p.split('/').some((s) => s === '..' || s === '.' || s === '')) throw badParam('Invalid path');
  return p;
}

export async function putArtifactRow(db: Db, file: ArtifactFile, now: number) {
  await db
    .insertInto('mlflow_artifacts')
    .values({ path: file.path, sha256: file.sha256, size: file.size, updated_at: now })
    .onConflict((oc) => oc.column('path').doUpdateSet({ sha256: file.sha256, size: file.size, updated_at: now }))
    .execute();
}

export async function deleteArtifactRows(db: Db, path: string) {
  await db
    .deleteFrom('mlflow_artifacts')
    .where((eb) => eb.or([eb('path', '=', path), eb(sql`substr(path, 1, ${path.length + 1})`, '=', `${path}/`)]))
    .execute();
}

function versionPath(path: string): { versionId: string; rest: string } | null {
  if (!path.startsWith(`${VERSIONS_ROOT}/`)) return null;
  const [versionId, ...rest] = path.slice(VERSIONS_ROOT.length + 1).split('/');
  return { versionId, rest: rest.join('/') };
}

/** Every file at `path` or below it (the root when path is ""). */
export async function filesUnder(db: Db, path: string): Promise<ArtifactFile[]> {
  const vp = versionPath(path);
  if (vp) {
    const rows = await db
      .selectFrom('version_files as f')
      .innerJoin('versions as v', 'v.id', 'f.version_id')
      .select(['f.path', 'f.size', 'f.sha256'])
      .where('f.version_id', '=', vp.versionId)
      .where('v.deleted_at', 'is', null)
      .execute();
    const base = `${VERSIONS_ROOT}/${vp.versionId}`;
    return rows
      .map((r) => ({ path: `${base}/${r.path}`, size: Number(r.size), sha256: r.sha256 }))
      .filter((f) => f.path === path || path === base || f.path.startsWith(`${path}/`));
  }
  let q = db.selectFrom('mlflow_artifacts').select(['path', 'size', 'sha256']);
  if (path !== '') q = q.where((eb) => eb.or([eb('path', '=', path), eb(sql`substr(path, 1, ${path.length + 1})`, '=', `${path}/`)]));
  const rows = await q.orderBy('path').execute();
  return rows.map((r) => ({ path: r.path, size: Number(r.size), sha256: r.sha256 }));
}

export async function findFile(db: Db, path: string): Promise<ArtifactFile | undefined> {
  const files = await filesUnder(db, path);
  return files.find((f) => f.path === path);
}
