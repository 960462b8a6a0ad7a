// The Python runtime end to end, with real Python, real MLflow and real scikit-learn: models saved
// by mlflow.sklearn.save_model / mlflow.pyfunc.save_model, registered through the native API (the
// directory's files uploaded), promoted, and served through all three protocols — every answer
// equal to what the model itself predicted in-process. Rollback between two warm workers under load,
// kill -9 of a worker under load, a model that cannot load. Skips (saying why) without the bundle.
import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { eventually, waitConverged } from './gateway-fixtures.js';
import { call, createModel, promote, registerVersion } from './http.js';
import { dirFiles, makePythonModels, PYTHON, PYTHON_SKIP, usePythonEnv, type Expected } from './python-models.js';
import { serverExtensions } from '../src/server.js';
import type { PythonRuntime } from '../src/serving/gateway/runtimes/python-runtime.js';
import type { App } from '../src/http/app-types.js';

let models: { dir: string; expected: Expected } | null = null;
const fixtures = () => (models ??= makePythonModels());
const TRIES = 3000; // waitConverged polls every 20 ms: a Python load takes seconds on a busy machine

async function csvCall(app: App, url: string, text: string) {
  const res = await app.inject({ method: 'POST', url, headers: { 'content-type': 'text/csv' }, payload: text });
  return { status: res.statusCode, body: res.json() };
}

