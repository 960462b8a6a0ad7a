// One registry, two doors: what MLflow clients do shows up in Stagecraft's history and serving
// data, and what Stagecraft does (rollback, failed marks, native versions) shows up to MLflow.
// Also the tracking subset and the artifact proxy a log -> register -> load cycle relies on.
import { describe, expect, it } from 'vitest';
import type { App } from '../src/http/app-types.js';
import { denseModelOnnx } from '../src/onnx/onnx-builder.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { call, registerVersion } from './http.js';
import { serverExtensions } from '../src/server.js';

const API = '/api/2.0/mlflow';
const ARTIFACTS = '/api/2.0/mlflow-artifacts/artifacts';

const post = (app: App, rpc: string, body: unknown, headers: Record<string, string> = {}) => call(app, 'POST', `${API}/${rpc}`, body, headers);
const get = (app: App, rpc: string, q: Record<string, string>, headers: Record<string, string> = {}) =>
  call(app, 'GET', `${API}/${rpc}?${new URLSearchParams(q)}`, undefined, headers);

async function put(app: App, path: string, bytes: Buffer | string, headers: Record<string, string> = {}) {
  const res = await app.inject({ method: 'PUT', url: `${ARTIFACTS}/${path}`, payload: Buffer.from(bytes), headers: { 'content-type': 'application/octet-stream', ...headers } });
  expect(res.statusCode, res.body).toBe(200);
}

const MLMODEL_ONNX = `artifact_path: model
flavors:
  onnx:
    data: model.onnx
    onnx_version: 1.12.0
  python_function:
    data: model.onnx
    loader_module: mlflow.onnx
mlflow_version: 2.17.2
`;

/** What mlflow.onnx.log_model does on the wire: create a run, upload the model directory, finish. */
async function logOnnxRun(app: App, artifactDir: string, onnx: Buffer) {
  const run = (await post(app, 'runs/create', { experiment_id: '0', user_id: 'alice', start_time: 1, tags: [] })).body.run.info;
  const root = run.artifact_uri.replace('mlflow-artifacts:/', '');
  await put(app, `${root}/${artifactDir}/MLmodel`, MLMODEL_ONNX, { 'content-type': 'text/plain' });
  await put(app, `${root}/${artifactDir}/model.onnx`, onnx);
  await post(app, 'runs/update', { run_id: run.run_id, run_uuid: run.run_id, status: 'FINISHED', end_time: 2 });
  return run as { run_id: string; artifact_uri: string };
}

async function download(app: App, uri: string) {
  const dir = uri.replace(/^mlflow-artifacts:\/+/, '');
  const listing = JSON.parse((await app.inject({ method: 'GET', url: `${ARTIFACTS}?path=${encodeURIComponent(dir)}` })).body);
  const files: Record<string, Buffer> = {};
  for (const f of listing.files ?? []) {
    if (f.is_dir) continue;
    files[f.path] = (await app.inject({ method: 'GET', url: `${ARTIFACTS}/${dir}/${f.path}` })).rawPayload;
  }
  return files;
}

