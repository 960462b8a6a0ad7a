// The artifact tree an MLflow client sees: the proxy's uploads (mlflow-artifacts-store.ts) plus a
// read-only view of registered versions' files under `_stagecraft/versions/<version id>/`, read
// from the kernel, so any version, however it was registered, has a location to download from.
import type { Db } from '../db/tables.js';
import { liveVersionFiles } from '../registry/index.js';
import { artifactRowsUnder, type ArtifactFile } from './mlflow-artifacts-store.js';
import { badParam } from './mlflow-errors.js';

export const VERSIONS_ROOT = '_stagecraft/versions';

/** Relative, "/"-separated, never climbing out: MLflow answers "Invalid path" to anything else. */
export function normalizeArtifactPath(raw: string | undefined): string {
  const p = (raw ?? '').replace(/^\/+/, '').replace(/\/+$/, '');
  if (p === '') return '';
  // eslint-disable-next-line no-control-regex -- refusing NUL in a path is the point
  if (/[\u0000\\]/.test(p) || p.split('/').some((s) => s === '..' || s === '.' || s === '')) throw badParam('Invalid path');
  return p;
}

function versionPath(path: string): { versionId: string; rest: string } | null {
  if (!path.startsWith(`${VERSIONS_ROOT}/`)) return null;
  const [versionId, ...rest] = path.slice(VERSIONS_ROOT.length + 1).split('/');
  return { versionId, rest: rest.join('/') };
}

/** Every file at `path` or below it (the root when path is ""). */
export async function filesUnder(db: Db, path: string): Promise<ArtifactFile[]> {
  const vp = versionPath(path);
  if (!vp) return artifactRowsUnder(db, path);
  const base = `${VERSIONS_ROOT}/${vp.versionId}`;
  return (await liveVersionFiles(db, vp.versionId))
    .map((r) => ({ path: `${base}/${r.path}`, size: r.size, sha256: r.sha256 }))
    .filter((f) => f.path === path || path === base || f.path.startsWith(`${path}/`));
}

export async function findFile(db: Db, path: string): Promise<ArtifactFile | undefined> {
  const files = await filesUnder(db, path);
  return files.find((f) => f.path === path);
}
