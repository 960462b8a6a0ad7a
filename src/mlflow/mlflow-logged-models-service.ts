// MLflow 3's logged models: create (PENDING), log params, set/delete tags, finalize (READY records
// the digest of its files' manifest: path -> sha256 in the blob store), soft delete; the
// metrics and run inputs/outputs that name one; and the link from a registered version to it,
// with the `mlflow.modelVersions` tag MLflow's server maintains on the model.
import type { Deps } from '../deps.js';
import type { Db } from '../db/tables.js';
import { manifestDigest } from '../registry/index.js';
import { filesUnder } from './mlflow-artifacts.js';
import { badParam, MlflowError } from './mlflow-errors.js';
import { pyJsonDumps } from './mlflow-logged-models-json.js';
import type { MlflowLoggedModelsTable } from './mlflow-logged-models-tables.js';
import * as store from './mlflow-logged-models-store.js';
import { validateTagKey } from './mlflow-rules.js';
import { requireExperiment, requireRun, runName } from './mlflow-tracking-service.js';

export const LOGGED_MODEL_STATUSES = ['LOGGED_MODEL_STATUS_UNSPECIFIED', 'LOGGED_MODEL_PENDING', 'LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED'];
export const MODEL_VERSIONS_TAG = 'mlflow.modelVersions';
const PROXIED_RE = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.*)$/;

export const loggedModelNotFound = (id: string) => new MlflowError('RESOURCE_DOES_NOT_EXIST', `Logged model with ID '${id}' not found.`);

/** A deleted model is not found unless asked for (GET ?allow_deleted=true), as in MLflow. */
export async function requireLoggedModel(db: Db, modelId: string, allowDeleted = false): Promise<MlflowLoggedModelsTable> {
  const row = await store.findLoggedModel(db, modelId);
  if (!row || (!allowDeleted && row.lifecycle_stage !== 'active')) throw loggedModelNotFound(modelId);
  return row;
}

/** MLflow's rule for logged-model names. */
export function validateLoggedModelName(name: string): string {
  if (name === '' || /[/:.%"']/.test(name)) {
    throw badParam(
      `Invalid model name ('${name}') provided. Model name must be a non-empty string and cannot contain the following characters: ('/', ':', '.', '%', '"', "'")`,
    );
  }
  return name;
}

export interface CreateLoggedModelInput {
  experimentId: string;
  name?: string;
  modelType?: string;
  sourceRunId?: string;
  params: Array<{ key: string; value: string }>;
  tags: Array<{ key: string; value: string }>;
}

export async function createLoggedModel(deps: Deps, input: CreateLoggedModelInput): Promise<MlflowLoggedModelsTable> {
  if (input.name !== undefined) validateLoggedModelName(input.name);
  for (const kv of [...input.params, ...input.tags]) validateTagKey(kv.key);
  const exp = await requireExperiment(deps, input.experimentId);
  if (exp.lifecycle_stage !== 'active') throw badParam(`The experiment ${exp.id} must be in the 'active' state. Current state is ${exp.lifecycle_stage}.`);
  const hex = deps.ids.uuid().replace(/-/g, '');
  const modelId = `m-${hex}`;
  const now = deps.clock.now();
  const row: MlflowLoggedModelsTable = {
    model_id: modelId,
    experiment_id: Number(exp.id),
    name: input.name || runName(hex),
    artifact_location: `${exp.artifact_location.replace(/\/+$/, '')}/models/${modelId}/artifacts`,
    status: 'LOGGED_MODEL_PENDING',
    status_message: null,
    model_type: input.modelType || null,
    source_run_id: input.sourceRunId || null,
    lifecycle_stage: 'active',
    creation_time: now,
    last_update_time: now,
    digest: null,
  };
  await deps.db.transaction().execute(async (trx) => {
    await store.insertLoggedModel(trx, row);
    for (const p of input.params) await store.insertLoggedModelParam(trx, modelId, p.key, p.value);
    for (const t of input.tags) await store.upsertLoggedModelTag(trx, modelId, t.key, t.value);
  });
  return row;
}

/** Params are immutable: logging one again is fine with the same value, refused with another. */
export async function logLoggedModelParams(deps: Deps, modelId: string, params: Array<{ key: string; value: string }>) {
  await requireLoggedModel(deps.db, modelId);
  for (const p of params) validateTagKey(p.key);
  await deps.db.transaction().execute(async (trx) => {
    for (const p of params) {
      const existing = await store.findLoggedModelParam(trx, modelId, p.key);
      if (existing && existing.value !== p.value) {
        throw badParam(
          `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${existing.value}' for logged model ID='${modelId}'. Attempted logging new value '${p.value}'.`,
        );
      }
      if (!existing) await store.insertLoggedModelParam(trx, modelId, p.key, p.value);
    }
  });
}

export async function setLoggedModelTags(deps: Deps, modelId: string, tags: Array<{ key: string; value: string }>) {
  await requireLoggedModel(deps.db, modelId);
  for (const t of tags) validateTagKey(t.key);
  await deps.db.transaction().execute(async (trx) => {
    for (const t of tags) await store.upsertLoggedModelTag(trx, modelId, t.key, t.value);
  });
}

export async function deleteLoggedModelTag(deps: Deps, modelId: string, key: string) {
  await requireLoggedModel(deps.db, modelId);
  if (!(await store.findLoggedModelTag(deps.db, modelId, key))) {
    throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `No tag with key '${key}' found for model with ID '${modelId}'.`);
  }
  await store.deleteLoggedModelTag(deps.db, modelId, key);
}