describe.each(DATABASES)('MLflow and Stagecraft as one registry on %s', (kind) => {
  const ext = serverExtensions();
  const r = useRegistry(kind, { extensions: ext.pick('mlflow') });

  it('logs, registers from runs:/, transitions and loads back the very bytes uploaded; the version serves as ONNX', async () => {
    const onnx = denseModelOnnx({ weights: [1, 2, 3], bias: 0, activation: 'sigmoid', doc: 'two-doors' });
    const run = await logOnnxRun(r.app, 'model', onnx);
    const name = uniqueName('onnx');
    await post(r.app, 'registered-models/create', { name });
    const created = await post(r.app, 'model-versions/create', { name, source: `runs:/${run.run_id}/model` });
    expect(created.body.model_version).toMatchObject({ version: '1', status: 'READY', run_id: run.run_id, source: `runs:/${run.run_id}/model` });
    const moved = await post(r.app, 'model-versions/transition-stage', { name, version: '1', stage: 'Production', archive_existing_versions: true }, { 'stagecraft-actor': 'alice' });
    expect(moved.body.model_version.current_stage).toBe('Production');

    const uri = (await get(r.app, 'model-versions/get-download-uri', { name, version: '1' })).body.artifact_uri;
    expect(uri).toBe(`${run.artifact_uri}/model`);
    const files = await download(r.app, uri);
    expect(Object.keys(files).sort()).toEqual(['MLmodel', 'model.onnx']);
    expect(files['model.onnx'].equals(onnx)).toBe(true);
    expect(files.MLmodel.toString()).toBe(MLMODEL_ONNX);

    const native = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/1`)).body;
    expect(native).toMatchObject({ runtime: 'onnx', stage: 'Production', digest: expect.stringMatching(/^sha256:/) });
    expect(native.signature.inputs[0]).toMatchObject({ type: 'float32', shape: [-1, 3] });
    const history = (await call(r.app, 'GET', `/api/v1/models/${name}/history`)).body;
    expect(history.entries[0]).toMatchObject({ version: 1, actor: 'alice', reason: 'MLflow transition-stage' });
  });

  it('registers a run root holding model/model.onnx as an ONNX version too', async () => {
    const run = await logOnnxRun(r.app, 'model', denseModelOnnx({ weights: [1, 1], bias: 1, activation: 'none' }));
    const name = uniqueName('nested');
    await post(r.app, 'registered-models/create', { name });
    expect((await post(r.app, 'model-versions/create', { name, source: run.artifact_uri, run_id: run.run_id })).status).toBe(200);
    const native = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/1`)).body;
    expect(native.runtime).toBe('onnx');
    expect(native.signature.inputs[0].shape).toEqual([-1, 2]);
  });

  it('serves other flavours through the http runtime when the version names its model server', async () => {
    const name = uniqueName('sklearn');
    await post(r.app, 'registered-models/create', { name });
    const created = await post(r.app, 'model-versions/create', { name, source: 's3://b/sk', tags: [{ key: 'stagecraft.endpoint_url', value: 'http://127.0.0.1:5001/invocations' }] });
    expect(created.status).toBe(200);
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/versions/1`)).body).toMatchObject({ runtime: 'http', endpoint_url: 'http://127.0.0.1:5001/invocations' });
    const bad = await post(r.app, 'model-versions/create', { name, source: 's3://b/sk', tags: [{ key: 'stagecraft.endpoint_url', value: 'ftp://x' }] });
    expect(bad).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
  });

  it('shows a native rollback to MLflow as the stage changes it made', async () => {
    const name = uniqueName('rollback');
    await post(r.app, 'registered-models/create', { name });
    for (const v of ['1', '2']) {
      await post(r.app, 'model-versions/create', { name, source: `s3://b/${v}` });
      await post(r.app, 'model-versions/transition-stage', { name, version: v, stage: 'Production', archive_existing_versions: true });
    }
    const rolled = await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'v2 regressed' });
    expect(rolled.status, JSON.stringify(rolled.body)).toBe(200);
    const v1 = (await get(r.app, 'model-versions/get', { name, version: '1' })).body.model_version;
    const v2 = (await get(r.app, 'model-versions/get', { name, version: '2' })).body.model_version;
    expect([v1.current_stage, v2.current_stage]).toEqual(['Production', 'Archived']);
    const prod = (await post(r.app, 'registered-models/get-latest-versions', { name, stages: ['Production'] })).body.model_versions;
    expect(prod.map((v: { version: string }) => v.version)).toEqual(['1']);
  });

  it('refuses to promote a version Stagecraft marked failed, which the native API still can with force', async () => {
    const name = uniqueName('failed');
    await post(r.app, 'registered-models/create', { name });
    await post(r.app, 'model-versions/create', { name, source: 's3://b/1' });
    await call(r.app, 'POST', `/api/v1/models/${name}/versions/1/health`, { health: 'failed', reason: 'accuracy dropped' });
    const refused = await post(r.app, 'model-versions/transition-stage', { name, version: '1', stage: 'Production', archive_existing_versions: false });
    expect(refused.status).toBe(400);
    expect(refused.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(refused.body.message).toContain('accuracy dropped');
    expect((await post(r.app, 'model-versions/transition-stage', { name, version: '1', stage: 'Archived' })).status).toBe(200);
  });

  it('gives natively registered versions a download URI MLflow clients can load from', async () => {
    const name = uniqueName('native');
    await call(r.app, 'POST', '/api/v1/models', { name });
    await registerVersion(r.app, name, { 'MLmodel': 'flavors: {}\n', 'data/weights.bin': Buffer.from([9, 8, 7]) });
    const uri = (await get(r.app, 'model-versions/get-download-uri', { name, version: '1' })).body.artifact_uri;
    expect(uri).toMatch(/^mlflow-artifacts:\/_stagecraft\/versions\//);
    const top = JSON.parse((await r.app.inject({ method: 'GET', url: `${ARTIFACTS}?path=${encodeURIComponent(uri.slice('mlflow-artifacts:/'.length))}` })).body);
    expect(top.files).toEqual([{ path: 'MLmodel', is_dir: false, file_size: 12 }, { path: 'data', is_dir: true }]);
    const bin = await r.app.inject({ method: 'GET', url: `${ARTIFACTS}/${uri.slice('mlflow-artifacts:/'.length)}/data/weights.bin` });
    expect([...bin.rawPayload]).toEqual([9, 8, 7]);
  });

  it('keeps experiments and runs: Default "0", names unique, params immutable, metrics latest, deleted runs closed', async () => {
    expect((await get(r.app, 'experiments/get', { experiment_id: '0' })).body.experiment).toMatchObject({ experiment_id: '0', name: 'Default', artifact_location: 'mlflow-artifacts:/0', lifecycle_stage: 'active' });
    expect((await get(r.app, 'experiments/get-by-name', { experiment_name: 'nope' })).body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    const exp = uniqueName('exp');
    const id = (await post(r.app, 'experiments/create', { name: exp })).body.experiment_id;
    expect((await post(r.app, 'experiments/create', { name: exp })).body.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    expect((await get(r.app, 'experiments/get-by-name', { experiment_name: exp })).body.experiment.artifact_location).toBe(`mlflow-artifacts:/${id}`);
    expect((await post(r.app, 'experiments/search', { max_results: 1000 })).body.experiments.map((e: { name: string }) => e.name)).toContain(exp);

    const run = (await post(r.app, 'runs/create', { experiment_id: id, user_id: 'bob', run_name: 'first' })).body.run.info;
    expect(run).toMatchObject({ run_name: 'first', status: 'RUNNING', artifact_uri: `mlflow-artifacts:/${id}/${run.run_id}/artifacts` });
    await post(r.app, 'runs/log-batch', { run_id: run.run_id, params: [{ key: 'C', value: '1.0' }], metrics: [{ key: 'acc', value: 0.5, timestamp: 1, step: 0 }] });
    await post(r.app, 'runs/log-metric', { run_id: run.run_id, run_uuid: run.run_id, key: 'acc', value: 0.9, timestamp: 2, step: 1 });
    await post(r.app, 'runs/log-parameter', { run_id: run.run_id, key: 'C', value: '1.0' });
    const changed = await post(r.app, 'runs/log-parameter', { run_id: run.run_id, key: 'C', value: '2.0' });
    expect(changed.body.error_code).toBe('INVALID_PARAMETER_VALUE');
    await post(r.app, 'runs/set-tag', { run_id: run.run_id, key: 'k', value: 'v' });
    await post(r.app, 'runs/delete-tag', { run_id: run.run_id, key: 'k' });
    await post(r.app, 'runs/log-model', { run_id: run.run_id, model_json: JSON.stringify({ artifact_path: 'model', flavors: {} }) });
    const history = (await get(r.app, 'metrics/get-history', { run_id: run.run_id, metric_key: 'acc' })).body.metrics;
    expect(history.map((m: { value: number }) => m.value)).toEqual([0.5, 0.9]);
    const got = (await get(r.app, 'runs/get', { run_id: run.run_id })).body.run;
    expect(got.data.metrics).toEqual([{ key: 'acc', value: 0.9, timestamp: 2, step: 1 }]);
    expect(got.data.params).toEqual([{ key: 'C', value: '1.0' }]);
    expect(got.data.tags.find((t: { key: string }) => t.key === 'k')).toBeUndefined();
    expect(JSON.parse(got.data.tags.find((t: { key: string }) => t.key === 'mlflow.log-model.history').value)).toEqual([{ artifact_path: 'model', flavors: {} }]);
    expect(got.inputs).toEqual({});
    const updated = (await post(r.app, 'runs/update', { run_id: run.run_id, status: 'FINISHED', end_time: 5 })).body.run_info;
    expect(updated).toMatchObject({ status: 'FINISHED', end_time: 5 });
    const found = (await post(r.app, 'runs/search', { experiment_ids: [id] })).body.runs;
    expect(found.map((x: { info: { run_id: string } }) => x.info.run_id)).toEqual([run.run_id]);
    await post(r.app, 'runs/delete', { run_id: run.run_id });
    expect((await post(r.app, 'runs/set-tag', { run_id: run.run_id, key: 'k', value: 'v' })).body.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect((await post(r.app, 'runs/search', { experiment_ids: [id] })).body).toEqual({});
    expect((await get(r.app, 'runs/get', { run_id: 'nope' })).body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('lists artifacts by directory level, answers {} for a file, refuses climbing paths, and 404s a missing file', async () => {
    await put(r.app, 'lst/a/b.txt', 'hello', { 'content-type': 'text/plain' });
    await put(r.app, 'lst/a/b.txt', 'hello again');
    await put(r.app, 'lst/c.bin', Buffer.from([1]));
    const list = async (p: string) => JSON.parse((await r.app.inject({ method: 'GET', url: `${ARTIFACTS}?path=${encodeURIComponent(p)}` })).body);
    expect((await list('lst')).files.slice(0, 2)).toEqual([{ path: 'a', is_dir: true }, { path: 'c.bin', is_dir: false, file_size: 1 }]);
    expect(await list('lst/a/b.txt')).toEqual({});
    expect(await list('missing')).toEqual({});
    const file = await r.app.inject({ method: 'GET', url: `${ARTIFACTS}/lst/a/b.txt` });
    expect(file.body).toBe('hello again');
    expect(file.headers['content-disposition']).toBe('attachment; filename=b.txt');
    await put(r.app, `lst/${encodeURIComponent('modèle "v2".txt')}`, 'accents');
    const accented = await r.app.inject({ method: 'GET', url: `${ARTIFACTS}/lst/${encodeURIComponent('modèle "v2".txt')}` });
    expect(accented.statusCode).toBe(200);
    expect(accented.headers['content-disposition']).toBe(`attachment; filename*=UTF-8''${encodeURIComponent('modèle "v2".txt')}`);
    const climbing = await r.app.inject({ method: 'PUT', url: `${ARTIFACTS}/lst/..%2F..%2Fetc`, payload: 'x' });
    expect(JSON.parse(climbing.body)).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid path' });
    expect((await r.app.inject({ method: 'GET', url: `${ARTIFACTS}/lst/nope` })).statusCode).toBe(404);
    expect((await r.app.inject({ method: 'DELETE', url: `${ARTIFACTS}/lst/a` })).statusCode).toBe(200);
    expect(await list('lst')).toEqual({ files: [{ path: 'c.bin', is_dir: false, file_size: 1 }, { path: 'modèle "v2".txt', is_dir: false, file_size: 7 }] });
  });

  it('records the token holder as the actor when MLflow sends MLFLOW_TRACKING_TOKEN as a bearer token', async () => {
    const token = (await call(r.app, 'POST', '/api/v1/tokens', { name: 'ci-bot', role: 'deployer' })).body.token;
    const auth = { authorization: `Bearer ${token}` };
    const name = uniqueName('tok');
    await post(r.app, 'registered-models/create', { name }, auth);
    await post(r.app, 'model-versions/create', { name, source: 's3://b/1' }, auth);
    await post(r.app, 'model-versions/transition-stage', { name, version: '1', stage: 'Staging' }, auth);
    const history = (await call(r.app, 'GET', `/api/v1/models/${name}/history?stage=Staging`, undefined, auth)).body;
    expect(history.entries[0].actor).toBe('ci-bot');
    const anonymous = await get(r.app, 'registered-models/get', { name });
    expect(anonymous).toMatchObject({ status: 401, body: { error_code: 'UNAUTHENTICATED' } });
  });
});
