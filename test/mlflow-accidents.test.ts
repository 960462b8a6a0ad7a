// Where Stagecraft differed from MLflow by accident (issue 15, point 4), each checked against the
// real MLflow 3 and 2.17.2 servers: 405s, timestamps, source validation, the prompt search scope,
// MLflow 3's messages; and deletes through the MLflow door (200 while serving, soft and audited,
// the gateway stops serving) next to the per-model protected setting that refuses them in both doors.
import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/http/app-types.js';
import { serverExtensions } from '../src/server.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { eventually, registerOnnx, specFor, v2Body, waitConverged } from './gateway-fixtures.js';
import { call, createModel, promote } from './http.js';
import { METHOD_NOT_ALLOWED_HTML } from '../src/mlflow/mlflow-method-not-allowed.js';

const API = '/api/2.0/mlflow';
type H = Record<string, string>;
const post = (app: App, rpc: string, body: unknown, h: H = {}) => call(app, 'POST', `${API}/${rpc}`, body, h);
const del = (app: App, rpc: string, body: unknown, h: H = {}) => call(app, 'DELETE', `${API}/${rpc}`, body, h);
const get = (app: App, rpc: string, q: Record<string, string>, h: H = {}) => call(app, 'GET', `${API}/${rpc}?${new URLSearchParams(q)}`, undefined, h);
const modelJson = async (app: App, name: string) => (await get(app, 'registered-models/get', { name })).body.registered_model;
const versionJson = async (app: App, name: string, version: string) => (await get(app, 'model-versions/get', { name, version })).body.model_version;
const pause = () => new Promise((res) => setTimeout(res, 5));

