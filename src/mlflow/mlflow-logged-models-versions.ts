// What a registered version shows of the logged model it was made from: MLflow 3's model_id,
// model_params ([{name, value}]) and model_metrics, read for a page of versions in a few queries.
import type { Db } from '../db/tables.js';
import { modelMetricJson } from './mlflow-logged-models-json.js';
import { loggedModelData, loggedModelsOfVersions } from './mlflow-logged-models-store.js';

export interface LoggedModelFields {
  model_id: string;
  model_params?: Array<{ name: string; value: string }>;
  model_metrics?: Array<Record<string, unknown>>;
}

export async function loggedModelFieldsOfVersions(db: Db, versionIds: string[]): Promise<Map<string, LoggedModelFields>> {
  const links = await loggedModelsOfVersions(db, versionIds);
  const out = new Map<string, LoggedModelFields>();
  if (links.length === 0) return out;
  // a version shows the model's params and metrics, not its tags
  const data = await loggedModelData(db, links.map((l) => l.model_id), { params: true, tags: false, metrics: true });
  for (const l of links) {
    const fields: LoggedModelFields = { model_id: l.model_id };
    const params = data.params.filter((p) => p.model_id === l.model_id);
    if (params.length) fields.model_params = params.map((p) => ({ name: p.key, value: p.value }));
    const metrics = data.metrics.filter((m) => m.model_id === l.model_id);
    if (metrics.length) fields.model_metrics = metrics.map(modelMetricJson);
    out.set(l.version_id, fields);
  }
  return out;
}
