// MLflow 3's LoggedModel API over HTTP, on SQLite and PostgreSQL: every route, with the shapes the
// real MLflow 3 server answered (recorded with a logging proxy in front of it; the deliberate
// differences are in docs/mlflow-compat.md), the run-side calls around them, versions registered
// from a logged model, and the native view and models:/m-<id> resolution.
import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/http/app-types.js';
import { serverExtensions } from '../src/server.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { call } from './http.js';

const API = '/api/2.0/mlflow';
const AJAX = '/ajax-api/2.0/mlflow';
const ARTIFACTS = '/api/2.0/mlflow-artifacts/artifacts';

async function put(app: App, path: string, bytes: string) {
  const res = await app.inject({ method: 'PUT', url: `${ARTIFACTS}/${path}`, payload: Buffer.from(bytes), headers: { 'content-type': 'application/octet-stream' } });
  expect(res.statusCode, res.body).toBe(200);
}

describe.each(DATABASES)('the MLflow 3 LoggedModel API on %s', (kind) => {
  const r = useRegistry(kind, { extensions: serverExtensions().pick('mlflow') });
  const rpc = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, body?: unknown, base = API) => call(r.app, method, `${base}${path}`, body);
  let exp = '';
  let run = '';
  let model = '';
  let root = '';

  beforeAll(async () => {
    exp = (await rpc('POST', '/experiments/create', { name: uniqueName('lm') })).body.experiment_id;
    run = (await rpc('POST', '/runs/create', { experiment_id: exp, start_time: 1 })).body.run.info.run_id;
    const created = await rpc('POST', '/logged-models', {
      experiment_id: exp,
      name: 'model',
      source_run_id: run,
      model_type: 'Classifier',
      params: [{ key: 'b', value: '2' }, { key: 'C', value: '1' }],
      tags: [{ key: 'z', value: 'zz' }, { key: 'k', value: 'v' }],
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    model = created.body.model.info.model_id;
    root = `${exp}/models/${model}/artifacts`;
  });

  it('creates a PENDING model under the experiment, in MLflow 3 shape (key order, sorted tags and params, "" for unset)', async () => {
    expect(model).toMatch(/^m-[0-9a-f]{32}$/);
    const got = await rpc('GET', `/logged-models/${model}`);
    expect(got.status).toBe(200);
    const info = got.body.model.info;
    expect(Object.keys(info)).toEqual(['model_id', 'experiment_id', 'name', 'creation_timestamp_ms', 'last_updated_timestamp_ms', 'artifact_uri', 'status', 'model_type', 'source_run_id', 'tags']);
    expect(info).toMatchObject({ experiment_id: exp, name: 'model', artifact_uri: `mlflow-artifacts:/${root}`, status: 'LOGGED_MODEL_PENDING', model_type: 'Classifier', source_run_id: run });
    expect(info.tags).toEqual([{ key: 'k', value: 'v' }, { key: 'z', value: 'zz' }]);
    expect(got.body.model.data).toEqual({ params: [{ key: 'C', value: '1' }, { key: 'b', value: '2' }] });

    // The same under /ajax-api; a model without a name gets one, and unset fields are "".
    const bare = await rpc('POST', '/logged-models', { experiment_id: exp }, AJAX);
    expect(bare.body.model.info).toMatchObject({ model_type: '', source_run_id: '' });
    expect(bare.body.model.info.name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
    expect(bare.body.model.data).toEqual({});
    await rpc('DELETE', `/logged-models/${bare.body.model.info.model_id}`);
  });

  it('refuses what MLflow refuses, with its codes and messages', async () => {
    expect((await rpc('POST', '/logged-models', { name: 'x' })).body).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("'experiment_id'") });
    expect((await rpc('POST', '/logged-models', { experiment_id: '999999' })).status).toBe(404);
    const badName = await rpc('POST', '/logged-models', { experiment_id: exp, name: 'a/b' });
    expect(badName.status).toBe(400);
    expect(badName.body.message).toContain("Invalid model name ('a/b') provided");
    const missing = await rpc('GET', '/logged-models/m-00000000000000000000000000000000');
    expect(missing).toMatchObject({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: "Logged model with ID 'm-00000000000000000000000000000000' not found." } });
  });

  it('logs params (immutable), sets and deletes tags', async () => {
    expect((await rpc('POST', `/logged-models/${model}/params`, { model_id: model, params: [{ key: 'c', value: '3' }] })).status).toBe(200);
    expect((await rpc('POST', `/logged-models/${model}/params`, { model_id: model, params: [{ key: 'c', value: '3' }] })).status).toBe(200);
    const changed = await rpc('POST', `/logged-models/${model}/params`, { model_id: model, params: [{ key: 'c', value: '4' }] });
    expect(changed).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect((await rpc('PATCH', `/logged-models/${model}/tags`, { tags: [{ key: 't1', value: 'v1' }] })).body).toEqual({});
    expect((await rpc('DELETE', `/logged-models/${model}/tags/t1`)).body).toEqual({});
    const absent = await rpc('DELETE', `/logged-models/${model}/tags/nope`);
    expect(absent).toMatchObject({ status: 404, body: { message: `No tag with key 'nope' found for model with ID '${model}'.` } });
    const tags = (await rpc('GET', `/logged-models/${model}`)).body.model.info.tags.map((t: { key: string }) => t.key);
    expect(tags).toEqual(['k', 'z']);
  });

  it('keeps metrics logged with a model_id and the runs model inputs and outputs', async () => {
    await rpc('POST', '/runs/log-metric', { run_id: run, key: 'acc', value: 0.5, timestamp: 10, step: 1, model_id: model, dataset_name: 'ds', dataset_digest: 'abc' });
    await rpc('POST', '/runs/log-batch', { run_id: run, metrics: [{ key: 'loss', value: 0.1, timestamp: 11, step: 2, model_id: model }, { key: 'plain', value: 1, timestamp: 11, step: 0 }] });
    expect((await rpc('POST', '/runs/log-metric', { run_id: run, key: 'acc', value: 0.1, timestamp: 1, step: 0, model_id: 'm-nope' })).status).toBe(200);
    expect((await rpc('POST', '/runs/outputs', { run_id: run, models: [{ model_id: model, step: 3 }] })).body).toEqual({});
    expect((await rpc('POST', '/runs/log-inputs', { run_id: run, models: [{ model_id: model }] })).body).toEqual({});
    const data = (await rpc('GET', `/logged-models/${model}`)).body.model.data;
    expect(data.metrics).toEqual([
      { key: 'acc', value: 0.5, timestamp: 10, step: 1, dataset_name: 'ds', dataset_digest: 'abc', model_id: model, run_id: run },
      { key: 'loss', value: 0.1, timestamp: 11, step: 2, model_id: model, run_id: run },
    ]);
    const got = (await rpc('GET', `/runs/get?run_id=${run}`)).body.run;
    expect(got.inputs).toEqual({ model_inputs: [{ model_id: model }] });
    expect(got.outputs).toEqual({ model_outputs: [{ model_id: model, step: 3 }] });
    expect(got.data.metrics.map((m: { key: string }) => m.key).sort()).toEqual(['acc', 'loss', 'plain']);
  });

  it('lists and serves the files uploaded to its location; finalize records READY and the digest', async () => {
    expect((await rpc('GET', `/logged-models/${model}/artifacts/directories`)).body).toEqual({ root_uri: `mlflow-artifacts:/${root}` });
    await put(r.app, `${root}/MLmodel`, 'flavors: {}\n');
    await put(r.app, `${root}/sub/f.txt`, 'hello');
    expect((await rpc('GET', `/logged-models/${model}/artifacts/directories`)).body.files).toEqual([
      { path: 'MLmodel', is_dir: false, file_size: 12 },
      { path: 'sub', is_dir: true },
    ]);
    expect((await rpc('GET', `/logged-models/${model}/artifacts/directories?artifact_directory_path=sub`)).body.files).toEqual([{ path: 'sub/f.txt', is_dir: false, file_size: 5 }]);
    expect((await rpc('GET', `/logged-models/${model}/artifacts/directories?artifact_directory_path=../x`)).status).toBe(400);
    const file = await r.app.inject({ method: 'GET', url: `${AJAX}/logged-models/${model}/artifacts/files?artifact_file_path=sub/f.txt` });
    expect([file.statusCode, file.body]).toEqual([200, 'hello']);
    expect((await rpc('GET', `/logged-models/${model}/artifacts/files?artifact_file_path=nope`, undefined, AJAX)).status).toBe(404);
    expect((await rpc('GET', `/logged-models/${model}/artifacts/files`, undefined, AJAX)).status).toBe(400);

    const bad = await rpc('PATCH', `/logged-models/${model}`, { model_id: model, status: 'NOPE' });
    expect(bad.body.message).toContain(`Invalid value "NOPE" for parameter 'status' supplied`);
    expect((await rpc('PATCH', `/logged-models/${model}`, { model_id: model })).body.message).toContain("'status'");
    expect((await rpc('PATCH', `/logged-models/${model}`, { model_id: model, status: 3 })).body.model.info.status).toBe('LOGGED_MODEL_UPLOAD_FAILED');
    const ready = await rpc('PATCH', `/logged-models/${model}`, { model_id: model, status: 'LOGGED_MODEL_READY' });
    expect(ready.body.model.info.status).toBe('LOGGED_MODEL_READY');
    expect(ready.body.model.info.last_updated_timestamp_ms).toBeGreaterThanOrEqual(ready.body.model.info.creation_timestamp_ms);
    const native = (await call(r.app, 'GET', `/api/v1/logged-models/${model}`)).body;
    expect(native.ready_digest).toMatch(/^sha256:/);
    expect(native.digest).toBe(native.ready_digest);
    expect(native.files.map((f: { path: string }) => f.path)).toEqual(['MLmodel', 'sub/f.txt']);
  });

  it('searches with MLflow 3 grammar, order and page tokens', async () => {
    const e2 = (await rpc('POST', '/experiments/create', { name: uniqueName('lm-search') })).body.experiment_id;
    const ids: Record<string, string> = {};
    for (const [name, acc, alpha] of [['one', 0.7, '1'], ['two', 0.9, '2'], ['three', 0.8, '2']] as const) {
      const m = (await rpc('POST', '/logged-models', { experiment_id: e2, name, source_run_id: run, params: [{ key: 'alpha', value: alpha }], tags: [{ key: 'team', value: name === 'one' ? 'a' : 'b' }] })).body.model.info.model_id;
      ids[name] = m;
      await rpc('POST', '/runs/log-metric', { run_id: run, key: 'acc', value: acc, timestamp: 5, step: 0, model_id: m, dataset_name: name === 'two' ? 'test' : 'train' });
    }
    await rpc('PATCH', `/logged-models/${ids.two}`, { model_id: ids.two, status: 'LOGGED_MODEL_READY' });
    const search = async (body: Record<string, unknown>) => {
      const res = await rpc('POST', '/logged-models/search', { experiment_ids: [e2], ...body });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body as { models?: Array<{ info: { name: string } }>; next_page_token?: string };
    };
    const names = (b: { models?: Array<{ info: { name: string } }> }) => (b.models ?? []).map((m) => m.info.name);
    expect(names(await search({}))).toEqual(['three', 'two', 'one']);
    expect(names(await search({ filter: "name = 'two'" }))).toEqual(['two']);
    expect(names(await search({ filter: "name LIKE 't%'", order_by: [{ field_name: 'name', ascending: true }] }))).toEqual(['three', 'two']);
    expect(names(await search({ filter: "params.alpha = '2' AND tags.team = 'b'" }))).toEqual(['three', 'two']);
    expect(names(await search({ filter: 'metrics.acc > 0.75', order_by: [{ field_name: 'metrics.acc', ascending: false }] }))).toEqual(['two', 'three']);
    expect(names(await search({ filter: 'metrics.acc > 0.75', datasets: [{ dataset_name: 'train' }] }))).toEqual(['three']);
    expect(names(await search({ filter: "status = 'LOGGED_MODEL_READY'" }))).toEqual(['two']);
    expect(names(await search({ filter: `source_run_id = '${run}' AND model_id IN ('${ids.one}', '${ids.three}')` }))).toEqual(['three', 'one']);
    expect(names(await search({ filter: 'creation_timestamp > 0', order_by: [{ field_name: 'creation_timestamp' }] }))).toEqual(['one', 'two', 'three']);

    const first = await search({ max_results: 2 });
    expect(names(first)).toEqual(['three', 'two']);
    expect(JSON.parse(Buffer.from(first.next_page_token!, 'base64').toString())).toEqual({ experiment_ids: [e2], filter_string: null, order_by: null, offset: 2 });
    const second = await search({ max_results: 2, page_token: first.next_page_token });
    expect([names(second), second.next_page_token]).toEqual([['one'], undefined]);
    const mismatch = await rpc('POST', '/logged-models/search', { experiment_ids: [e2], filter: "name = 'x'", page_token: first.next_page_token });
    expect(mismatch.body.message).toContain('Filter string in the page token does not match');
    for (const body of [{ page_token: 'garbage!!' }, { filter: "foo = 'x'" }, { filter: "metrics.acc LIKE 'x'" }, { order_by: [{ field_name: 'params.a' }] }, { order_by: [{ field_name: 'bogus' }] }]) {
      const res = await rpc('POST', '/logged-models/search', { experiment_ids: [e2], ...body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.message).not.toContain('garbage');
    }
    expect((await rpc('POST', '/logged-models/search', {})).body.message).toContain("'experiment_ids'");
  });

  it('registers versions from a logged model: model_id, params, metrics, storage location, run, the mlflow.modelVersions tag', async () => {
    const name = uniqueName('from-lm');
    await rpc('POST', '/registered-models/create', { name });
    const v1 = await rpc('POST', '/model-versions/create', { name, source: `models:/${model}`, model_id: model, run_id: run });
    expect(v1.status, JSON.stringify(v1.body)).toBe(200);
    expect(v1.body.model_version).toMatchObject({ version: '1', source: `models:/${model}`, run_id: run, status: 'READY', model_id: model });
    expect(v1.body.model_version.model_params).toEqual([{ name: 'C', value: '1' }, { name: 'b', value: '2' }, { name: 'c', value: '3' }]);
    expect(v1.body.model_version.model_metrics.map((m: { key: string }) => m.key)).toEqual(['acc', 'loss']);
    expect((await rpc('GET', `/model-versions/get-download-uri?name=${name}&version=1`)).body).toEqual({ artifact_uri: `mlflow-artifacts:/${root}` });
    // runs:/<run>/<logged model name> means the model the run logged by that name (MLflow 3).
    const v2 = await rpc('POST', '/model-versions/create', { name, source: `runs:/${run}/model` });
    expect(v2.body.model_version).toMatchObject({ version: '2', model_id: model, run_id: run });
    // registered-models/get's latest versions carry the logged model's fields too (its few-query read).
    const two = (await rpc('GET', `/model-versions/get?name=${name}&version=2`)).body.model_version;
    expect(two).toMatchObject({ model_id: model, model_params: v1.body.model_version.model_params, model_metrics: v1.body.model_version.model_metrics });
    expect((await rpc('GET', `/registered-models/get?name=${name}`)).body.registered_model.latest_versions).toEqual([two]);
    const tag = (await rpc('GET', `/logged-models/${model}`)).body.model.info.tags.find((t: { key: string }) => t.key === 'mlflow.modelVersions');
    expect(tag.value).toBe(`[{"name": "${name}", "version": 1}, {"name": "${name}", "version": 2}]`);
    // The version holds the logged model's bytes, like any version.
    const native = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/1`)).body;
    expect(native.digest).toBe((await call(r.app, 'GET', `/api/v1/logged-models/${model}`)).body.digest);
    const bad = await rpc('POST', '/model-versions/create', { name, source: 'models:/m-nope', model_id: 'm-nope' });
    expect(bad).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect((await rpc('POST', '/model-versions/create', { name, source: `models:/${model}`, model_id: 'm-nope' })).status).toBe(404);

    // Natively: the logged model names its versions, and models:/m-<id> resolves to the newest.
    const view = (await call(r.app, 'GET', `/api/v1/logged-models/${model}`)).body;
    expect(view).toMatchObject({ model_id: model, source_run_id: run, experiment_id: exp, status: 'LOGGED_MODEL_READY', params: { C: '1', b: '2', c: '3' } });
    expect(view.versions).toEqual([{ name, version: 2 }, { name, version: 1 }]);
    const resolved = await call(r.app, 'GET', `/api/v1/resolve?uri=${encodeURIComponent(`models:/${model}`)}`);
    expect(resolved.body).toMatchObject({ name, version: 2, model_version: { version: 2 } });
  });

  it('models:/m-<id> that names nothing registered, or nothing at all, is a 404', async () => {
    const lone = (await rpc('POST', '/logged-models', { experiment_id: exp, name: 'lone' })).body.model.info.model_id;
    expect((await call(r.app, 'GET', `/api/v1/resolve?uri=models:/${lone}`)).status).toBe(404);
    expect((await call(r.app, 'GET', '/api/v1/resolve?uri=models:/m-00000000000000000000000000000000')).status).toBe(404);
    expect((await call(r.app, 'GET', '/api/v1/logged-models/m-00000000000000000000000000000000')).status).toBe(404);
  });

  it('deletes softly: not found or searched afterwards, unless asked for; deleting again is a no-op', async () => {
    const doomed = (await rpc('POST', '/logged-models', { experiment_id: exp, name: 'doomed' })).body.model.info.model_id;
    expect((await rpc('DELETE', `/logged-models/${doomed}`)).body).toEqual({});
    expect((await rpc('DELETE', `/logged-models/${doomed}`)).status).toBe(200);
    expect((await rpc('GET', `/logged-models/${doomed}`)).status).toBe(404);
    expect((await rpc('GET', `/logged-models/${doomed}?allow_deleted=true`)).body.model.info.name).toBe('doomed');
    expect((await rpc('POST', '/logged-models/search', { experiment_ids: [exp], filter: "name = 'doomed'" })).body).toEqual({});
    expect((await rpc('PATCH', `/logged-models/${doomed}/tags`, { tags: [{ key: 'a', value: 'b' }] })).status).toBe(404);
    expect((await call(r.app, 'GET', `/api/v1/logged-models/${doomed}`)).body.deleted).toBe(true);
  });
});
