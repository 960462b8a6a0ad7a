// examples/ stays runnable: the checked-in fraud models are byte for byte what
// examples/fraud/build-models.ts writes, and the MLflow scikit-learn example, run unchanged with the
// official MLflow 3 client, registers two versions the gateway serves from Python workers and rolls
// back between. The README walkthrough itself runs in readme-walkthrough.test.ts.
import fs from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { fraudExampleModels } from '../examples/fraud/build-models.js';
import { serverExtensions } from '../src/server.js';
import { DATABASES, useRegistry } from './databases.js';
import { mlflowMissing, requireMlflow, runPython } from './mlflow-python.js';
import { PYTHON, PYTHON_SKIP, usePythonEnv } from './python-models.js';
import { REPO_ROOT } from './readme-blocks.js';

describe('examples/fraud', () => {
  it('holds the models build-models.ts writes (regenerate with npx tsx examples/fraud/build-models.ts)', () => {
    for (const [rel, bytes] of Object.entries(fraudExampleModels())) {
      expect(fs.readFileSync(path.join(REPO_ROOT, 'examples/fraud', rel)).equals(bytes), rel).toBe(true);
    }
  });
});

const missing = mlflowMissing(3) ?? PYTHON_SKIP;
if (missing && requireMlflow()) throw new Error(`STAGECRAFT_REQUIRE_MLFLOW=1 but ${missing}`);
if (missing) console.warn(`skipping the MLflow scikit-learn example: ${missing}`);

describe.skipIf(!!missing).each(DATABASES)('examples/mlflow-sklearn on %s', (kind) => {
  const ext = serverExtensions({ serving: { gateway: { python: PYTHON, pythonLoadTimeoutMs: 120_000 } } });
  const r = useRegistry(kind, { extensions: ext.pick('mlflow', 'serving'), config: { prepareDeadlineMs: 120_000 } });
  const invoke = () =>
    r.app.inject({
      method: 'POST',
      url: '/models/iris/invocations',
      headers: { 'content-type': 'application/json' },
      payload: { dataframe_split: { columns: ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)'], data: [[5.1, 3.5, 1.4, 0.2], [6.3, 3.3, 6.0, 2.5]] } },
    });

  it('trains, registers and promotes two versions; the gateway serves v2, then v1 after a rollback', async () => {
    usePythonEnv();
    await r.app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${(r.app.server.address() as AddressInfo).port}`;
    const out = await runPython(3, path.join(REPO_ROOT, 'examples/mlflow-sklearn/train_and_register.py'), { MLFLOW_TRACKING_URI: url });
    expect(out).toContain('v2 is in Production');
    let res = await invoke();
    for (let i = 0; i < 600 && res.headers['stagecraft-model-version'] !== '2'; i++) {
      await new Promise((ok) => setTimeout(ok, 200));
      res = await invoke();
    }
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['stagecraft-model-version']).toBe('2');
    expect(JSON.parse(res.body).predictions).toHaveLength(2);
    const rb = await r.app.inject({ method: 'POST', url: '/api/v1/models/iris/rollback', payload: { reason: 'v2 misbehaves' } });
    expect(rb.statusCode, rb.body).toBe(200);
    expect((await invoke()).headers['stagecraft-model-version']).toBe('1');
  }, 300_000);
});
