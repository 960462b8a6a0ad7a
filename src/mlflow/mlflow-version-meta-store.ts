// The only SQL for mlflow_version_meta: what the MLflow door remembers of a version beyond the
// registry's row (where its bytes really are, the run link). The version itself is the kernel's.
import type { Db } from '../db/tables.js';
import type { MlflowVersionMetaTable } from './mlflow-tables.js';

export async function insertVersionMeta(db: Db, row: MlflowVersionMetaTable) {
  await db.insertInto('mlflow_version_meta').values(row).execute();
}

/** The meta of these versions (only those that have some), in one query. */
export async function versionMetaOf(db: Db, versionIds: string[]): Promise<MlflowVersionMetaTable[]> {
  if (versionIds.length === 0) return [];
  return db.selectFrom('mlflow_version_meta').selectAll().where('version_id', 'in', [...new Set(versionIds)]).execute();
}