describe.each(DATABASES)('MLflow behaviour matched on %s', (kind) => {
  const ext = serverExtensions();
  const r = useRegistry(kind, { extensions: ext.pick('serving', 'mlflow', 'approvals') });

  it("answers a wrong method with MLflow's 405 page and Allow header on both mounts; OPTIONS lists the methods", async () => {
    for (const prefix of ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow']) {
      const wrong = await r.app.inject({ method: 'GET', url: `${prefix}/registered-models/create` });
      expect(wrong.statusCode).toBe(405);
      expect(wrong.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(wrong.headers.allow).toBe('OPTIONS, POST');
      expect(wrong.body).toBe(METHOD_NOT_ALLOWED_HTML);
      const put = await r.app.inject({ method: 'PUT', url: `${prefix}/registered-models/get?name=x` });
      expect([put.statusCode, put.headers.allow]).toEqual([405, 'OPTIONS, HEAD, GET']);
      const both = await r.app.inject({ method: 'PATCH', url: `${prefix}/registered-models/alias` });
      expect([both.statusCode, both.headers.allow]).toEqual([405, 'OPTIONS, HEAD, GET, DELETE, POST']);
      const options = await r.app.inject({ method: 'OPTIONS', url: `${prefix}/registered-models/alias` });
      expect([options.statusCode, options.headers.allow]).toEqual([204, 'OPTIONS, HEAD, GET, DELETE, POST']);
      // An unknown endpoint stays the JSON 404 the client reads as ENDPOINT_NOT_FOUND, for GET too.
      const unknown = await r.app.inject({ method: 'GET', url: `${prefix}/no-such-rpc` });
      expect([unknown.statusCode, JSON.parse(unknown.body).error_code]).toEqual([404, 'ENDPOINT_NOT_FOUND']);
    }
  });

  it("moves the model's last update when a version is created, moved or deleted, and the versions' on rename", async () => {
    const name = uniqueName('ts');
    await post(r.app, 'registered-models/create', { name });
    const t0 = (await modelJson(r.app, name)).last_updated_timestamp;
    await pause();
    const v1 = (await post(r.app, 'model-versions/create', { name, source: 's3://b/k' })).body.model_version;
    expect((await modelJson(r.app, name)).last_updated_timestamp).toBe(v1.creation_timestamp);
    expect(v1.creation_timestamp).toBeGreaterThan(t0);
    await post(r.app, 'model-versions/create', { name, source: 's3://b/k' });
    await pause();
    const before = (await modelJson(r.app, name)).last_updated_timestamp;
    expect((await del(r.app, 'model-versions/delete', { name, version: '2' })).status).toBe(200);
    const afterDelete = (await modelJson(r.app, name)).last_updated_timestamp;
    expect(afterDelete).toBeGreaterThan(before);
    await pause();
    // A stage transition moves it too (on PostgreSQL in the stage write's own statement).
    const moved = (await post(r.app, 'model-versions/transition-stage', { name, version: '1', stage: 'Staging', archive_existing_versions: true })).body.model_version;
    expect((await modelJson(r.app, name)).last_updated_timestamp).toBe(moved.last_updated_timestamp);
    expect(moved.last_updated_timestamp).toBeGreaterThan(afterDelete);
    await pause();
    await post(r.app, 'registered-models/rename', { name, new_name: `${name}-r` });
    const renamed = await modelJson(r.app, `${name}-r`);
    const version = await versionJson(r.app, `${name}-r`, '1');
    expect(renamed.last_updated_timestamp).toBeGreaterThan(afterDelete);
    expect(version.last_updated_timestamp).toBe(renamed.last_updated_timestamp);
    expect(version.creation_timestamp).toBe(v1.creation_timestamp);
  });

  it("validates version sources as MLflow's server does, with its messages", async () => {
    const name = uniqueName('src');
    await post(r.app, 'registered-models/create', { name });
    const relative = (s: string) =>
      `Invalid model version source: '${s}'. If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present. Please provide an absolute path.`;
    const local = (s: string) =>
      `Invalid model version source: '${s}'. To use a local path as a model version source, the run_id request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the run_id.`;
    const refused: Array<[string, string]> = [
      ['s3://x', relative('s3://x')],
      ['s3://x/', relative('s3://x/')],
      ['gs://b', relative('gs://b')],
      ['https://h', relative('https://h')],
      ['s3://x?y', relative('s3://x?y')],
      ['s3://x/a/../b', relative('s3://x/a/../b')],
      ['s3://x/a/%2e%2e/b', relative('s3://x/a/%2e%2e/b')],
      ['file:///tmp/p', local('file:///tmp/p')],
      ['file://localhost/tmp/p', local('file://localhost/tmp/p')],
      ['/tmp/p', local('/tmp/p')],
      ['relative/p', local('relative/p')],
      ['file://host/p', 'file://host/p is not a valid remote uri. For remote access on windows, please consider using a different scheme such as SMB (e.g. smb://<hostname>/<path>).'],
    ];
    for (const [source, message] of refused) {
      const res = await post(r.app, 'model-versions/create', { name, source });
      expect([source, res.status, res.body]).toEqual([source, 400, { error_code: 'INVALID_PARAMETER_VALUE', message }]);
    }
    for (const source of ['s3://x/k', 'https://h/p', 'dbfs:/x', 'hdfs://nn/x', 'ftp://h/a']) {
      expect([source, (await post(r.app, 'model-versions/create', { name, source })).status]).toEqual([source, 200]);
    }
    // Prompts (MLflow 3): placeholder sources pass, local paths do not.
    const prompt = uniqueName('prompt');
    const tags = [{ key: 'mlflow.prompt.is_prompt', value: 'true' }];
    await post(r.app, 'registered-models/create', { name: prompt, tags });
    expect((await post(r.app, 'model-versions/create', { name: prompt, source: 'dummy-source', tags })).status).toBe(200);
    expect((await post(r.app, 'model-versions/create', { name: prompt, source: '/etc/passwd', tags })).body.message).toBe(
      "Invalid prompt source: '/etc/passwd'. Local source paths are not allowed for prompts.",
    );
  });

  it("finds prompt versions with is_prompt = 'true'; = 'false' and != 'true' agree (MLflow 3's rule)", async () => {
    const P = 'tags.`mlflow.prompt.is_prompt`';
    const prompt = uniqueName('pq-prompt');
    const plain = uniqueName('pq-plain');
    const tags = [{ key: 'mlflow.prompt.is_prompt', value: 'true' }];
    await post(r.app, 'registered-models/create', { name: prompt, tags });
    await post(r.app, 'model-versions/create', { name: prompt, source: 'dummy-source', tags });
    await post(r.app, 'registered-models/create', { name: plain });
    await post(r.app, 'model-versions/create', { name: plain, source: 's3://b/k' });
    const versions = async (filter: string) =>
      ((await get(r.app, 'model-versions/search', { filter: `name LIKE 'pq-%' AND ${filter}`.replace(/ AND $/, '') })).body.model_versions ?? []).map(
        (v: { name: string }) => v.name,
      );
    const models = async (filter: string) =>
      ((await get(r.app, 'registered-models/search', { filter: `name LIKE 'pq-%' AND ${filter}` })).body.registered_models ?? []).map((m: { name: string }) => m.name);
    expect(await versions(`${P} = 'true'`)).toContain(prompt);
    expect(await versions(`${P} = 'true'`)).not.toContain(plain);
    expect(await versions(`${P} != 'false'`)).toContain(prompt);
    for (const f of [`${P} = 'false'`, `${P} != 'true'`, `${P} LIKE 'tr%'`]) {
      const found = await versions(f);
      expect([f, found.includes(plain), found.includes(prompt)]).toEqual([f, true, false]);
      expect(await models(f)).toEqual(expect.arrayContaining([plain]));
      expect(await models(f)).not.toContain(prompt);
    }
    expect(await models(`${P} = 'true'`)).toContain(prompt);
  });

  it("words errors as MLflow 3 does and never echoes a page token's raw bytes", async () => {
    const search = async (q: Record<string, string>) => (await get(r.app, 'registered-models/search', q)).body.message;
    const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');
    expect(await search({ page_token: 'abc' })).toBe('Invalid page token, could not base64-decode');
    expect(await search({ page_token: '!!!' })).toBe("Invalid page token, decoded value=b''");
    expect(await search({ page_token: b64('hello') })).toBe("Invalid page token, decoded value=b'hello'");
    expect(await search({ page_token: b64(Buffer.from([0xff, 0xfe, 0, 0x61])) })).toBe("Invalid page token, decoded value=b'\\xff\\xfe\\x00a'");
    expect(await search({ page_token: b64('{"offset": 0}') })).toBe("Invalid page token, parsed value={'offset': 0}");
    expect(await search({ page_token: b64('{"offset": "x"}') })).toBe('Invalid page token, not stringable x');
    expect(await search({ max_results: '5000' })).toBe(
      "Invalid value \"5000\" for parameter 'max_results' supplied:  Hint: Value was of type 'str'. See the API docs for more information about request parameters.",
    );
    expect(await search({ filter: "name > 'x'" })).toBe('Invalid comparator for attribute: >');
    expect(await search({ filter: "tags.x > 'a'" })).toBe('Invalid comparator for tag: >');
    expect(await search({ filter: "name IN ('a')" })).toBe("Only the 'run_id' attribute supports comparison with a list of quoted string values.");
    expect(await search({ filter: "name = 'a' OR name = 'b'" })).toBe('Invalid clause(s) in filter string: OR');
    expect(await search({ filter: 'metrics.x > 1' })).toBe("Invalid entity type 'metrics'. Valid entity types are ('attribute', 'tag', 'tags')");
    const versions = async (q: Record<string, string>) => (await get(r.app, 'model-versions/search', q)).body.message;
    expect(await versions({ filter: "version_number LIKE '1'" })).toBe('Invalid comparator for attribute version_number: LIKE');
    expect(await versions({ order_by: 'foo' })).toMatch(/^Invalid attribute key 'foo' specified\. Valid keys are/);
    const name = uniqueName('msg');
    await post(r.app, 'registered-models/create', { name });
    expect((await post(r.app, 'registered-models/set-tag', { name, key: 'a/../b', value: 'x' })).body.message).toBe(
      `Invalid value "a/../b" for parameter 'key' supplied: Names may be treated as files in certain cases, and must not resolve to other names when treated as such. This name would resolve to 'b'`,
    );
    expect((await post(r.app, 'registered-models/create', { name: 'a:b' })).body.message).toBe("Invalid model name 'a:b'. Names cannot contain '/' or ':'.");
  });

  it('deletes a serving version and a serving model through the MLflow door: 200, served no more, history kept', async () => {
    const name = uniqueName('mlflow-del-serving');
    await createModel(r.app, name);
    await registerOnnx(r.app, name, specFor(1));
    await registerOnnx(r.app, name, specFor(2));
    await promote(r.app, name, 2);
    await waitConverged(r.app, name, 2);
    const infer = () => call(r.app, 'POST', `/v2/models/${name}/infer`, v2Body([[1, 2, 3]]));
    expect((await infer()).status).toBe(200);
    // The native door keeps its rule: the Production holder is rolled back or archived first.
    expect((await call(r.app, 'DELETE', `/api/v1/models/${name}/versions/2`)).status).toBe(409);
    expect(await del(r.app, 'model-versions/delete', { name, version: '2' })).toMatchObject({ status: 200, body: {} });
    await eventually(infer, (res) => res.status !== 200, 'the deleted version to stop serving');
    await post(r.app, 'model-versions/transition-stage', { name, version: '1', stage: 'Production' });
    await waitConverged(r.app, name, 1);
    expect(await del(r.app, 'registered-models/delete', { name })).toMatchObject({ status: 200, body: {} });
    await eventually(infer, (res) => res.status === 404, 'the deleted model to stop serving');
    expect(ext.serving.gateway().slots.has(name)).toBe(false);
    const events = (await call(r.app, 'GET', `/api/v1/events?limit=50`)).body.events.filter((e: { model: string | null }) => e.model === name);
    expect(events.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['version.deleted', 'model.deleted']));
  });

  it('refuses deleting or renaming a protected model that serves, in both doors, with a 409 naming the setting', async () => {
    const name = uniqueName('guarded');
    await createModel(r.app, name);
    await registerOnnx(r.app, name, specFor(1));
    await registerOnnx(r.app, name, specFor(2));
    await promote(r.app, name, 1);
    const set = await call(r.app, 'PATCH', `/api/v1/models/${name}`, { protected: true });
    expect(set.body.protected).toBe(true);
    expect((await modelJson(r.app, name)).name).toBe(name);

    const refusals = [
      await del(r.app, 'registered-models/delete', { name }),
      await del(r.app, 'model-versions/delete', { name, version: '1' }),
      await post(r.app, 'registered-models/rename', { name, new_name: `${name}-x` }),
    ];
    for (const res of refusals) {
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ error_code: 'RESOURCE_CONFLICT', message: expect.stringMatching(/is protected and serves \(Production v1\).*stagecraft models unprotect/) });
    }
    const native = [
      await call(r.app, 'DELETE', `/api/v1/models/${name}?reason=cleanup`),
      await call(r.app, 'PATCH', `/api/v1/models/${name}`, { name: `${name}-y` }),
    ];
    for (const res of native) expect([res.status, res.body.error.code, res.body.error.message]).toEqual([409, 'conflict', expect.stringContaining('is protected')]);
    // A version that serves nothing may go; a protected model that serves nothing may go too.
    expect((await del(r.app, 'model-versions/delete', { name, version: '2' })).status).toBe(200);
    // Taking it out of Production is a change of Production: on a protected model it waits for a second deployer (issue 20).
    const out = await post(r.app, 'model-versions/transition-stage', { name, version: '1', stage: 'Archived' });
    expect([out.status, out.body.error_code, out.body.message]).toEqual([409, 'RESOURCE_CONFLICT', expect.stringMatching(/is protected: moving version 1 out of Production .*stagecraft approvals approve \d+/)]);
    const id = (await call(r.app, 'GET', `/api/v1/approvals?model=${name}&status=pending`)).body.approvals[0].id;
    expect((await call(r.app, 'POST', `/api/v1/approvals/${id}/approve`, {}, { 'stagecraft-actor': 'second-deployer' })).status).toBe(200);
    expect((await post(r.app, 'registered-models/rename', { name, new_name: `${name}-z` })).status).toBe(200);
    expect((await call(r.app, 'GET', `/api/v1/models/${name}-z`)).body.protected).toBe(true);
    const cleared = await call(r.app, 'PATCH', `/api/v1/models/${name}-z`, { protected: false });
    expect(cleared.body.protected).toBe(false);
    const audit = (await call(r.app, 'GET', '/api/v1/events?type=model.updated&limit=200')).body.events.filter((e: { model: string }) => [name, `${name}-z`].includes(e.model));
    expect(audit.map((e: { from: string; to: string; details: { field: string } }) => [e.details.field, e.from, e.to])).toEqual(
      expect.arrayContaining([['protected', 'false', 'true'], ['protected', 'true', 'false']]),
    );
  });
});

