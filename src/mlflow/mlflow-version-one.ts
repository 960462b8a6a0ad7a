// One version as MLflow shows it, in two queries (issue 18.4: model-versions/get and the alias get
// are hot reads): the kernel's one-query read of the version with its tags and aliases, then this
// door's own facts of it (run link, the logged model it was made from) in one prepared query.
// The general path (mlflow-serializers.ts versionsJson, for lists) sends four after the version's row.
import { preparedQuery } from '../db/prepared-query.js';
import type { Db } from '../db/tables.js';
import type { VersionWithPointers } from '../registry/index.js';
import type {} from './mlflow-tables.js'; // the door's tables, declared beside their stores
import type {} from './mlflow-logged-models-tables.js';
import { loggedModelFieldsOfVersions } from './mlflow-logged-models-versions.js';
import { versionJson } from './mlflow-serializers.js';

const doorFacts = preparedQuery((db, p: { id: string }) =>
  db.selectNoFrom((eb) => [
    eb.selectFrom('mlflow_version_meta').select('run_link').where('version_id', '=', p.id).limit(1).as('run_link'),
    eb.selectFrom('mlflow_version_logged_models').select('model_id').where('version_id', '=', p.id).limit(1).as('logged_model_id'),
  ]),
);

/** MLflow's JSON of a version read by versionWithPointers; `withAliases` as versionsJson's. */
export async function oneVersionJson(db: Db, found: VersionWithPointers, withAliases: boolean): Promise<Record<string, unknown>> {
  const { row } = found;
  const [facts] = await doorFacts(db, { id: row.id });
  // The logged model's params and metrics only for a version made from one (MLflow 3).
  const logged = facts?.logged_model_id ? (await loggedModelFieldsOfVersions(db, [row.id])).get(row.id) : undefined;
  return versionJson(row, found.tags, facts?.run_link ?? null, withAliases ? found.aliases : undefined, logged);
}
