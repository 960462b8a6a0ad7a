// Registration knows Python models, and the python-env gate checks their requirements against the
// interpreter that will serve them — with real Python and real MLflow models (saved by
// test/fixtures/make_python_models.py). The requirements file of a saved model is replaced to name
// what each case needs: a package that does not exist, a wrong version of an installed one, a
// satisfiable set. A model may name its own interpreter (tag stagecraft.python): a wrapper script
// records that it ran, then execs the real interpreter — the gate and the gateway's worker both use it.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, tempDir, uniqueName, useRegistry } from './databases.js';
import { waitConverged } from './gateway-fixtures.js';
import { call, createModel, promote, registerVersion } from './http.js';
import { dirFiles, makePythonModels, PYTHON, PYTHON_SKIP, usePythonEnv, type Expected } from './python-models.js';
import { serverExtensions } from '../src/server.js';

let models: { dir: string; expected: Expected } | null = null;
const fixtures = () => (models ??= makePythonModels());

/** A shell script that appends its arguments to `record`, then runs the real interpreter. */
function wrapperInterpreter(): { path: string; record: string } {
  const dir = tempDir('stagecraft-pywrap-');
  const record = path.join(dir, 'record.txt');
  const p = path.join(dir, 'python');
  fs.writeFileSync(p, `#!/bin/sh\necho "$@" >> '${record}'\nexec '${PYTHON}' "$@"\n`, { mode: 0o755 });
  return { path: p, record };
}
const recorded = (w: { record: string }) => (fs.existsSync(w.record) ? fs.readFileSync(w.record, 'utf8') : '');

