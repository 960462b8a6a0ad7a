// Logged models as MLflow 3's server writes them: {"info": {...}, "data": {...}} with MLflow's key
// order, "" for an unset model_type / source_run_id, tags and params sorted by key, every metric
// point logged with the model's id (with its run and dataset), empty lists left out.
import type { Db } from '../db/tables.js';
import type { MlflowLoggedModelMetricsTable, MlflowLoggedModelsTable } from './mlflow-logged-models-tables.js';
import { loggedModelData, runModelsOf } from './mlflow-logged-models-store.js';

type Json = Record<string, unknown>;

export function modelMetricJson(m: MlflowLoggedModelMetricsTable): Json {
  const out: Json = { key: m.key, value: Number(m.value), timestamp: Number(m.timestamp), step: Number(m.step) };
  if (m.dataset_name) out.dataset_name = m.dataset_name;
  if (m.dataset_digest) out.dataset_digest = m.dataset_digest;
  out.model_id = m.model_id;
  out.run_id = m.run_id;
  return out;
}

export function loggedModelInfoJson(m: MlflowLoggedModelsTable, tags: Array<{ key: string; value: string }>): Json {
  const out: Json = {
    model_id: m.model_id,
    experiment_id: String(m.experiment_id),
    name: m.name,
    creation_timestamp_ms: Number(m.creation_time),
    last_updated_timestamp_ms: Number(m.last_update_time),
    artifact_uri: m.artifact_location,
    status: m.status,
    model_type: m.model_type ?? '',
    source_run_id: m.source_run_id ?? '',
  };
  if (m.status_message) out.status_message = m.status_message;
  if (tags.length) out.tags = tags.map((t) => ({ key: t.key, value: t.value }));
  return out;
}

/** Many models with their params, tags and metrics in three queries. */
export async function loggedModelsJson(db: Db, models: MlflowLoggedModelsTable[]): Promise<Json[]> {
  const data = await loggedModelData(db, models.map((m) => m.model_id));
  return models.map((m) => {
    const mine = <T extends { model_id: string }>(rows: T[]) => rows.filter((r) => r.model_id === m.model_id);
    const d: Json = {};
    const params = mine(data.params);
    if (params.length) d.params = params.map((p) => ({ key: p.key, value: p.value }));
    const metrics = mine(data.metrics);
    if (metrics.length) d.metrics = metrics.map(modelMetricJson);
    return { info: loggedModelInfoJson(m, mine(data.tags)), data: d };
  });
}

export async function loggedModelJson(db: Db, model: MlflowLoggedModelsTable): Promise<Json> {
  const [json] = await loggedModelsJson(db, [model]);
  return json;
}

/** runs/get's model inputs and outputs per run (only runs that have some appear). */
export async function runModelIo(db: Db, runIds: string[]): Promise<Map<string, { inputs?: Json; outputs?: Json }>> {
  const out = new Map<string, { inputs?: Json; outputs?: Json }>();
  for (const r of await runModelsOf(db, runIds)) {
    const entry = out.get(r.run_id) ?? {};
    if (r.direction === 'input') {
      const list = ((entry.inputs ??= { model_inputs: [] }).model_inputs as Json[]);
      list.push({ model_id: r.model_id });
    } else {
      const list = ((entry.outputs ??= { model_outputs: [] }).model_outputs as Json[]);
      list.push({ model_id: r.model_id, step: Number(r.step) });
    }
    out.set(r.run_id, entry);
  }
  return out;
}

/** Python's json.dumps with its default separators (", ", ": ") and ensure_ascii, as MLflow writes tag values. */
export function pyJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (typeof value === 'number' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(pyJsonDumps).join(', ')}]`;
  return `{${Object.entries(value as Json)
    .map(([k, v]) => `${pyJsonDumps(k)}: ${pyJsonDumps(v)}`)
    .join(', ')}}`;
}
