// A version registered from an MLflow 3 logged model, made as the MLflow 3 client makes it, through
// the MLflow REST API: experiment and run, the logged model with params, a metric logged with its
// model_id, a tiny file uploaded through the artifacts proxy, finalize READY, then
// model-versions/create with source models:/m-… and model_id. For the UI's tests (component and e2e).
import { expect } from 'vitest';
import type { App } from '../src/http/app-types.js';
import { call } from './http.js';

const API = '/api/2.0/mlflow';

async function rpc(app: App, method: 'POST' | 'PATCH', path: string, body: unknown) {
  const res = await call(app, method, `${API}${path}`, body);
  expect(res.status, `${path}: ${JSON.stringify(res.body)}`).toBe(200);
  return res.body;
}

export interface SeededLoggedModel {
  modelId: string;
  runId: string;
  version: number;
}

/** Registers `name` (created if new) version N from a fresh logged model called `loggedName`. */
export async function seedLoggedModelVersion(app: App, name: string, loggedName = 'sk-model'): Promise<SeededLoggedModel> {
  const exp = (await rpc(app, 'POST', '/experiments/create', { name: `${name}-exp-${Date.now()}` })).experiment_id as string;
  const runId = (await rpc(app, 'POST', '/runs/create', { experiment_id: exp, start_time: Date.now() })).run.info.run_id as string;
  const created = await rpc(app, 'POST', '/logged-models', {
    experiment_id: exp,
    name: loggedName,
    source_run_id: runId,
    model_type: 'Classifier',
    params: [
      { key: 'C', value: '0.5' },
      { key: 'max_iter', value: '200' },
    ],
    tags: [{ key: 'team', value: 'fraud' }],
  });
  const modelId = created.model.info.model_id as string;
  await rpc(app, 'POST', '/runs/log-metric', { run_id: runId, key: 'accuracy', value: 0.93, timestamp: Date.now(), step: 0, model_id: modelId, dataset_name: 'holdout' });
  const root = `${exp}/models/${modelId}/artifacts`;
  const put = await app.inject({ method: 'PUT', url: `/api/2.0/mlflow-artifacts/artifacts/${root}/MLmodel`, payload: Buffer.from('flavors: {}\n'), headers: { 'content-type': 'application/octet-stream' } });
  expect(put.statusCode, put.body).toBe(200);
  await rpc(app, 'PATCH', `/logged-models/${modelId}`, { model_id: modelId, status: 'LOGGED_MODEL_READY' });
  const exists = await call(app, 'GET', `${API}/registered-models/get?name=${encodeURIComponent(name)}`);
  if (exists.status === 404) await rpc(app, 'POST', '/registered-models/create', { name });
  const mv = await rpc(app, 'POST', '/model-versions/create', { name, source: `models:/${modelId}`, model_id: modelId, run_id: runId });
  return { modelId, runId, version: Number(mv.model_version.version) };
}