describe.skipIf(PYTHON_SKIP !== null).each(DATABASES)('Python models at registration and the python-env gate on %s', (kind) => {
  const ext = serverExtensions({ serving: { gateway: { python: PYTHON, pythonLoadTimeoutMs: 120_000 } } });
  const r = useRegistry(kind, { extensions: ext.pick('serving', 'gates'), config: { prepareDeadlineMs: 120_000 } }); // the gate checks the gateway's --python
  let ex: Expected;
  let dir: string;

  beforeAll(() => {
    usePythonEnv();
    ({ dir, expected: ex } = fixtures());
  }, 300_000);

  /** iris_a's files with its requirements.txt replaced (null: as saved). */
  async function version(requirements: string | null, extra: Record<string, unknown> = {}) {
    const m = uniqueName('pyenv');
    await createModel(r.app, m);
    const files = dirFiles(`${dir}/iris_a`, 'model/');
    if (requirements !== null) files['model/requirements.txt'] = Buffer.from(requirements);
    const v = await registerVersion(r.app, m, files, extra);
    return { m, v };
  }

  it('records the flavors, python_version and requirements of an MLflow model directory, shown in the version view', async () => {
    const { m, v } = await version(null);
    const mlmodel = fs.readFileSync(`${dir}/iris_a/MLmodel`, 'utf8');
    const saved = fs.readFileSync(`${dir}/iris_a/requirements.txt`, 'utf8').trim().split('\n');
    expect(v.runtime).toBe('python');
    expect(v.python).toEqual({
      flavors: ['python_function', 'sklearn'],
      python_version: /python_version: (\S+)/.exec(mlmodel)![1],
      mlflow_version: /^mlflow_version: (\S+)/m.exec(mlmodel)![1],
      requirements: saved,
      requirements_file: 'requirements.txt',
      interpreter: null,
    });
    expect((await call(r.app, 'GET', `/api/v1/models/${m}/versions/1`)).body.python).toEqual(v.python);
    // Without requirements.txt, conda.yaml's pip list.
    const files = dirFiles(`${dir}/iris_a`, 'model/');
    delete files['model/requirements.txt'];
    delete files['model/python_env.yaml'];
    const v2 = await registerVersion(r.app, m, files);
    expect(v2.python).toMatchObject({ requirements: saved, requirements_file: 'conda.yaml' });
    // A version without an MLmodel has none.
    expect((await registerVersion(r.app, m, { 'notes.txt': 'x' })).python).toBeNull();
  });

  it('refuses a model requiring a package that is not installed and a wrong version of an installed one, naming both', async () => {
    const { m } = await version('nonexistent-pkg==1.0\nscikit-learn==0.1\nnumpy>=1.0\n');
    const res = await promote(r.app, m, 1, 'Staging');
    expect(res.status).toBe(409);
    expect(res.body.error.details.failed_checks).toEqual(['python-env']);
    expect(res.body.error.message).toContain('nonexistent-pkg==1.0 (not installed)');
    expect(res.body.error.message).toMatch(/scikit-learn==0\.1 \(installed \d/);
    expect(res.body.error.message).not.toContain('numpy');
    expect((await call(r.app, 'GET', `/api/v1/models/${m}/versions/1`)).body.stage).toBe('None');
    const report = (await call(r.app, 'GET', `/api/v1/models/${m}/versions/1/validation`)).body;
    expect(report).toMatchObject({ passed: false, failed_checks: ['python-env'] });

    // An admin overrides it like any gate, with a reason that lands in the report.
    const over = await call(r.app, 'POST', `/api/v1/models/${m}/versions/1/stage/override`, { stage: 'Staging', reason: 'the package ships in the image next week' });
    expect(over.status).toBe(200);
    expect((await call(r.app, 'GET', `/api/v1/models/${m}/versions/1/validation`)).body).toMatchObject({
      passed: false,
      override: { reason: 'the package ships in the image next week' },
    });
  });

  it('passes a satisfiable model (an exact pin missed by patch level only is reported), and it serves', async () => {
    const { m } = await version(null);
    const check = await call(r.app, 'POST', `/api/v1/models/${m}/versions/1/validate`, { stage: 'Production' });
    expect(check.status).toBe(200);
    const env = check.body.checks.find((c: { name: string }) => c.name === 'python-env');
    expect(env).toMatchObject({ passed: true, skipped: false });
    expect(env.message).toContain(PYTHON);

    const { m: m2 } = await version('scikit-learn>=1.0\nnumpy\npandas; python_version < "3"\n');
    expect((await promote(r.app, m2, 1)).status).toBe(200);
    await waitConverged(r.app, m2, 1, 3000);
    const res = await call(r.app, 'POST', `/models/${m2}/invocations`, { dataframe_split: { columns: ex.columns, data: ex.rows } });
    expect(res.status).toBe(200);
    expect(res.body.predictions).toEqual(ex.iris_a);
  });

  it('refuses when the interpreter cannot run, naming it', async () => {
    const { m } = await version('numpy\n', { tags: { 'stagecraft.python': '/nonexistent/bin/python' } });
    const res = await promote(r.app, m, 1, 'Staging');
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('/nonexistent/bin/python could not check the requirements');
  });

  it("runs a model's own interpreter (version tag, else model tag) for the gate and the gateway's workers", async () => {
    const own = wrapperInterpreter();
    const { m, v } = await version('scikit-learn>=1.0\n', { tags: { 'stagecraft.python': own.path } });
    expect(v.python.interpreter).toBe(own.path);
    expect((await promote(r.app, m, 1)).status).toBe(200);
    await waitConverged(r.app, m, 1, 3000);
    const res = await call(r.app, 'POST', `/models/${m}/invocations`, { dataframe_split: { columns: ex.columns, data: ex.rows } });
    expect(res.status).toBe(200);
    expect(res.body.predictions).toEqual(ex.iris_a);
    expect(recorded(own)).toContain('stagecraft_env_check.py');
    expect(recorded(own)).toContain('stagecraft_worker.py');

    // A model tag names it for every version without a tag of its own.
    const byModel = wrapperInterpreter();
    expect((await call(r.app, 'PUT', `/api/v1/models/${m}/tags/stagecraft.python`, { value: byModel.path })).status).toBe(200);
    const v2 = await registerVersion(r.app, m, { ...dirFiles(`${dir}/iris_a`, 'model/'), 'model/requirements.txt': 'numpy>=1.1\n' });
    expect(v2.python.interpreter).toBe(byModel.path);
    expect((await call(r.app, 'GET', `/api/v1/models/${m}/versions/1`)).body.python.interpreter).toBe(own.path);
    const check = await call(r.app, 'POST', `/api/v1/models/${m}/versions/2/validate`, { stage: 'Staging' });
    expect(check.body.checks.find((c: { name: string }) => c.name === 'python-env')).toMatchObject({ passed: true });
    expect(recorded(byModel)).toContain('stagecraft_env_check.py');
  });
});
