// XGBoost through the Python runtime: an XGBClassifier logged with mlflow.sklearn (probabilities)
// and a Booster saved with mlflow.xgboost, each served through the gateway with answers equal to its
// own in-process predictions. Skips (saying why) without the MLflow bundle or python3-xgboost.
import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { waitConverged } from './gateway-fixtures.js';
import { call, createModel, promote, registerVersion } from './http.js';
import { dirFiles, makeMorePythonModels, PYTHON, usePythonEnv, XGBOOST_SKIP, type ExpectedMore } from './python-models.js';
import { serverExtensions } from '../src/server.js';

const TRIES = 3000;
let models: ReturnType<typeof makeMorePythonModels> | null = null;

describe.skipIf(XGBOOST_SKIP !== null).each(DATABASES)('XGBoost models in the Python runtime on %s', (kind) => {
  const ext = serverExtensions({ serving: { gateway: { python: PYTHON, pythonLoadTimeoutMs: 120_000 } } });
  const r = useRegistry(kind, { extensions: ext.pick('serving'), config: { prepareDeadlineMs: 120_000 } });
  let ex: ExpectedMore;
  let dir: string;

  beforeAll(() => {
    usePythonEnv();
    ({ dir, expected: ex } = (models ??= makeMorePythonModels()));
  }, 300_000);

  async function served(fixture: string): Promise<string> {
    const m = uniqueName(fixture.replace('_', '-'));
    await createModel(r.app, m);
    const v = await registerVersion(r.app, m, dirFiles(`${dir}/${fixture}`, 'model/'));
    expect(v.runtime).toBe('python');
    expect((await promote(r.app, m, 1)).status).toBe(200);
    await waitConverged(r.app, m, 1, TRIES);
    return m;
  }

  it.each(['xgb_sklearn', 'xgb_native'] as const)('serves %s with the probabilities it computes in-process', async (fixture) => {
    const m = await served(fixture);
    const want = ex[fixture]!;
    const res = await call(r.app, 'POST', `/models/${m}/invocations`, { dataframe_split: { columns: ex.columns, data: ex.rows } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.predictions).toEqual(want);
    const v2 = await call(r.app, 'POST', `/v2/models/${m}/infer`, {
      inputs: ex.columns.map((c, i) => ({ name: c, shape: [ex.rows.length], datatype: 'FP64', data: ex.rows.map((row) => row[i]) })),
    });
    expect(v2.status, JSON.stringify(v2.body)).toBe(200);
    expect(v2.body.outputs[0]).toMatchObject({ shape: [ex.rows.length, 3], data: want.flat() });
  });
});
