// The bad input users found answering 500 (issue 14, point 7), each now a 4xx naming the field on
// both databases: NUL bytes and unpaired surrogates in any string, integers past their column,
// Infinity/NaN/1e309 wherever a number is read, over-limit MLflow artifact uploads (413).
import { describe, expect, it } from 'vitest';
import { serverExtensions } from '../src/server.js';
import { DATABASES, useRegistry } from './databases.js';
import { registerOnnx, specFor } from './gateway-fixtures.js';
import { call, createModel } from './http.js';

/** A raw JSON body: 1e308 and 1e309 survive as written (JSON.stringify would turn Infinity into null). */
async function rawJson(app: Parameters<typeof call>[0], method: 'POST' | 'PUT', url: string, payload: string) {
  const res = await app.inject({ method, url, headers: { 'content-type': 'application/json' }, payload });
  return { status: res.statusCode, body: JSON.parse(res.body) };
}

describe.each(DATABASES)('bad input is a 400 naming the field (%s)', (kind) => {
  const r = useRegistry(kind, { config: { maxUploadBytes: 1024 }, extensions: serverExtensions().pick('mlflow', 'serving', 'observe', 'notify', 'approvals') });
  const name = 'bad-input';

  it('refuses a NUL byte in a path, a query or a body, in either door', async () => {
    await createModel(r.app, name);
    await registerOnnx(r.app, name, specFor(1));
    const native = [
      await call(r.app, 'GET', '/api/v1/models/a%00b'),
      await call(r.app, 'GET', '/api/v1/events?model=a%00b'),
      await call(r.app, 'PUT', `/api/v1/models/${name}/tags/team`, { value: 'ml\u0000' }),
      await call(r.app, 'GET', `/api/v1/models/${name}/versions?run_id=%00`),
    ];
    expect(native.map((a) => [a.status, a.body.error.message])).toEqual([
      [400, 'invalid request: params/name must not contain a NUL byte'],
      [400, 'invalid request: querystring/model must not contain a NUL byte'],
      [400, 'invalid request: body/value must not contain a NUL byte'],
      [400, 'invalid request: querystring/run_id must not contain a NUL byte'],
    ]);
    const get = await call(r.app, 'GET', '/api/2.0/mlflow/registered-models/get?name=x%00');
    expect(get.status).toBe(400);
    expect(get.body).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'invalid request: querystring/name must not contain a NUL byte' });
    const tag = await call(r.app, 'POST', '/api/2.0/mlflow/registered-models/set-tag', { name, key: 'team', value: 'v\u0000' });
    expect(tag.body).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: "Invalid value for parameter 'value' supplied: it must not contain a NUL byte." });
    const batch = await call(r.app, 'POST', '/api/2.0/mlflow/runs/log-batch', { run_id: 'r', tags: [{ key: 'k', value: 'x\u0000' }] });
    expect([batch.status, batch.body.message]).toEqual([400, "Invalid value for parameter 'tags[0].value' supplied: it must not contain a NUL byte."]);
  });

  it('refuses an unpaired surrogate, which no database would give back as written', async () => {
    const res = await rawJson(r.app, 'POST', '/api/v1/models', '{"name":"x\\ud800y"}');
    expect([res.status, res.body.error.message]).toEqual([400, 'invalid request: body/name must not contain an unpaired surrogate']);
  });

  it('refuses versions past their int4 column and numbers that are not finite', async () => {
    for (const v of ['2147483648', '1e309', 'Infinity']) {
      const res = await call(r.app, 'GET', `/api/v1/models/${name}/versions/${v}`);
      expect(res.status, v).toBe(400);
      expect(res.body.error.message, v).toMatch(/^invalid request: params\/version /);
    }
    const alias = await rawJson(r.app, 'PUT', `/api/v1/models/${name}/aliases/champion`, '{"version":1e308}');
    expect([alias.status, alias.body.error.message]).toEqual([400, 'invalid request: body/version must be <= 2147483647']);
    const rollback = await rawJson(r.app, 'POST', `/api/v1/models/${name}/rollback`, '{"stage":"Production","to_version":1e308,"reason":"x"}');
    expect([rollback.status, rollback.body.error.message]).toEqual([400, 'invalid request: body/to_version must be <= 2147483647']);
    const infinite = await rawJson(r.app, 'PUT', `/api/v1/models/${name}/aliases/champion`, '{"version":1e309}');
    expect([infinite.status, infinite.body.error.message]).toEqual([400, 'invalid request: body/version must be integer']);
    const observed = await rawJson(r.app, 'POST', '/api/v1/gateways/shadow-results', '{"shadow_id":"s","task":"regression","dropped":0,"results":[{"latency_ms":1e309}]}');
    expect([observed.status, observed.body.error.message]).toEqual([400, 'invalid request: body/results/0/latency_ms must be a finite number']);
    // The same version through the MLflow door, and an experiment id past int8.
    const ml = await call(r.app, 'GET', `/api/2.0/mlflow/model-versions/get?name=${name}&version=2147483648`);
    expect([ml.status, ml.body.error_code, ml.body.message]).toEqual([400, 'INVALID_PARAMETER_VALUE', "Parameter 'version' must be an integer between -2147483648 and 2147483647, got '2147483648'."]);
    const exp = await call(r.app, 'GET', '/api/2.0/mlflow/experiments/get?experiment_id=99999999999999999999');
    expect([exp.status, exp.body.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);
    // A number that is not finite, in a JSON body or as MLflow's "NaN"/"Infinity" metric strings.
    const run = await call(r.app, 'POST', '/api/2.0/mlflow/runs/create', { experiment_id: '0' });
    const runId = run.body.run.info.run_id as string;
    const logged = [
      await rawJson(r.app, 'POST', '/api/2.0/mlflow/runs/log-metric', `{"run_id":"${runId}","key":"loss","value":1e309}`),
      await call(r.app, 'POST', '/api/2.0/mlflow/runs/log-metric', { run_id: runId, key: 'loss', value: 'NaN' }),
      await call(r.app, 'POST', '/api/2.0/mlflow/runs/log-batch', { run_id: runId, metrics: [{ key: 'loss', value: '-Infinity', timestamp: 1 }] }),
    ];
    expect(logged.map((a) => [a.status, a.body.error_code])).toEqual(Array(3).fill([400, 'INVALID_PARAMETER_VALUE']));
    expect(logged.map((a) => a.body.message)).toEqual([
      "Invalid value for parameter 'value' supplied: it must be a finite number.",
      'Invalid value "NaN" for parameter \'value\' supplied: it must be a finite number.',
      'Invalid value "-Infinity" for parameter \'value\' supplied: it must be a finite number.',
    ]);
  });

  it('refuses limit=1e309 and limit=Infinity on every list route, and step_seconds=-Infinity', async () => {
    const lists = ['/api/v1/models', '/api/v1/versions', `/api/v1/models/${name}/versions`, '/api/v1/events', '/api/v1/webhooks/deliveries', '/api/v1/approvals'];
    for (const url of lists) {
      for (const limit of ['1e309', 'Infinity']) {
        const res = await call(r.app, 'GET', `${url}?limit=${limit}`);
        expect([res.status, res.body.error.message], `${url}?limit=${limit}`).toEqual([400, 'invalid request: querystring/limit must be a finite number']);
      }
    }
    const metrics = await call(r.app, 'GET', `/api/v1/models/${name}/metrics?step_seconds=-Infinity`);
    expect([metrics.status, metrics.body.error.message]).toEqual([400, 'invalid request: querystring/step_seconds must be a finite number']);
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/metrics?step_seconds=60`)).status).toBe(200);
  });

  it('refuses a Last-Event-ID that is no event id, and a heartbeat reporting one model twice', async () => {
    const stream = await r.app.inject({ method: 'GET', url: '/api/v1/events/stream', headers: { 'last-event-id': '1e309' } });
    expect([stream.statusCode, JSON.parse(stream.body).error.message]).toEqual([400, 'invalid request: headers/last-event-id must be the id of an event this stream sent']);
    const model = { model: name, binding: 'stage:Production', version: 1, state: 'serving' };
    const beat = await call(r.app, 'POST', '/api/v1/gateways/heartbeat', { replica_id: 'gw-1', models: [model, model] });
    expect([beat.status, beat.body.error.message]).toEqual([400, `models: "${name}" is reported twice; a heartbeat reports each model once`]);
  });

  it('answers an MLflow artifact upload over the size limit with 413', async () => {
    const res = await r.app.inject({
      method: 'PUT',
      url: '/api/2.0/mlflow-artifacts/artifacts/1/run/big.bin',
      headers: { 'content-type': 'application/octet-stream' },
      payload: Buffer.alloc(4096, 1),
    });
    expect(res.statusCode).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ error_code: 'RESOURCE_LIMIT_EXCEEDED', message: 'upload exceeds the maximum size of 1024 bytes' });
    const small = await r.app.inject({ method: 'PUT', url: '/api/2.0/mlflow-artifacts/artifacts/1/run/small.bin', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.alloc(16, 1) });
    expect(small.statusCode).toBe(200);
  });
});
