// The only SQL for the artifact proxy's manifest (mlflow_artifacts): path under the artifacts root
// -> sha256 and size. Registered versions' files are the kernel's (see mlflow-artifacts.ts).
import { sql } from 'kysely';
import type { Db } from '../db/tables.js';

export interface ArtifactFile {
  /** Full path under the artifacts root. */
  path: string;
  size: number;
  sha256: string;
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

/** Every uploaded file at `path` or below it (all of them when path is ""), by path. */
export async function artifactRowsUnder(db: Db, path: string): Promise<ArtifactFile[]> {
  let q = db.selectFrom('mlflow_artifacts').select(['path', 'size', 'sha256']);
  if (path !== '') q = q.where((eb) => eb.or([eb('path', '=', path), eb(sql`substr(path, 1, ${path.length + 1})`, '=', `${path}/`)]));
  const rows = await q.orderBy('path').execute();
  return rows.map((r) => ({ path: r.path, size: Number(r.size), sha256: r.sha256 }));
}

/** Every blob the proxy's manifest names (logged models' and runs' files): gc keeps them. */
export async function artifactDigests(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('mlflow_artifacts').select('sha256').distinct().execute();
  return rows.map((r) => r.sha256);
}

/** Those of `sha256s` the manifest names. */
export async function artifactDigestsAmong(db: Db, sha256s: readonly string[]): Promise<string[]> {
  if (sha256s.length === 0) return [];
  const rows = await db.selectFrom('mlflow_artifacts').select('sha256').distinct().where('sha256', 'in', [...sha256s]).execute();
  return rows.map((r) => r.sha256);
}
