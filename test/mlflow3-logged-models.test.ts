// The real MLflow 3 client (../shared/mlflow/3.x) runs its logged-model workflow against Stagecraft,
// on SQLite and PostgreSQL: log_model creates a LoggedModel and uploads to its location,
// register_model from runs:/ and models:/m-…, load_model from models:/m-… and models:/<name>/1 with
// predictions equal to the in-memory model's, list/download through the run, search/get/tag/
// finalize/delete. Skipped (and says why) without the client, unless STAGECRAFT_REQUIRE_MLFLOW=1.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { serverExtensions } from '../src/server.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { mlflowMissing, requireMlflow, runPython } from './mlflow-python.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const missing = mlflowMissing(3);
if (missing && requireMlflow()) throw new Error(`STAGECRAFT_REQUIRE_MLFLOW=1 but ${missing}`);
if (missing) console.warn(`skipping the MLflow 3 client tests: ${missing}`);

describe.skipIf(!!missing).each(DATABASES)('the MLflow 3 client logs, registers and loads logged models on %s', (kind) => {
  const r = useRegistry(kind, { extensions: serverExtensions().pick('mlflow') });

  it('runs the whole logged-model workflow unchanged', async () => {
    const address = await r.app.listen({ port: 0, host: '127.0.0.1' });
    const name = uniqueName('lm-client');
    const out = JSON.parse(
      (await runPython(3, path.join(here, 'mlflow3-logged-models.py'), { MLFLOW_TRACKING_URI: address, MODEL_NAME: name, EXPERIMENT: uniqueName('lm-exp') })).trim().split('\n').pop()!,
    );
    const mid: string = out.model_id;
    expect(mid).toMatch(/^m-[0-9a-f]{32}$/);
    expect(out.model_uri).toBe(`models:/${mid}`);
    expect(out.versions).toEqual(['1', '2']);
    expect(out.version).toEqual({ source: `models:/${mid}`, run_id: out.run_id });
    const wire = JSON.parse((await r.app.inject({ method: 'GET', url: `/api/2.0/mlflow/model-versions/get?name=${name}&version=1` })).body).model_version;
    expect(wire).toMatchObject({ model_id: mid, model_params: [{ name: 'C', value: '1.0' }, { name: 'alpha', value: '0.5' }], model_metrics: [{ key: 'acc', value: 0.75, model_id: mid }] });
    expect(out.download_uri).toMatch(new RegExp(`^mlflow-artifacts:/\\d+/models/${mid}/artifacts$`));
    expect([out.pred_logged, out.pred_version]).toEqual([true, true]);
    const files = ['MLmodel', 'conda.yaml', 'input_example.json', 'model.pkl', 'python_env.yaml', 'requirements.txt', 'serving_input_example.json'];
    expect(out.list).toEqual(files.map((f) => `model/${f}`));
    expect(out.download).toEqual(files);
    expect(out.search).toEqual([mid]);
    expect(out.get).toMatchObject({ name: 'model', status: 'READY', params: { C: '1.0', alpha: '0.5' }, source_run_id: out.run_id, metrics: [['acc', 0.75]] });
    // The server's entries (numbers) and the client's (strings), as against MLflow's own server.
    expect(out.get.model_versions).toEqual([
      { name, version: 1 },
      { name, version: '1' },
      { name, version: 2 },
      { name, version: '2' },
    ]);
    expect([out.tagged, out.untagged, out.finalized, out.deleted]).toEqual(['a', true, 'READY', 'RESOURCE_DOES_NOT_EXIST']);

    // Stagecraft's own view: the version holds the logged model's bytes; models:/m-… resolves.
    const resolved = await r.app.inject({ method: 'GET', url: `/api/v1/resolve?uri=models:/${mid}` });
    expect(JSON.parse(resolved.body)).toMatchObject({ name, version: 2 });
    const logged = JSON.parse((await r.app.inject({ method: 'GET', url: `/api/v1/logged-models/${mid}` })).body);
    expect(logged.files.map((f: { path: string }) => f.path)).toEqual(files);
    expect(logged.ready_digest).toBe(logged.digest);
    const version = JSON.parse((await r.app.inject({ method: 'GET', url: `/api/v1/models/${name}/versions/1` })).body);
    expect(version.digest).toBe(logged.digest);
  }, 200_000);
});