describe.each(DATABASES)('the protected setting is an admin choice on %s', (kind) => {
  const ext = serverExtensions();
  const r = useRegistry(kind, { extensions: ext.pick('mlflow') });
  const as: Record<string, H> = {};

  beforeAll(async () => {
    const admin = (await call(r.app, 'POST', '/api/v1/tokens', { name: uniqueName('root'), role: 'admin' })).body.token as string;
    as.admin = { authorization: `Bearer ${admin}` };
    const deployer = await call(r.app, 'POST', '/api/v1/tokens', { name: uniqueName('deployer'), role: 'deployer' }, as.admin);
    as.deployer = { authorization: `Bearer ${deployer.body.token}` };
  });

  it('lets admins set and clear it, and nobody else', async () => {
    const name = uniqueName('admin-only');
    await createModel(r.app, name, as.admin);
    const refused = await call(r.app, 'PATCH', `/api/v1/models/${name}`, { protected: true }, as.deployer);
    expect([refused.status, refused.body.error.message]).toEqual([403, 'changing whether a model is protected needs admin']);
    expect((await call(r.app, 'GET', `/api/v1/models/${name}`, undefined, as.deployer)).body.protected).toBe(false);
    expect((await call(r.app, 'PATCH', `/api/v1/models/${name}`, { protected: true }, as.admin)).body.protected).toBe(true);
    // Other fields stay open to their usual roles.
    expect((await call(r.app, 'PATCH', `/api/v1/models/${name}`, { description: 'd' }, as.deployer)).status).toBe(200);
  });
});
