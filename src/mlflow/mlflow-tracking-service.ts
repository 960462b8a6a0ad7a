// MLflow's tracking subset that logging and loading need: experiments (Default "0" always exists)
// and runs with params, metrics and tags. Runs hand out mlflow-artifacts:/<experiment>/<run>/artifacts.
import type { Deps } from '../deps.js';
import { badParam, MlflowError } from './mlflow-errors.js';
import type { MlflowExperimentsTable, MlflowRunsTable } from './mlflow-tables.js';
import * as store from './mlflow-tracking-store.js';
import { validateTagKey } from './mlflow-rules.js';
import { runModelIo } from './mlflow-logged-models-json.js';

type Json = Record<string, unknown>;

export function experimentJson(e: MlflowExperimentsTable): Json {
  return {
    experiment_id: String(e.id),
    name: e.name,
    artifact_location: e.artifact_location,
    lifecycle_stage: e.lifecycle_stage,
    last_update_time: Number(e.last_update_time),
    creation_time: Number(e.creation_time),
  };
}

function experimentId(raw: string): number {
  // Digits only, and no more than an int8 column (and JavaScript) holds exactly.
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw badParam(`Invalid experiment ID: '${raw}'`);
  return Number(raw);
}

export async function requireExperiment(deps: Deps, rawId: string) {
  const exp = await store.findExperimentById(deps.db, experimentId(rawId));
  if (!exp) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `No Experiment with id=${rawId} exists`);
  return exp;
}

export async function experimentByName(deps: Deps, name: string) {
  const exp = await store.findExperimentByName(deps.db, name);
  if (!exp) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Could not find experiment with name '${name}'`);
  return exp;
}

export async function createExperiment(deps: Deps, name: string, artifactLocation?: string): Promise<string> {
  if (await store.findExperimentByName(deps.db, name)) throw exists(name);
  // Ids are max + 1; two concurrent creates can pick the same id, so the loser retries a few times.
  for (let attempt = 0; ; attempt++) {
    try {
      return await deps.db.transaction().execute(async (trx) => {
        const id = await store.nextExperimentId(trx);
        const now = deps.clock.now();
        await store.insertExperiment(trx, {
          id,
          name,
          artifact_location: artifactLocation || `mlflow-artifacts:/${id}`,
          lifecycle_stage: 'active',
          creation_time: now,
          last_update_time: now,
        });
        return String(id);
      });
    } catch (err) {
      if (!deps.caps.isUniqueViolation(err)) throw err;
      if (await store.findExperimentByName(deps.db, name)) throw exists(name);
      if (attempt >= 4) throw new MlflowError('TEMPORARILY_UNAVAILABLE', 'concurrent experiment creation; retry');
    }
  }
}

const exists = (name: string) => new MlflowError('RESOURCE_ALREADY_EXISTS', `Experiment '${name}' already exists.`);

const ADJECTIVES = ['abundant', 'bold', 'calm', 'dapper', 'eager', 'fleet', 'gentle', 'honest', 'keen', 'lucky', 'merry', 'nimble', 'proud', 'quiet', 'sassy', 'tasteful'];
const NOUNS = ['ant', 'bat', 'cod', 'deer', 'eel', 'fox', 'gnat', 'hare', 'ibis', 'jay', 'koi', 'lynx', 'mole', 'newt', 'owl', 'panda'];

/** MLflow-style "adjective-noun-N" names for runs and logged models created without one. */
export function runName(hex: string): string {
  const n = parseInt(hex.slice(0, 8), 16);
  return `${ADJECTIVES[n % 16]}-${NOUNS[(n >>> 4) % 16]}-${(n >>> 8) % 1000}`;
}

export function runInfoJson(r: MlflowRunsTable): Json {
  const out: Json = {
    run_uuid: r.run_id,
    experiment_id: String(r.experiment_id),
    run_name: r.run_name,
    user_id: r.user_id,
    status: r.status,
    start_time: Number(r.start_time),
  };
  if (r.end_time !== null && r.end_time !== undefined) out.end_time = Number(r.end_time);
  out.artifact_uri = r.artifact_uri;
  out.lifecycle_stage = r.lifecycle_stage;
  out.run_id = r.run_id;
  return out;
}

export async function runsJson(deps: Deps, runs: MlflowRunsTable[], withInputs = true): Promise<Json[]> {
  const [data, io] = await Promise.all([store.runData(deps.db, runs.map((r) => r.run_id)), runModelIo(deps.db, runs.map((r) => r.run_id))]);
  return runs.map((r) => {
    const d: Json = {};
    const latest = new Map<string, { key: string; value: number; timestamp: number; step: number }>();
    for (const m of data.metrics.filter((x) => x.run_id === r.run_id)) {
      const prev = latest.get(m.key);
      const cur = { key: m.key, value: Number(m.value), timestamp: Number(m.timestamp), step: Number(m.step) };
      if (!prev || cur.step > prev.step || (cur.step === prev.step && cur.timestamp >= prev.timestamp)) latest.set(m.key, cur);
    }
    if (latest.size) d.metrics = [...latest.values()];
    const params = data.params.filter((x) => x.run_id === r.run_id).map((p) => ({ key: p.key, value: p.value }));
    if (params.length) d.params = params;
    const tags = data.tags.filter((x) => x.run_id === r.run_id).map((t) => ({ key: t.key, value: t.value }));
    if (tags.length) d.tags = tags;
    // MLflow 3 adds model inputs and outputs; 2.17 answers `inputs: {}` and no outputs, kept when there are none.
    const models = io.get(r.run_id);
    if (!withInputs) return { info: runInfoJson(r), data: d };
    const out: Json = { info: runInfoJson(r), data: d, inputs: models?.inputs ?? {} };
    if (models?.outputs) out.outputs = models.outputs;
    return out;
  });
}

export async function requireRun(deps: Deps, runId: string) {
  const run = await store.findRun(deps.db, runId);
  if (!run) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Run '${runId}' not found`);
  return run;
}

