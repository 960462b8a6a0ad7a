// Issue 16 point 7: a version created through the MLflow door from `mlflow.sklearn.log_model` is
// servable with no extra step. The seed workflow's register phase (register twice, v1 to Production,
// promote v2, roll back to v1, alias) with the official 2.17.2 and 3.x clients against a FULL server
// — every extension on, so the embedded gateway prepares each move and the gates judge it — then
// inference through the gateway equals the model's own predictions, computed in the client.
import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, uniqueName } from '../databases.js';
import { waitConverged } from '../gateway-fixtures.js';
import { call } from '../http.js';
import { PYTHON, PYTHON_SKIP, usePythonEnv } from '../python-models.js';
import { CLIENTS, describeWithMlflow, explain, runClient, useLiveStagecraft, type ClientVersion } from './harness.js';

interface SeedOut {
  ok: boolean;
  error?: string;
  failed_step?: string;
  after_rollback?: Record<string, string>;
  champion?: string;
  rows: number[][];
  predictions: Record<'1' | '2', number[]>;
}

const SCRIPT_MS = 240_000;
const TRIES = 3000; // waitConverged polls every 20 ms: a Python load takes seconds on a busy machine

describeWithMlflow('the seed workflow served by the Python runtime', () => {
  describe.skipIf(PYTHON_SKIP !== null).each(DATABASES)('on %s, every extension on', (kind) => {
    const s = useLiveStagecraft(kind, {
      serverOptions: { serving: { gateway: { python: PYTHON, pythonLoadTimeoutMs: 120_000 } } },
      extensions: (ext) => ext.all(),
      config: { prepareDeadlineMs: 120_000 },
    });
    let token = '';
    let auth: Record<string, string> = {};
    beforeAll(async () => {
      usePythonEnv();
      token = (await call(s.app, 'POST', '/api/v1/tokens', { name: 'alice-mlflow', role: 'admin' })).body.token;
      auth = { authorization: `Bearer ${token}` };
    });

    async function infer(name: string, rows: number[][]) {
      const res = await call(s.app, 'POST', `/models/${name}/invocations`, { inputs: rows }, auth);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return { version: Number(res.headers['stagecraft-model-version']), predictions: res.body.predictions as number[] };
    }

    it.each(CLIENTS)('MLflow %s: log_model, register twice, promote, roll back, alias — then the gateway answers as the model', async (client: ClientVersion) => {
      const name = uniqueName(`served-${client}`);
      const run = await runClient<SeedOut>(client, 'seed_workflow.py', {
        trackingUri: s.url,
        timeoutMs: SCRIPT_MS,
        env: { MLFLOW_TRACKING_TOKEN: token, SEED_MODEL: name, SEED_PHASE: 'register', SEED_LOG: 'log_model' },
      });
      expect(run.json?.ok, explain(run)).toBe(true);
      const out = run.json!;
      expect(out.after_rollback).toEqual({ '1': 'Production', '2': 'Archived' });
      expect(out.champion).toBe('1');
      expect((await call(s.app, 'GET', `/api/v1/models/${name}/versions/1`, undefined, auth)).body.runtime).toBe('python');

      await waitConverged(s.app, name, 1, TRIES, auth);
      expect(await infer(name, out.rows)).toEqual({ version: 1, predictions: out.predictions['1'] });
      // v2 stayed warm: the native promote back to it is a pointer flip, and answers as v2.
      expect((await call(s.app, 'POST', `/api/v1/models/${name}/versions/2/stage`, { stage: 'Production', archive_existing_versions: true }, auth)).status).toBe(200);
      await waitConverged(s.app, name, 2, TRIES, auth);
      expect(await infer(name, out.rows)).toEqual({ version: 2, predictions: out.predictions['2'] });
    }, SCRIPT_MS * 2);
  });
});
