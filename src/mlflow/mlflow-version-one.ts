// One version, or one registered model, as MLflow shows it in few queries (issue 18.4: these gets
// are hot reads). A version: the kernel's one-query read of it with its tags and aliases, then this
// door's own facts of it (run link, the logged model it was made from) in one prepared query; the
// general path (mlflow-serializers.ts versionsJson, for lists) sends four after the version's row.
// A model: its row with tags and aliases and its latest versions with theirs (two kernel queries,
// side by side), then the door's facts of those versions in one prepared query: three where the
// list path sends six (the logged model's params and metrics only for versions made from one).
import { sql } from 'kysely';
import { dialectOf } from '../db/dialect.js';
import { preparedQuery } from '../db/prepared-query.js';
import type { Db } from '../db/tables.js';
import { latestPerStageWithTags, modelWithPointers, type VersionWithPointers } from '../registry/index.js';
import { modelNotFound } from './mlflow-errors.js';
import type {} from './mlflow-tables.js'; // the door's tables, declared beside their stores
import type {} from './mlflow-logged-models-tables.js';
import { loggedModelFieldsOfVersions } from './mlflow-logged-models-versions.js';
import { modelJson, versionJson } from './mlflow-serializers.js';

const doorFacts = preparedQuery((db, p: { id: string }) =>
  db.selectNoFrom((eb) => [
    eb.selectFrom('mlflow_version_meta').select('run_link').where('version_id', '=', p.id).limit(1).as('run_link'),
    eb.selectFrom('mlflow_version_logged_models').select('model_id').where('version_id', '=', p.id).limit(1).as('logged_model_id'),
  ]),
);

/**
 * doorFacts for several versions, their ids given as one JSON array parameter: the SQL text is the
 * same whatever their number, so it is built and prepared once (an `in (...)` list is new SQL per
 * length, and building it through Kysely cost more than running it).
 */
const doorFactsOfMany = preparedQuery((db, p: { ids: string }) => {
  const ids = dialectOf(db) === 'postgres' ? sql`json_array_elements_text(cast(${p.ids} as json)) as j(value)` : sql`json_each(${p.ids}) as j`;
  const query = sql<{ version_id: string; run_link: string | null; logged_model_id: string | null }>`select j.value as version_id,
    (select m.run_link from mlflow_version_meta m where m.version_id = j.value) as run_link,
    (select l.model_id from mlflow_version_logged_models l where l.version_id = j.value limit 1) as logged_model_id
    from ${ids}`;
  return { compile: () => query.compile(db) };
});

/** MLflow's JSON of a version read by versionWithPointers; `withAliases` as versionsJson's. */
export async function oneVersionJson(db: Db, found: VersionWithPointers, withAliases: boolean): Promise<Record<string, unknown>> {
  const { row } = found;
  const [facts] = await doorFacts(db, { id: row.id });
  // The logged model's params and metrics only for a version made from one (MLflow 3).
  const logged = facts?.logged_model_id ? (await loggedModelFieldsOfVersions(db, [row.id])).get(row.id) : undefined;
  return versionJson(row, found.tags, facts?.run_link ?? null, withAliases ? found.aliases : undefined, logged);
}

/** MLflow's JSON of the live registered model `name` (MLflow's RESOURCE_DOES_NOT_EXIST when there is none). */
export async function oneModelJson(db: Db, name: string): Promise<Record<string, unknown>> {
  const [found, latest] = await Promise.all([modelWithPointers(db, name), latestPerStageWithTags(db, name)]);
  if (!found) throw modelNotFound(name);
  const facts = latest.length === 0 ? [] : await doorFactsOfMany(db, { ids: JSON.stringify(latest.map((v) => v.row.id)) });
  const runLinks = new Map(facts.map((f) => [f.version_id, f.run_link]));
  const fromLoggedModels = facts.filter((f) => f.logged_model_id !== null).map((f) => f.version_id);
  const logged = fromLoggedModels.length === 0 ? new Map<string, undefined>() : await loggedModelFieldsOfVersions(db, fromLoggedModels);
  // latest_versions carry no aliases (MLflow's quirk, as versionsJson without withAliases).
  const latestJson = latest.map((v) => versionJson(v.row, v.tags, runLinks.get(v.row.id) ?? null, undefined, logged.get(v.row.id)));
  return modelJson(found.model, latestJson, found.tags, found.aliases);
}
