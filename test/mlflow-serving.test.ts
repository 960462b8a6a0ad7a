// What MLflow clients log, register and transition is what the gateway serves: ONNX models logged
// through the artifact proxy answer inference, and MLflow stage transitions (and a native rollback)
// move the answering version. Real ONNX Runtime, real embedded gateway, SQLite and PostgreSQL.
import { describe, expect, it } from 'vitest';
import type { App } from '../src/http/app-types.js';
import { denseModelOnnx } from '../src/onnx/onnx-builder.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { expected, specFor, v2Body, waitConverged } from './gateway-fixtures.js';
import { call } from './http.js';
import { serverExtensions } from '../src/server.js';

const row = [0.3, -1.2, 2.5];
const MLMODEL = 'artifact_path: model\nflavors:\n  onnx:\n    data: model.onnx\n  python_function:\n    data: model.onnx\n    loader_module: mlflow.onnx\n';

async function logAndRegister(app: App, name: string, version: number) {
  const post = (rpc: string, body: unknown) => call(app, 'POST', `/api/2.0/mlflow/${rpc}`, body);
  const run = (await post('runs/create', { experiment_id: '0', user_id: 'alice' })).body.run.info;
  const root = `/api/2.0/mlflow-artifacts/artifacts/${run.artifact_uri.replace('mlflow-artifacts:/', '')}/model`;
  for (const [file, bytes] of [['MLmodel', Buffer.from(MLMODEL)], ['model.onnx', denseModelOnnx(specFor(version))]] as const) {
    const res = await app.inject({ method: 'PUT', url: `${root}/${file}`, payload: bytes, headers: { 'content-type': 'application/octet-stream' } });
    expect(res.statusCode).toBe(200);
  }
  const created = await post('model-versions/create', { name, source: `runs:/${run.run_id}/model`, run_id: run.run_id });
  expect(created.body.model_version.version).toBe(String(version));
}

describe.each(DATABASES)('serving what MLflow registered on %s', (kind) => {
  const ext = serverExtensions();
  const r = useRegistry(kind, { extensions: ext.pick('serving', 'mlflow') });
  const transition = (name: string, version: number) =>
    call(r.app, 'POST', '/api/2.0/mlflow/model-versions/transition-stage', { name, version: String(version), stage: 'Production', archive_existing_versions: true });

  it('serves the version an MLflow transition put in Production, and follows transitions and rollbacks', async () => {
    const name = uniqueName('mlflow-served');
    await call(r.app, 'POST', '/api/2.0/mlflow/registered-models/create', { name });
    await logAndRegister(r.app, name, 1);
    await logAndRegister(r.app, name, 2);
    const infer = () => call(r.app, 'POST', `/v2/models/${name}/infer`, v2Body([row]));

    expect((await transition(name, 1)).status).toBe(200);
    await waitConverged(r.app, name, 1);
    const first = await infer();
    expect(first.headers['stagecraft-model-version']).toBe('1');
    expect(Math.abs(first.body.outputs[0].data[0] - expected(specFor(1), row))).toBeLessThan(1e-5);

    expect((await transition(name, 2)).status).toBe(200);
    await waitConverged(r.app, name, 2);
    const second = await infer();
    expect(second.headers['stagecraft-model-version']).toBe('2');
    expect(Math.abs(second.body.outputs[0].data[0] - expected(specFor(2), row))).toBeLessThan(1e-5);

    const rolled = await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'v2 regressed' });
    expect(rolled.body).toMatchObject({ from_version: 2, to_version: 1 });
    await waitConverged(r.app, name, 1);
    expect((await infer()).headers['stagecraft-model-version']).toBe('1');
    const latest = await call(r.app, 'POST', '/api/2.0/mlflow/registered-models/get-latest-versions', { name, stages: ['Production'] });
    expect(latest.body.model_versions.map((v: { version: string }) => v.version)).toEqual(['1']);
  });
});