describe.skipIf(PYTHON_SKIP !== null).each(DATABASES)('the Python runtime on %s', (kind) => {
  const ext = serverExtensions({ serving: { gateway: { python: PYTHON, pythonLoadTimeoutMs: 120_000 } } });
  const r = useRegistry(kind, { extensions: ext.pick('serving'), config: { prepareDeadlineMs: 120_000 } });
  let ex: Expected;
  let dir: string;

  beforeAll(() => {
    usePythonEnv();
    ({ dir, expected: ex } = fixtures());
  }, 300_000);

  async function served(fixture: string, prefix = 'model/'): Promise<string> {
    const m = uniqueName(fixture.replace('_', '-'));
    await createModel(r.app, m);
    const v = await registerVersion(r.app, m, dirFiles(`${dir}/${fixture}`, prefix));
    expect(v.runtime).toBe('python');
    expect((await promote(r.app, m, 1)).status).toBe(200);
    await waitConverged(r.app, m, 1, TRIES);
    return m;
  }
  const columnsOf = (rows: number[][]) => Object.fromEntries(ex.columns.map((c, i) => [c, rows.map((row) => row[i])]));
  const records = (rows: number[][]) => rows.map((row) => Object.fromEntries(ex.columns.map((c, i) => [c, row[i]])));
  const gateway = () => ext.serving.gateway();
  const runtimeOf = (m: string) => gateway().find(m)!.current!.runtime as PythonRuntime;

  it('serves a DataFrame model (string classes) through Open Inference Protocol, MLflow scoring (every format, CSV too) and TF Serving', async () => {
    const m = await served('iris_a');
    const rows = ex.rows;
    const v2 = await call(r.app, 'POST', `/v2/models/${m}/infer`, {
      inputs: ex.columns.map((c, i) => ({ name: c, shape: [rows.length], datatype: 'FP64', data: rows.map((row) => row[i]) })),
    });
    expect(v2.status).toBe(200);
    expect(v2.body.outputs[0]).toMatchObject({ name: 'predictions', datatype: 'BYTES', shape: [rows.length], data: ex.iris_a });
    const inv = (body: unknown) => call(r.app, 'POST', `/models/${m}/invocations`, body);
    for (const body of [
      { dataframe_split: { columns: ex.columns, data: rows } },
      { dataframe_records: records(rows) },
      { instances: records(rows) },
      { inputs: columnsOf(rows) },
    ]) {
      const res = await inv(body);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.predictions).toEqual(ex.iris_a);
    }
    const csv = [ex.columns.map((c) => `"${c}"`).join(','), ...rows.map((row) => row.join(','))].join('\n');
    const fromCsv = await csvCall(r.app, `/models/${m}/invocations`, csv);
    expect(fromCsv.status, JSON.stringify(fromCsv.body)).toBe(200);
    expect(fromCsv.body.predictions).toEqual(ex.iris_a);
    const tf = await call(r.app, 'POST', `/v1/models/${m}:predict`, { instances: records(rows) });
    expect(tf.body.predictions).toEqual(ex.iris_a);
    const tfColumns = await call(r.app, 'POST', `/v1/models/${m}:predict`, { inputs: columnsOf(rows) });
    expect(tfColumns.body.outputs).toEqual(ex.iris_a);
    // The signature is the model's own: metadata shows its columns.
    const meta = await call(r.app, 'GET', `/v2/models/${m}`);
    expect(meta.body).toMatchObject({ platform: 'mlflow_pyfunc', inputs: ex.columns.map((c) => ({ name: c, datatype: 'FP64', shape: [-1] })) });
  });

  it('answers 400 naming the column or type when a request violates the signature', async () => {
    const m = await served('iris_a');
    const wrongType = await call(r.app, 'POST', `/models/${m}/invocations`, { dataframe_split: { columns: ex.columns, data: [['x', 1, 2, 3]] } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.message).toContain(ex.columns[0]);
    const missing = await call(r.app, 'POST', `/models/${m}/invocations`, { dataframe_records: [{ [ex.columns[0]]: 1 }] });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toContain(ex.columns[1]);
    const unknown = await call(r.app, 'POST', `/v2/models/${m}/infer`, { inputs: [{ name: 'colour', shape: [1], datatype: 'BYTES', data: ['red'] }] });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toContain('colour');
    const badCsv = await csvCall(r.app, `/models/${m}/invocations`, `${ex.columns.map((c) => `"${c}"`).join(',')}\n1,2,three,4`);
    expect(badCsv.status).toBe(400);
    expect(badCsv.body.message).toContain(ex.columns[2]);
  });

  it('serves probabilities (predict_proba on a tensor signature) and a multi-column DataFrame, equal to the models\' own answers', async () => {
    const b = await served('iris_b', '');
    const rows = ex.rows;
    const v2 = await call(r.app, 'POST', `/v2/models/${b}/infer`, { inputs: [{ name: 'input', shape: [rows.length, 4], datatype: 'FP64', data: rows.flat() }] });
    expect(v2.status, JSON.stringify(v2.body)).toBe(200);
    expect(v2.body.outputs[0]).toMatchObject({ datatype: 'FP64', shape: [rows.length, 3] });
    expect(v2.body.outputs[0].data).toEqual(ex.iris_b.flat());
    expect((await call(r.app, 'POST', `/models/${b}/invocations`, { instances: rows })).body.predictions).toEqual(ex.iris_b);
    expect((await call(r.app, 'POST', `/models/${b}/invocations`, { inputs: rows })).body.predictions).toEqual(ex.iris_b);
    expect((await call(r.app, 'POST', `/v1/models/${b}:predict`, { instances: rows })).body.predictions).toEqual(ex.iris_b);

    const f = await served('iris_frame');
    const res = await call(r.app, 'POST', `/models/${f}/invocations`, { dataframe_split: { columns: ex.columns, data: rows } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.predictions).toEqual(ex.iris_frame.label.map((label, i) => ({ label, probability: ex.iris_frame.probability[i] })));
    const v2f = await call(r.app, 'POST', `/v2/models/${f}/infer`, { inputs: ex.columns.map((c, i) => ({ name: c, shape: [rows.length], datatype: 'FP64', data: rows.map((row) => row[i]) })) });
    expect(v2f.body.outputs.map((o: { name: string }) => o.name)).toEqual(['label', 'probability']);
    expect(v2f.body.outputs[1].data).toEqual(ex.iris_frame.probability);
  });

  it('rolls back between two warm workers under load with zero failed requests, each answer from the version that served it', async () => {
    const m = await served('iris_a');
    await registerVersion(r.app, m, dirFiles(`${dir}/iris_c`, 'model/'));
    expect((await promote(r.app, m, 2)).status).toBe(200);
    await waitConverged(r.app, m, 2, TRIES);
    const slot = gateway().find(m)!;
    expect([...slot.loaded.keys()].sort()).toEqual([1, 2]);
    // Each worker's resident memory counts against the budget.
    for (const lv of slot.loaded.values()) expect(lv.memoryBytes).toBeGreaterThan(10 * 1024 ** 2);
    const answers: Array<{ status: number; version: string; predictions: unknown }> = [];
    let stop = false;
    const client = async () => {
      while (!stop) {
        const res = await call(r.app, 'POST', `/models/${m}/invocations`, { dataframe_split: { columns: ex.columns, data: ex.rows } }).catch(() => null);
        if (!res) return; // the app closed under a failed test
        answers.push({ status: res.status, version: String(res.headers['stagecraft-model-version']), predictions: res.body.predictions });
      }
    };
    const clients = Array.from({ length: 4 }, client);
    await eventually(async () => answers.length, (n) => n > 20, 'answers from version 2', 3000);
    const t0 = performance.now();
    expect((await call(r.app, 'POST', `/api/v1/models/${m}/rollback`, { reason: 'load test' })).status).toBe(200);
    const rollbackMs = performance.now() - t0;
    await waitConverged(r.app, m, 1, TRIES);
    const at = answers.length;
    await eventually(async () => answers.length, (n) => n > at + 20, 'answers from version 1', 3000);
    stop = true;
    await Promise.all(clients);
    // A pointer flip: no load happened (a Python load takes seconds).
    expect(rollbackMs).toBeLessThan(1500);
    expect(answers.length).toBeGreaterThan(20);
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    for (const a of answers) expect(a.predictions).toEqual(a.version === '1' ? ex.iris_a : ex.iris_c);
    expect(new Set(answers.map((a) => a.version))).toEqual(new Set(['1', '2']));
  });

  it('restarts a worker killed with -9 under load: every answer is right or a 503, never wrong, and the restart is counted', async () => {
    const m = await served('iris_b', '');
    const runtime = runtimeOf(m);
    const pid = runtime.pid!;
    const answers: Array<{ status: number; data: unknown }> = [];
    let stop = false;
    const body = { inputs: [{ name: 'input', shape: [ex.rows.length, 4], datatype: 'FP64', data: ex.rows.flat() }] };
    const client = async () => {
      while (!stop) {
        const res = await call(r.app, 'POST', `/v2/models/${m}/infer`, body).catch(() => null);
        if (!res) return;
        answers.push({ status: res.status, data: res.body.outputs?.[0]?.data });
      }
    };
    const clients = Array.from({ length: 4 }, client);
    await new Promise((res) => setTimeout(res, 300));
    process.kill(pid, 'SIGKILL');
    await eventually(async () => runtime.pid, (p) => p !== null && p !== pid, 'the worker to be restarted', 3000);
    const after = answers.length;
    await eventually(async () => answers.length, (n) => n > after + 20, 'answers from the restarted worker', 3000);
    stop = true;
    await Promise.all(clients);
    expect(runtime.restarts).toBe(1);
    expect(answers.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([]);
    for (const a of answers.filter((x) => x.status === 200)) expect(a.data).toEqual(ex.iris_b.flat());
    expect(() => process.kill(pid, 0)).toThrow(); // the old one is gone
  });

  it('never lets a model that cannot load take traffic: the old version keeps serving and the refusal names the Python error', async () => {
    const m = await served('iris_a');
    await registerVersion(r.app, m, dirFiles(`${dir}/missing_pkg`, 'model/'));
    const refused = await promote(r.app, m, 2);
    expect(refused.status).toBe(409);
    const reason = refused.body.error.details.replicas[0].reason as string;
    expect(reason).toContain("No module named 'stagecraft_not_installed_pkg'");
    const res = await call(r.app, 'POST', `/models/${m}/invocations`, { dataframe_split: { columns: ex.columns, data: ex.rows } });
    expect(res.status).toBe(200);
    expect(res.headers['stagecraft-model-version']).toBe('1');
    expect(res.body.predictions).toEqual(ex.iris_a);
  });

  it('audits a version that fails to load (gateway.load_failed, or the refused move) with the last lines of its Python traceback', async () => {
    const m = uniqueName('broken');
    await createModel(r.app, m);
    await registerVersion(r.app, m, dirFiles(`${dir}/missing_pkg`, 'model/'));
    // Which record the failure lands in depends on a race: when the gateway has already reported the
    // new model in a heartbeat, the promotion asks it to prepare version 1 first, the load fails there
    // and the move is refused (409, audited as move.prepare_failed); otherwise the move commits, the
    // load fails after it, and the next heartbeat audits gateway.load_failed. Either way: the traceback.
    const promoted = await promote(r.app, m, 1);
    const type = promoted.status === 409 ? 'move.prepare_failed' : 'gateway.load_failed';
    const events = await eventually(
      async () => (await call(r.app, 'GET', `/api/v1/events?model=${m}&type=${type}`)).body.events,
      (e) => e.length > 0,
      'the load failure to be audited',
      3000,
    );
    expect(events[0].version).toBe(1);
    expect(events[0].reason).toContain('ModuleNotFoundError');
    expect(events[0].reason).toContain('stagecraft_not_installed_pkg');
    expect((await call(r.app, 'POST', `/models/${m}/invocations`, { dataframe_split: { columns: ex.columns, data: ex.rows } })).status).toBe(503);
    // A generous bound: the failing load imports mlflow and scikit-learn first, seconds on a busy machine.
  }, 120_000);
});
