// The only SQL for logged models: the model rows, their params, tags and metrics,
// the runs' model inputs/outputs, and the link from a registered version to the model it came from.
import type { Db } from '../db/tables.js';
import type { MlflowLoggedModelMetricsTable, MlflowLoggedModelsTable } from './mlflow-logged-models-tables.js';

export async function insertLoggedModel(db: Db, row: MlflowLoggedModelsTable) {
  await db.insertInto('mlflow_logged_models').values(row).execute();
}

/** Any lifecycle stage; callers decide whether a deleted model counts. */
export async function findLoggedModel(db: Db, modelId: string) {
  return db.selectFrom('mlflow_logged_models').selectAll().where('model_id', '=', modelId).executeTakeFirst();
}

export async function updateLoggedModel(db: Db, modelId: string, patch: Partial<MlflowLoggedModelsTable>) {
  await db.updateTable('mlflow_logged_models').set(patch).where('model_id', '=', modelId).execute();
}

/** The live models of these experiments, at most `limit`. */
export async function activeLoggedModels(db: Db, experimentIds: number[], limit: number) {
  if (experimentIds.length === 0) return [];
  return db
    .selectFrom('mlflow_logged_models')
    .selectAll()
    .where('experiment_id', 'in', experimentIds)
    .where('lifecycle_stage', '=', 'active')
    .orderBy('creation_time', 'desc')
    .orderBy('model_id')
    .limit(limit)
    .execute();
}

/** The live model a run logged under this name (what runs:/<run>/<name> means in MLflow 3), newest first. */
export async function loggedModelOfRun(db: Db, runId: string, name: string) {
  return db
    .selectFrom('mlflow_logged_models')
    .selectAll()
    .where('source_run_id', '=', runId)
    .where('name', '=', name)
    .where('lifecycle_stage', '=', 'active')
    .orderBy('creation_time', 'desc')
    .executeTakeFirst();
}

/** Which of a model's params, tags and metrics a reader needs: each is one query, skipped when not wanted. */
export interface LoggedModelDataWanted {
  params: boolean;
  tags: boolean;
  metrics: boolean;
}
const ALL: LoggedModelDataWanted = { params: true, tags: true, metrics: true };

export async function loggedModelData(db: Db, modelIds: string[], want: LoggedModelDataWanted = ALL) {
  if (modelIds.length === 0) return { params: [], tags: [], metrics: [] };
  const ids = [...new Set(modelIds)];
  const [params, tags, metrics] = await Promise.all([
    want.params ? db.selectFrom('mlflow_logged_model_params').selectAll().where('model_id', 'in', ids).orderBy('key').execute() : [],
    want.tags ? db.selectFrom('mlflow_logged_model_tags').selectAll().where('model_id', 'in', ids).orderBy('key').execute() : [],
    want.metrics ? db.selectFrom('mlflow_logged_model_metrics').selectAll().where('model_id', 'in', ids).orderBy('key').orderBy('timestamp').orderBy('step').execute() : [],
  ]);
  return { params, tags, metrics };
}

export async function findLoggedModelParam(db: Db, modelId: string, key: string) {
  return db.selectFrom('mlflow_logged_model_params').selectAll().where('model_id', '=', modelId).where('key', '=', key).executeTakeFirst();
}

export async function insertLoggedModelParam(db: Db, modelId: string, key: string, value: string) {
  await db.insertInto('mlflow_logged_model_params').values({ model_id: modelId, key, value }).execute();
}

export async function findLoggedModelTag(db: Db, modelId: string, key: string) {
  return db.selectFrom('mlflow_logged_model_tags').selectAll().where('model_id', '=', modelId).where('key', '=', key).executeTakeFirst();
}

export async function upsertLoggedModelTag(db: Db, modelId: string, key: string, value: string) {
  await db
    .insertInto('mlflow_logged_model_tags')
    .values({ model_id: modelId, key, value })
    .onConflict((oc) => oc.columns(['model_id', 'key']).doUpdateSet({ value }))
    .execute();
}

export async function deleteLoggedModelTag(db: Db, modelId: string, key: string) {
  await db.deleteFrom('mlflow_logged_model_tags').where('model_id', '=', modelId).where('key', '=', key).execute();
}

export async function insertLoggedModelMetrics(db: Db, rows: MlflowLoggedModelMetricsTable[]) {
  if (rows.length) await db.insertInto('mlflow_logged_model_metrics').values(rows).execute();
}

/** Which of these ids are logged models (any lifecycle stage). */
export async function existingLoggedModelIds(db: Db, modelIds: string[]): Promise<Set<string>> {
  if (modelIds.length === 0) return new Set();
  const rows = await db.selectFrom('mlflow_logged_models').select('model_id').where('model_id', 'in', [...new Set(modelIds)]).execute();
  return new Set(rows.map((r) => r.model_id));
}

export async function insertRunModels(db: Db, rows: Array<{ run_id: string; model_id: string; direction: 'input' | 'output'; step: number }>) {
  if (rows.length === 0) return;
  await db
    .insertInto('mlflow_run_models')
    .values(rows)
    .onConflict((oc) => oc.columns(['run_id', 'direction', 'model_id', 'step']).doNothing())
    .execute();
}

export async function runModelsOf(db: Db, runIds: string[]) {
  if (runIds.length === 0) return [];
  return db.selectFrom('mlflow_run_models').selectAll().where('run_id', 'in', [...new Set(runIds)]).orderBy('model_id').orderBy('step').execute();
}

export async function linkVersionToLoggedModel(db: Db, versionId: string, modelId: string, now: number) {
  await db.insertInto('mlflow_version_logged_models').values({ version_id: versionId, model_id: modelId, created_at: now }).execute();
}

export async function loggedModelsOfVersions(db: Db, versionIds: string[]) {
  if (versionIds.length === 0) return [];
  return db.selectFrom('mlflow_version_logged_models').selectAll().where('version_id', 'in', [...new Set(versionIds)]).execute();
}

/** The versions made from a logged model, newest first (version ids; the kernel knows the rest). */
export async function versionIdsOfLoggedModel(db: Db, modelId: string): Promise<string[]> {
  const rows = await db.selectFrom('mlflow_version_logged_models').select('version_id').where('model_id', '=', modelId).orderBy('created_at', 'desc').execute();
  return rows.map((r) => r.version_id);
}