async function requireActiveRun(deps: Deps, runId: string) {
  const run = await requireRun(deps, runId);
  if (run.lifecycle_stage !== 'active') {
    throw badParam(`The run ${runId} must be in the 'active' state. Current state is ${run.lifecycle_stage}.`);
  }
  return run;
}

export interface CreateRunInput {
  experimentId: string;
  userId: string;
  startTime?: number;
  runName?: string;
  tags: Array<{ key: string; value: string }>;
}

export async function createRun(deps: Deps, input: CreateRunInput): Promise<MlflowRunsTable> {
  const exp = await requireExperiment(deps, input.experimentId);
  if (exp.lifecycle_stage !== 'active') throw badParam(`The experiment ${exp.id} must be in the 'active' state.`);
  const runId = deps.ids.uuid().replace(/-/g, '');
  const name = input.runName || input.tags.find((t) => t.key === 'mlflow.runName')?.value || runName(runId);
  const run: MlflowRunsTable = {
    run_id: runId,
    experiment_id: Number(exp.id),
    run_name: name,
    user_id: input.userId,
    status: 'RUNNING',
    start_time: input.startTime ?? deps.clock.now(),
    end_time: null,
    lifecycle_stage: 'active',
    artifact_uri: `${exp.artifact_location.replace(/\/+$/, '')}/${runId}/artifacts`,
  };
  const tags = [...input.tags.filter((t) => t.key !== 'mlflow.runName'), { key: 'mlflow.runName', value: name }];
  await deps.db.transaction().execute(async (trx) => {
    await store.insertRun(trx, run);
    for (const t of tags) await store.upsertRunTag(trx, runId, validateTagKey(t.key), t.value);
  });
  return run;
}

const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

export async function updateRun(deps: Deps, runId: string, patch: { status?: string; endTime?: number; runName?: string }) {
  const run = await requireActiveRun(deps, runId);
  if (patch.status !== undefined && !RUN_STATUSES.includes(patch.status)) throw badParam(`Invalid run status: ${patch.status}`);
  const next: Partial<MlflowRunsTable> = {};
  if (patch.status) next.status = patch.status;
  if (patch.endTime !== undefined) next.end_time = patch.endTime;
  if (patch.runName) next.run_name = patch.runName;
  await deps.db.transaction().execute(async (trx) => {
    await store.updateRun(trx, runId, next);
    if (patch.runName) await store.upsertRunTag(trx, runId, 'mlflow.runName', patch.runName);
  });
  return { ...run, ...next };
}

export async function setRunLifecycle(deps: Deps, runId: string, stage: 'active' | 'deleted') {
  await requireRun(deps, runId);
  await store.updateRun(deps.db, runId, { lifecycle_stage: stage });
}

export interface Batch {
  params: Array<{ key: string; value: string }>;
  tags: Array<{ key: string; value: string }>;
  metrics: Array<{ key: string; value: number; timestamp: number; step: number }>;
}

/** One transaction for the whole batch; a param may be logged again only with the same value. */
export async function logBatch(deps: Deps, runId: string, batch: Batch) {
  await requireActiveRun(deps, runId);
  for (const p of batch.params) validateTagKey(p.key);
  for (const t of batch.tags) validateTagKey(t.key);
  for (const m of batch.metrics) validateTagKey(m.key);
  await deps.db.transaction().execute(async (trx) => {
    for (const p of batch.params) {
      const existing = await store.findParam(trx, runId, p.key);
      if (existing && existing.value !== p.value) {
        throw badParam(
          `Changing param values is not allowed. Param with key='${p.key}' was already logged with value='${existing.value}' for run ID='${runId}'. Attempted logging new value '${p.value}'.`,
        );
      }
      if (!existing) await store.insertParam(trx, runId, p.key, p.value);
    }
    for (const t of batch.tags) await store.upsertRunTag(trx, runId, t.key, t.value);
    for (const m of batch.metrics) await store.insertMetric(trx, { run_id: runId, ...m });
  });
}

/** Every logged point of one metric, in logging order (metrics/get-history). */
export async function metricHistory(deps: Deps, runId: string, key: string) {
  await requireRun(deps, runId);
  const rows = await store.metricPoints(deps.db, runId, key);
  return rows.map((m) => ({ key: m.key, value: Number(m.value), timestamp: Number(m.timestamp), step: Number(m.step) }));
}

export async function deleteRunTag(deps: Deps, runId: string, key: string) {
  await requireActiveRun(deps, runId);
  if (!(await store.findRunTag(deps.db, runId, key))) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `No tag with name: ${key} in run with id ${runId}`);
  await store.deleteRunTag(deps.db, runId, key);
}

/** log-model appends the model's MLmodel subset to the run tag mlflow.log-model.history. */
export async function logModel(deps: Deps, runId: string, modelJson: string) {
  await requireActiveRun(deps, runId);
  let model: unknown;
  try {
    model = JSON.parse(modelJson);
  } catch {
    throw badParam(`Malformed model info. \n ${modelJson} \n is not a valid JSON.`);
  }
  await deps.db.transaction().execute(async (trx) => {
    const tag = await store.findRunTag(trx, runId, 'mlflow.log-model.history');
    const history = tag ? (JSON.parse(tag.value) as unknown[]) : [];
    history.push(model);
    await store.upsertRunTag(trx, runId, 'mlflow.log-model.history', JSON.stringify(history));
  });
}
