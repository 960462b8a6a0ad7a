import { describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { expected, registerOnnx, specFor, v2Body, waitConverged } from './gateway-fixtures.js';
import { call, createModel, promote } from './http.js';
import { serverExtensions } from '../src/server.js';

const close = (a: number, b: number) => Math.abs(a - b) < 1e-5;

describe.each(DATABASES)('serving protocols on %s', (kind) => {
  const ext = serverExtensions();
  const r = useRegistry(kind, { extensions: ext.pick('serving') });
  const spec = specFor(1);
  const rows = [
    [1, 2, 3],
    [-0.5, 0.25, 4],
  ];
  let model = '';

  async function served() {
    model = uniqueName('credit');
    await createModel(r.app, model);
    await registerOnnx(r.app, model, spec, { tags: { 'stagecraft.feature_names': 'age,income,debt' } });
    await promote(r.app, model, 1);
    await waitConverged(r.app, model, 1);
    return model;
  }

  it('answers Open Inference Protocol v2 with the hand-computed probabilities and the answering version', async () => {
    const m = await served();
    const res = await call(r.app, 'POST', `/v2/models/${m}/infer`, v2Body(rows));
    expect(res.status).toBe(200);
    expect(res.headers['stagecraft-model-version']).toBe('1');
    expect(res.headers['stagecraft-request-id']).toBeTruthy();
    expect(res.body).toMatchObject({ model_name: m, model_version: '1', outputs: [{ name: 'probability', shape: [2, 1], datatype: 'FP32' }] });
    res.body.outputs[0].data.forEach((p: number, i: number) => expect(close(p, expected(spec, rows[i]))).toBe(true));
    const explicit = await call(r.app, 'POST', `/v2/models/${m}/versions/1/infer`, v2Body([rows[0]]));
    expect(close(explicit.body.outputs[0].data[0], expected(spec, rows[0]))).toBe(true);
    expect((await call(r.app, 'GET', `/v2/models/${m}/ready`)).status).toBe(200);
    const meta = (await call(r.app, 'GET', `/v2/models/${m}`)).body;
    expect(meta.inputs).toEqual([{ name: 'input', datatype: 'FP32', shape: [-1, 3] }]);
    expect((await call(r.app, 'GET', `/v2/models/${m}/versions/1`)).body.parameters).toEqual({ binding: 'stage:Production', version: 1 });
    expect((await call(r.app, 'GET', `/v2/models/${m}/versions/1/ready`)).status).toBe(200);
    expect((await call(r.app, 'GET', `/v2/models/${m}/versions/9/ready`)).status).toBe(503);
    const badVersion = await call(r.app, 'POST', `/v2/models/${m}/versions/one/infer`, v2Body([rows[0]]));
    expect(badVersion).toMatchObject({ status: 400, body: { error: 'version "one" is not a number' } });
    const missingVersion = await call(r.app, 'POST', `/v2/models/${m}/versions/9/infer`, v2Body([rows[0]]));
    expect(missingVersion.status).toBe(404);
    expect(missingVersion.body.error).toContain('no version 9');
    expect((await call(r.app, 'GET', '/v2/health/live')).status).toBe(200);
    expect((await call(r.app, 'GET', '/v2/health/ready')).status).toBe(200);
  });

  it('answers MLflow scoring in all four input formats, reordering named columns by the feature names', async () => {
    const m = await served();
    const want = rows.map((row) => expected(spec, row));
    const bodies = [
      { dataframe_split: { columns: ['age', 'income', 'debt'], data: rows } },
      { dataframe_split: { columns: ['debt', 'age', 'income'], data: rows.map(([a, i, d]) => [d, a, i]) } },
      { dataframe_records: rows.map(([age, income, debt]) => ({ income, debt, age })) },
      { instances: rows },
      { inputs: rows },
    ];
    for (const body of bodies) {
      const res = await call(r.app, 'POST', `/models/${m}/invocations`, body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.headers['stagecraft-model-version']).toBe('1');
      res.body.predictions.forEach((p: number, i: number) => expect(close(p, want[i])).toBe(true));
    }
  });

  it('answers TF Serving predict by binding, version and label, and reports version status', async () => {
    const m = await served();
    await call(r.app, 'PUT', `/api/v1/models/${m}/aliases/champion`, { version: 1 });
    for (const path of [`${m}:predict`, `${m}/versions/1:predict`, `${m}/labels/champion:predict`, `${m}/labels/production:predict`]) {
      const res = await call(r.app, 'POST', `/v1/models/${path}`, { instances: rows });
      expect(res.status, `${path} ${JSON.stringify(res.body)}`).toBe(200);
      res.body.predictions.forEach((p: number[], i: number) => expect(close(p[0], expected(spec, rows[i]))).toBe(true));
    }
    const columnar = await call(r.app, 'POST', `/v1/models/${m}:predict`, { inputs: rows });
    expect(columnar.body.outputs).toHaveLength(2);
    const status = await call(r.app, 'GET', `/v1/models/${m}`);
    expect(status.body.model_version_status).toContainEqual({ version: '1', state: 'AVAILABLE', status: { error_code: 'OK', error_message: '' } });
  });

  it('refuses a wrong input name, shape or type with a 400 that says which', async () => {
    const m = await served();
    const wrongName = await call(r.app, 'POST', `/v2/models/${m}/infer`, v2Body(rows, 'features'));
    expect(wrongName.status).toBe(400);
    expect(wrongName.body.error).toContain('unknown input "features"');
    const wrongShape = await call(r.app, 'POST', `/v2/models/${m}/infer`, { inputs: [{ name: 'input', shape: [1, 2], datatype: 'FP32', data: [1, 2] }] });
    expect(wrongShape.status).toBe(400);
    expect(wrongShape.body.error).toContain('dimension 1 must be 3');
    const wrongType = await call(r.app, 'POST', `/v2/models/${m}/infer`, { inputs: [{ name: 'input', shape: [1, 3], datatype: 'INT64', data: [1, 2, 3] }] });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.error).toContain('type int64, expected float32');
    const badValue = await call(r.app, 'POST', `/models/${m}/invocations`, { instances: [[1, 'x', 3]] });
    expect(badValue.status).toBe(400);
    expect(badValue.body).toMatchObject({ error_code: 'BAD_REQUEST' });
    const tooFew = await call(r.app, 'POST', `/models/${m}/invocations`, { dataframe_split: { columns: ['a', 'b'], data: [[1, 2]] } });
    expect(tooFew.status).toBe(400);
    expect(tooFew.body.message).toContain('expects 3 features');
    const unknown = await call(r.app, 'POST', `/v2/models/nope-${m}/infer`, v2Body(rows));
    expect(unknown.status).toBe(404);
  });

  it('serves from an alias once the binding says so, and audits the change', async () => {
    const m = await served();
    const spec2 = specFor(2);
    await registerOnnx(r.app, m, spec2);
    await call(r.app, 'PUT', `/api/v1/models/${m}/aliases/champion`, { version: 2 });
    const missing = await call(r.app, 'PUT', `/api/v1/models/${m}/binding`, { alias: 'nobody' });
    expect(missing.status).toBe(404);
    const set = await call(r.app, 'PUT', `/api/v1/models/${m}/binding`, { alias: 'champion', reason: 'A/B winner' });
    expect(set.status).toBe(200);
    expect(set.body).toEqual({ model: m, binding: 'alias:champion', target_version: 2 });
    await waitConverged(r.app, m, 2);
    const res = await call(r.app, 'POST', `/v2/models/${m}/infer`, v2Body([rows[0]]));
    expect(res.headers['stagecraft-model-version']).toBe('2');
    expect(close(res.body.outputs[0].data[0], expected(spec2, rows[0]))).toBe(true);
    const events = (await call(r.app, 'GET', `/api/v1/events?model=${m}&type=binding.changed`)).body.events;
    expect(events[0]).toMatchObject({ from: 'stage:Production', to: 'alias:champion', reason: 'A/B winner' });
    expect((await call(r.app, 'PUT', `/api/v1/models/${m}/binding`, { stage: 'Archived' })).status).toBe(400);
  });
});
