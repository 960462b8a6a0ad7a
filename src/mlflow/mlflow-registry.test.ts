// The model registry REST API 2.0 as MLflow's reference describes it (request/response pairs,
// errors, validation, search grammar, paging), black-box over HTTP on SQLite and PostgreSQL.
import { describe, expect, it } from 'vitest';
import type { App } from '../http/app-types.js';
import { DATABASES, uniqueName, useRegistry } from '../../test/databases.js';
import { call } from '../../test/http.js';
import { serverExtensions } from '../server.js';

type Params = Record<string, unknown>;

/** One MLflow RPC the way the Python client sends it: GET in the query string, others as JSON. */
async function ml(app: App, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', rpc: string, params: Params = {}, prefix = '/api/2.0/mlflow') {
  if (method === 'GET') {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const x of Array.isArray(v) ? v : v === undefined ? [] : [v]) qs.append(k, String(x as string));
    return call(app, 'GET', `${prefix}/${rpc}${qs.size ? `?${qs}` : ''}`);
  }
  return call(app, method, `${prefix}/${rpc}`, params);
}

async function modelWithVersions(app: App, n: number, base = 'mlf') {
  const name = uniqueName(base);
  expect((await ml(app, 'POST', 'registered-models/create', { name })).status).toBe(200);
  for (let i = 0; i < n; i++) {
    const res = await ml(app, 'POST', 'model-versions/create', { name, source: `s3://bucket/${name}/${i + 1}`, run_id: `run${i + 1}` });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
  return name;
}

describe.each(DATABASES)('MLflow registry API on %s', (kind) => {
  const ext = serverExtensions();
  const r = useRegistry(kind, { extensions: ext.pick('mlflow') });

  it('creates a registered model with tags, omits unset fields, and refuses a second one with RESOURCE_ALREADY_EXISTS 400', async () => {
    const name = uniqueName('created');
    const res = await ml(r.app, 'POST', 'registered-models/create', { name, tags: [{ key: 't', value: '1' }, { key: 't', value: '2' }], unknown_field: 1 });
    expect(res.status).toBe(200);
    const m = res.body.registered_model;
    expect(m).toMatchObject({ name, tags: [{ key: 't', value: '2' }] });
    expect(m.creation_timestamp).toBe(m.last_updated_timestamp);
    expect(typeof m.creation_timestamp).toBe('number');
    expect(m).not.toHaveProperty('description');
    expect(m).not.toHaveProperty('latest_versions');
    expect(m).not.toHaveProperty('aliases');
    const again = await ml(r.app, 'POST', 'registered-models/create', { name });
    expect(again).toMatchObject({ status: 400, body: { error_code: 'RESOURCE_ALREADY_EXISTS', message: `Registered Model (name=${name}) already exists.` } });
  });

  it('answers missing, mistyped and badly encoded parameters with INVALID_PARAMETER_VALUE and MLflow messages', async () => {
    expect((await ml(r.app, 'POST', 'registered-models/create', {})).body).toEqual({
      error_code: 'INVALID_PARAMETER_VALUE',
      message: "Missing value for required parameter 'name'. See the API docs for more information about request parameters.",
    });
    const typed = await ml(r.app, 'GET', 'model-versions/get', { name: 'x', version: 'abc' });
    expect(typed).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: "Parameter 'version' must be an integer, got 'abc'." } });
    const numeric = await ml(r.app, 'POST', 'model-versions/transition-stage', { name: 'x', version: 1, stage: 'Production' });
    expect(numeric.body.message).toContain("Invalid value 1 for parameter 'version' supplied: Hint: Value was of type 'int'");
    const noType = await r.app.inject({ method: 'POST', url: '/api/2.0/mlflow/registered-models/create', payload: '{"name":"a"}' });
    expect(noType.statusCode).toBe(400);
    expect(JSON.parse(noType.body)).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Bad Request. Content-Type header is missing.' });
    const wrongType = await r.app.inject({ method: 'POST', url: '/api/2.0/mlflow/registered-models/create', payload: '{"name":"a"}', headers: { 'content-type': 'text/plain' } });
    expect(JSON.parse(wrongType.body).message).toBe("Bad Request. Content-Type must be one of ['application/json'].");
    const badBool = await ml(r.app, 'POST', 'model-versions/transition-stage', { name: 'x', version: '1', stage: 'Staging', archive_existing_versions: 'yes' });
    expect(badBool.body.message).toBe('Invalid boolean value: yes');
  });

  it('accepts double-encoded JSON, DELETE bodies without a Content-Type, and the /ajax-api mount', async () => {
    const name = uniqueName('enc');
    const double = await r.app.inject({ method: 'POST', url: '/api/2.0/mlflow/registered-models/create', payload: JSON.stringify(JSON.stringify({ name })), headers: { 'content-type': 'application/json; charset=utf-8' } });
    expect(double.statusCode).toBe(200);
    expect((await ml(r.app, 'GET', 'registered-models/get', { name }, '/ajax-api/2.0/mlflow')).body.registered_model.name).toBe(name);
    const del = await r.app.inject({ method: 'DELETE', url: '/api/2.0/mlflow/registered-models/delete', payload: JSON.stringify({ name }) });
    expect(del.statusCode).toBe(200);
    expect(JSON.parse(del.body)).toEqual({});
    expect((await ml(r.app, 'GET', 'registered-models/get', { name })).body).toEqual({ error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Registered Model with name=${name} not found` });
  });

  it('keeps the native API error shape beside the MLflow one', async () => {
    const native = await call(r.app, 'GET', '/api/v1/models/does-not-exist');
    expect(native.body.error.code).toBe('not_found');
    const unknown = await call(r.app, 'GET', '/api/2.0/mlflow/registered-models/nope');
    expect(unknown).toMatchObject({ status: 404, body: { error_code: 'ENDPOINT_NOT_FOUND' } });
  });

  it('numbers versions per model, never reuses a deleted number, and starts again at 1 for a re-created model', async () => {
    const name = await modelWithVersions(r.app, 2);
    expect((await ml(r.app, 'DELETE', 'model-versions/delete', { name, version: '2' })).body).toEqual({});
    expect((await ml(r.app, 'GET', 'model-versions/get', { name, version: '2' })).body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    const third = await ml(r.app, 'POST', 'model-versions/create', { name, source: 's3://b/3' });
    expect(third.body.model_version).toMatchObject({ version: '3', current_stage: 'None', status: 'READY', run_id: '', description: '' });
    expect((await ml(r.app, 'DELETE', 'registered-models/delete', { name })).status).toBe(200);
    expect((await ml(r.app, 'DELETE', 'registered-models/delete', { name })).status).toBe(404);
    await ml(r.app, 'POST', 'registered-models/create', { name });
    expect((await ml(r.app, 'POST', 'model-versions/create', { name, source: 's3://b/1' })).body.model_version.version).toBe('1');
  });

  it('deletes a version or model serving Production as MLflow does (200; soft: the native history keeps them)', async () => {
    const name = await modelWithVersions(r.app, 2);
    await ml(r.app, 'POST', 'model-versions/transition-stage', { name, version: '1', stage: 'Production' });
    expect(await ml(r.app, 'DELETE', 'model-versions/delete', { name, version: '1' })).toMatchObject({ status: 200, body: {} });
    expect((await ml(r.app, 'DELETE', 'model-versions/delete', { name, version: '1' })).status).toBe(404);
    await ml(r.app, 'POST', 'model-versions/transition-stage', { name, version: '2', stage: 'Production' });
    expect(await ml(r.app, 'DELETE', 'registered-models/delete', { name })).toMatchObject({ status: 200, body: {} });
    expect((await ml(r.app, 'GET', 'registered-models/get', { name })).status).toBe(404);
  });

  it('transitions case-insensitively, archives only the target stage, and refuses archiving into an inactive stage with 400', async () => {
    const name = await modelWithVersions(r.app, 3);
    await ml(r.app, 'POST', 'model-versions/transition-stage', { name, version: '1', stage: 'production', archive_existing_versions: false });
    await ml(r.app, 'POST', 'model-versions/transition-stage', { name, version: '3', stage: 'StAgInG', archive_existing_versions: false });
    const moved = await ml(r.app, 'POST', 'model-versions/transition-stage', { name, version: '2', stage: 'Production', archive_existing_versions: true });
    expect(moved.body.model_version.current_stage).toBe('Production');
    const stages = async () =>
      Promise.all(['1', '2', '3'].map(async (version) => (await ml(r.app, 'GET', 'model-versions/get', { name, version })).body.model_version.current_stage));
    expect(await stages()).toEqual(['Archived', 'Production', 'Staging']);
    const bad = await ml(r.app, 'POST', 'model-versions/transition-stage', { name, version: '3', stage: 'Prod' });
    expect(bad.body).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid Model Version stage: Prod. Value must be one of None, Staging, Production, Archived.' });
    const inactive = await ml(r.app, 'POST', 'model-versions/transition-stage', { name, version: '3', stage: 'Archived', archive_existing_versions: true });
    expect(inactive).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    const latest = await ml(r.app, 'GET', 'registered-models/get-latest-versions', { name, stages: ['Production', 'staging'] });
    expect(latest.body.model_versions.map((v: { version: string }) => v.version).sort()).toEqual(['2', '3']);
    const all = await ml(r.app, 'POST', 'registered-models/get-latest-versions', { name });
    expect(all.body.model_versions).toHaveLength(3);
    expect((await ml(r.app, 'POST', 'registered-models/get-latest-versions', { name, stages: ['foo'] })).status).toBe(400);
  });

  it('sets, moves, reads and deletes aliases with MLflow rules: reserved names refused, a missing alias is 400, delete is a no-op', async () => {
    const name = await modelWithVersions(r.app, 2);
    expect((await ml(r.app, 'POST', 'registered-models/alias', { name, alias: 'champion', version: '1' })).body).toEqual({});
    expect((await ml(r.app, 'POST', 'registered-models/alias', { name, alias: 'champion', version: '2' })).status).toBe(200);
    const got = await ml(r.app, 'GET', 'registered-models/alias', { name, alias: 'champion' });
    expect(got.body.model_version).toMatchObject({ version: '2', aliases: ['champion'] });
    expect((await ml(r.app, 'GET', 'registered-models/get', { name })).body.registered_model.aliases).toEqual([{ alias: 'champion', version: '2' }]);
    for (const [alias, message] of [
      ['latest', "'latest' alias name (case insensitive) is reserved."],
      ['v12', "Version alias name 'v12' is reserved."],
      ['a.b', "Invalid alias name: 'a.b'. Names may only contain alphanumerics, underscores (_), and dashes (-)."],
    ]) {
      expect((await ml(r.app, 'POST', 'registered-models/alias', { name, alias, version: '1' })).body).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message });
    }
    expect((await ml(r.app, 'POST', 'registered-models/alias', { name, alias: 'x', version: '9' })).status).toBe(404);
    expect((await ml(r.app, 'GET', 'registered-models/alias', { name, alias: 'nope' })).body).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Registered model alias nope not found.' });
    expect((await ml(r.app, 'GET', 'registered-models/alias', { name, alias: 'LATEST' })).body.model_version.version).toBe('2');
    expect((await ml(r.app, 'DELETE', 'registered-models/alias', { name, alias: 'nope' })).body).toEqual({});
    expect((await ml(r.app, 'DELETE', 'registered-models/alias', { name, alias: 'champion' })).status).toBe(200);
    expect((await ml(r.app, 'GET', 'registered-models/alias', { name, alias: 'champion' })).status).toBe(400);
  });

  it('validates tag keys, upserts tags, and treats deleting a missing tag as a no-op', async () => {
    const name = await modelWithVersions(r.app, 1);
    expect((await ml(r.app, 'POST', 'registered-models/set-tag', { name, key: 'k!', value: 'v' })).body.message).toContain(
      'Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).',
    );
    expect((await ml(r.app, 'POST', 'registered-models/set-tag', { name, key: 'a//b', value: 'v' })).status).toBe(400);
    expect((await ml(r.app, 'POST', 'registered-models/set-tag', { name, key: 'k'.repeat(251), value: 'v' })).body.message).toBe("'key' exceeds the maximum length of 250 characters");
    await ml(r.app, 'POST', 'model-versions/set-tag', { name, version: '1', key: 'team', value: 'a' });
    await ml(r.app, 'POST', 'model-versions/set-tag', { name, version: '1', key: 'team', value: 'b' });
    await ml(r.app, 'POST', 'model-versions/set-tag', { name, version: '1', key: 'empty' });
    const v = (await ml(r.app, 'GET', 'model-versions/get', { name, version: '1' })).body.model_version;
    expect(v.tags).toEqual([{ key: 'empty', value: '' }, { key: 'team', value: 'b' }]);
    expect((await ml(r.app, 'DELETE', 'model-versions/delete-tag', { name, version: '1', key: 'missing' })).body).toEqual({});
    expect((await ml(r.app, 'DELETE', 'registered-models/delete-tag', { name, key: 'missing' })).body).toEqual({});
    expect((await ml(r.app, 'POST', 'model-versions/set-tag', { name, version: '7', key: 'a', value: 'b' })).status).toBe(404);
  });

  it('updates descriptions, keeps one when PATCH omits it, and renames a model with its versions', async () => {
    const name = await modelWithVersions(r.app, 1);
    const updated = await ml(r.app, 'PATCH', 'registered-models/update', { name, description: 'fraud model' });
    expect(updated.body.registered_model.description).toBe('fraud model');
    expect((await ml(r.app, 'PATCH', 'registered-models/update', { name })).body.registered_model.description).toBe('fraud model');
    const mv = await ml(r.app, 'PATCH', 'model-versions/update', { name, version: '1', description: 'v1' });
    expect(mv.body.model_version.description).toBe('v1');
    const newName = `${name}-renamed`;
    const renamed = await ml(r.app, 'POST', 'registered-models/rename', { name, new_name: newName });
    expect(renamed.body.registered_model.latest_versions[0].name).toBe(newName);
    expect((await ml(r.app, 'GET', 'registered-models/get', { name })).status).toBe(404);
    expect((await ml(r.app, 'GET', 'model-versions/get', { name: newName, version: '1' })).body.model_version.description).toBe('v1');
    const other = await modelWithVersions(r.app, 0);
    expect((await ml(r.app, 'POST', 'registered-models/rename', { name: other, new_name: newName })).body.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    expect((await ml(r.app, 'POST', 'registered-models/rename', { name: other })).body.message).toContain("'new_name'");
  });

  it('resolves a models:/ source at create time: the copy downloads from the original location', async () => {
    const name = await modelWithVersions(r.app, 2);
    const copy = uniqueName('copy');
    await ml(r.app, 'POST', 'registered-models/create', { name: copy });
    const created = await ml(r.app, 'POST', 'model-versions/create', { name: copy, source: `models:/${name}/2` });
    expect(created.body.model_version).toMatchObject({ source: `models:/${name}/2`, run_id: '', status: 'READY' });
    expect((await ml(r.app, 'GET', 'model-versions/get-download-uri', { name: copy, version: '1' })).body).toEqual({ artifact_uri: `s3://bucket/${name}/2` });
    const missing = await ml(r.app, 'POST', 'model-versions/create', { name: copy, source: 'models:/nope/1' });
    expect(missing).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    const traversal = await ml(r.app, 'POST', 'model-versions/create', { name: copy, source: 's3://b/../etc' });
    expect(traversal.status).toBe(400);
  });
});