/** The artifact-proxy path of a model's location (null when its experiment stores elsewhere, e.g. s3://). */
export function proxiedRoot(model: MlflowLoggedModelsTable): string | null {
  const m = PROXIED_RE.exec(model.artifact_location);
  return m ? m[1].replace(/\/+$/, '') : null;
}

/** The model's files: what is uploaded under its location (the artifact proxy's manifest), relative to it. */
export async function liveLoggedModelFiles(db: Db, model: MlflowLoggedModelsTable) {
  const root = proxiedRoot(model);
  if (root === null) return [];
  return (await filesUnder(db, root)).filter((f) => f.path.startsWith(`${root}/`)).map((f) => ({ path: f.path.slice(root.length + 1), sha256: f.sha256, size: f.size }));
}

/**
 * Finalize: the status, and for READY the digest of the files uploaded by then (the manifest of
 * path -> sha256 in the blob store), so a later change under the model's location shows.
 */
export async function finalizeLoggedModel(deps: Deps, modelId: string, status: string) {
  const model = await requireLoggedModel(deps.db, modelId);
  const patch: Partial<MlflowLoggedModelsTable> = { status, last_update_time: deps.clock.now() };
  if (status === 'LOGGED_MODEL_READY') patch.digest = manifestDigest(await liveLoggedModelFiles(deps.db, model));
  await store.updateLoggedModel(deps.db, modelId, patch);
  return { ...model, ...patch };
}

/** Soft delete, as MLflow: the model stops being found and searched; deleting it again is a no-op. */
export async function deleteLoggedModel(deps: Deps, modelId: string) {
  const model = await requireLoggedModel(deps.db, modelId, true);
  if (model.lifecycle_stage === 'deleted') return;
  await store.updateLoggedModel(deps.db, modelId, { lifecycle_stage: 'deleted', last_update_time: deps.clock.now() });
}

export interface ModelMetric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
  model_id?: string;
  dataset_name?: string;
  dataset_digest?: string;
}

/** Metrics a run logged with a model_id also belong to that model (ids that name no model are ignored, as MLflow stores them for nothing). */
export async function recordModelMetrics(deps: Deps, runId: string, metrics: ModelMetric[]) {
  const withModel = metrics.filter((m) => m.model_id);
  if (withModel.length === 0) return;
  const known = await store.existingLoggedModelIds(deps.db, withModel.map((m) => m.model_id!));
  await store.insertLoggedModelMetrics(
    deps.db,
    withModel
      .filter((m) => known.has(m.model_id!))
      .map((m) => ({ model_id: m.model_id!, run_id: runId, key: m.key, value: m.value, timestamp: m.timestamp, step: m.step, dataset_name: m.dataset_name ?? null, dataset_digest: m.dataset_digest ?? null })),
  );
}

/** runs/log-inputs' models and runs/outputs: which models a run read and wrote. */
export async function recordRunModels(deps: Deps, runId: string, direction: 'input' | 'output', models: Array<{ modelId: string; step: number }>) {
  const run = await requireRun(deps, runId);
  if (run.lifecycle_stage !== 'active') throw badParam(`The run ${runId} must be in the 'active' state. Current state is ${run.lifecycle_stage}.`);
  await store.insertRunModels(deps.db, models.map((m) => ({ run_id: runId, model_id: m.modelId, direction, step: m.step })));
}

/**
 * A registered version was made from this model: link them and append {"name", "version"} to the
 * model's `mlflow.modelVersions` tag, exactly as MLflow's server writes it (the 3.x client then
 * appends its own entry with the version as a string, as it does against MLflow).
 */
export async function noteRegisteredVersion(deps: Deps, modelId: string, versionId: string, name: string, version: number) {
  await deps.db.transaction().execute(async (trx) => {
    await store.linkVersionToLoggedModel(trx, versionId, modelId, deps.clock.now());
    const tag = await store.findLoggedModelTag(trx, modelId, MODEL_VERSIONS_TAG);
    const entry = { name, version };
    let list: unknown[] = [];
    try {
      const parsed: unknown = tag ? JSON.parse(tag.value) : [];
      if (Array.isArray(parsed)) list = parsed;
    } catch {
      list = [];
    }
    const present = list.some((e) => typeof e === 'object' && e !== null && (e as Record<string, unknown>).name === name && (e as Record<string, unknown>).version === version);
    if (!present) await store.upsertLoggedModelTag(trx, modelId, MODEL_VERSIONS_TAG, pyJsonDumps([...list, entry]));
  });
}
