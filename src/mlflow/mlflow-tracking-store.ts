// The only SQL for MLflow's tracking tables: experiments, runs, params, metrics, run tags.
import type { Db } from '../db/tables.js';
import type { MlflowExperimentsTable, MlflowRunsTable } from './mlflow-tables.js';

export async function findExperimentById(db: Db, id: number) {
  return db.selectFrom('mlflow_experiments').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findExperimentByName(db: Db, name: string) {
  return db.selectFrom('mlflow_experiments').selectAll().where('name', '=', name).executeTakeFirst();
}

export async function nextExperimentId(db: Db): Promise<number> {
  const row = await db.selectFrom('mlflow_experiments').select((eb) => eb.fn.max('id').as('top')).executeTakeFirst();
  return Number(row?.top ?? 0) + 1;
}

export async function insertExperiment(db: Db, row: MlflowExperimentsTable) {
  await db.insertInto('mlflow_experiments').values(row).execute();
}

export async function listExperiments(db: Db, q: { stage?: string; offset: number; limit: number }) {
  let query = db.selectFrom('mlflow_experiments').selectAll();
  if (q.stage) query = query.where('lifecycle_stage', '=', q.stage);
  return query.orderBy('id', 'asc').offset(q.offset).limit(q.limit).execute();
}

export async function insertRun(db: Db, row: MlflowRunsTable) {
  await db.insertInto('mlflow_runs').values(row).execute();
}

export async function findRun(db: Db, runId: string) {
  return db.selectFrom('mlflow_runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
}

export async function updateRun(db: Db, runId: string, patch: Partial<MlflowRunsTable>) {
  await db.updateTable('mlflow_runs').set(patch).where('run_id', '=', runId).execute();
}

export async function listRuns(db: Db, q: { experimentIds: number[]; stage?: string; offset: number; limit: number; order: Array<{ col: 'start_time' | 'end_time' | 'run_name' | 'run_id'; desc: boolean }> }) {
  if (q.experimentIds.length === 0) return [];
  let query = db.selectFrom('mlflow_runs').selectAll().where('experiment_id', 'in', q.experimentIds);
  if (q.stage) query = query.where('lifecycle_stage', '=', q.stage);
  for (const o of q.order) query = query.orderBy(o.col, o.desc ? 'desc' : 'asc');
  return query.orderBy('start_time', 'desc').orderBy('run_id', 'asc').offset(q.offset).limit(q.limit).execute();
}

export async function runData(db: Db, runIds: string[]) {
  if (runIds.length === 0) return { params: [], tags: [], metrics: [] };
  const [params, tags, metrics] = await Promise.all([
    db.selectFrom('mlflow_run_params').selectAll().where('run_id', 'in', runIds).orderBy('key').execute(),
    db.selectFrom('mlflow_run_tags').selectAll().where('run_id', 'in', runIds).execute(),
    db.selectFrom('mlflow_run_metrics').selectAll().where('run_id', 'in', runIds).orderBy('key').execute(),
  ]);
  return { params, tags, metrics };
}

export async function findParam(db: Db, runId: string, key: string) {
  return db.selectFrom('mlflow_run_params').selectAll().where('run_id', '=', runId).where('key', '=', key).executeTakeFirst();
}

export async function insertParam(db: Db, runId: string, key: string, value: string) {
  await db.insertInto('mlflow_run_params').values({ run_id: runId, key, value }).execute();
}

export async function upsertRunTag(db: Db, runId: string, key: string, value: string) {
  await db
    .insertInto('mlflow_run_tags')
    .values({ run_id: runId, key, value })
    .onConflict((oc) => oc.columns(['run_id', 'key']).doUpdateSet({ value }))
    .execute();
}

export async function findRunTag(db: Db, runId: string, key: string) {
  return db.selectFrom('mlflow_run_tags').selectAll().where('run_id', '=', runId).where('key', '=', key).executeTakeFirst();
}

export async function deleteRunTag(db: Db, runId: string, key: string) {
  await db.deleteFrom('mlflow_run_tags').where('run_id', '=', runId).where('key', '=', key).execute();
}

export async function insertMetric(db: Db, m: { run_id: string; key: string; value: number; timestamp: number; step: number }) {
  await db.insertInto('mlflow_run_metrics').values(m).execute();
}

export async function metricPoints(db: Db, runId: string, key: string) {
  return db.selectFrom('mlflow_run_metrics').selectAll().where('run_id', '=', runId).where('key', '=', key).orderBy('step').orderBy('timestamp').execute();
}
