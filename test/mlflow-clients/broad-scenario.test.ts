// A broader day with the official MLflow 2.17.2 and 3.x clients (issue 15 point 5) on SQLite and
// PostgreSQL: experiments, runs with params/metrics/tags/artifacts, run search, artifact listing and
// download, registered-model search with filters and pages, tags, descriptions, versions by stage,
// tag and run, download of a registered version; and ONNX models logged and moved by the client
// move what Stagecraft's gateway answers (point 6), including the roll back by transition.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { denseModelOnnx } from '../../src/onnx/onnx-builder.js';
import { DATABASES, tempDir, uniqueName } from '../databases.js';
import { expected, specFor } from '../gateway-fixtures.js';
import { call } from '../http.js';
import { CLIENTS, describeWithMlflow, runClient, useLiveStagecraft, type ClientVersion } from './harness.js';

type Step = { value: unknown } | { error: string };
interface BroadOut {
  mlflow_version: string;
  steps: Record<string, Step>;
}

const ROW = [0.3, -1.2, 2.5];

/**
 * Steps that fail with a client today, each for a named reason; the test asserts that they DO fail,
 * so the day they pass this list must shrink (as `it.fails` does for a whole test).
 */
const FAILING_TODAY: Record<ClientVersion, Record<string, RegExp>> = {
  '2.17.2': {},
  '3.x': {},
};

function expectedSteps(prefix: string): Record<string, unknown> {
  return {
    experiment: { same_id: true, found: [`${prefix}-exp`] },
    'run with params, metrics, tags, artifacts': {
      status: 'FINISHED',
      params: { C: '0.5', penalty: 'l2' },
      metrics: { acc: 0.9 },
      tags: { team: 'fraud', stage: 'dev' },
      history: [0.5, 0.7, 0.9],
    },
    search_runs: { hits: [true], none: 0 },
    list_artifacts: { top: [['config', true], ['notes.txt', false]], config: ['config/threshold.json'] },
    'download_artifacts of a run': { threshold: 0.4 },
    'registered models: create with tags, search with filters and pages': {
      pages: [['-m6', '-m4'], ['-m2', '-m0']],
      ilike: ['-m1'],
    },
    'model tags and descriptions': { tags: { owner: 'alice' }, description: 'the first' },
    'versions: tags, stages, latest, download': {
      latest: [['None', '2'], ['Staging', '1']],
      staging: ['1'],
      tagged: ['2'],
      by_run: ['1', '2'],
      b: { tags: { validated: 'yes' }, description: 'second', run_id: true },
      download: { files: ['threshold.json'], threshold: { threshold: 0.4 } },
      download_uri: true,
    },
    'ONNX logged and moved by the client moves the gateway': [1, 2, 1].map((v) => ({ version: v, output: expect.closeTo(expected(specFor(v), ROW), 5) })),
  };
}

describeWithMlflow('a broader scenario with the official MLflow clients', () => {
  describe.each(DATABASES)('on %s', (kind) => {
    const s = useLiveStagecraft(kind);
    const onnxDir = tempDir('stagecraft-broad-onnx-');
    let token = '';
    beforeAll(async () => {
      token = (await call(s.app, 'POST', '/api/v1/tokens', { name: 'bob-mlflow', role: 'admin' })).body.token;
      for (const v of [1, 2]) fs.writeFileSync(path.join(onnxDir, `model-${v}.onnx`), denseModelOnnx(specFor(v)));
    });

    it.each(CLIENTS)('MLflow %s', async (client) => {
      const prefix = uniqueName(`broad-${client}`);
      const run = await runClient<BroadOut>(client, 'broad_scenario.py', {
        trackingUri: s.url,
        timeoutMs: 240_000,
        env: { MLFLOW_TRACKING_TOKEN: token, BROAD_PREFIX: prefix, BROAD_ONNX_DIR: onnxDir, BROAD_ROW: JSON.stringify(ROW) },
      });
      expect(run.json, `exit ${run.code}: ${run.stderr.slice(-3000)}`).not.toBeNull();
      const { steps } = run.json!;
      const want = expectedSteps(prefix);
      expect(Object.keys(steps).sort()).toEqual(Object.keys(want).sort());
      for (const [name, value] of Object.entries(want)) {
        const failing = FAILING_TODAY[client][name];
        if (failing) {
          expect(steps[name], `${name} now works with ${client}: remove it from FAILING_TODAY`).toEqual({ error: expect.stringMatching(failing) });
          continue;
        }
        expect(steps[name], name).toEqual({ value });
      }

      // the client's moves are Stagecraft history with the token's name as actor
      const served = `${prefix}-served`;
      const history = (await call(s.app, 'GET', `/api/v1/models/${served}/history?stage=Production`, undefined, { authorization: `Bearer ${token}` })).body;
      expect(history.entries.map((e: { version: number; actor: string }) => [e.version, e.actor])).toEqual([
        [1, 'bob-mlflow'],
        [2, 'bob-mlflow'],
        [1, 'bob-mlflow'],
      ]);
    }, 300_000);
  });
});
