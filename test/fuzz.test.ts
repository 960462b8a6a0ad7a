// Property-based fuzzing of both doors (issue 14, point 7). Every operation of the server's OpenAPI
// document and every MLflow route gets generated input — clean, a little hostile, very hostile —
// NUL bytes, lone surrogates, long and unicode strings, integers past every column's range,
// 1e309/Infinity/NaN, wrong types, missing and extra fields, broken JSON, against a server with
// every extension but the UI, seeded with served ONNX models. Nothing may answer 5xx (serving's
// 503s with Retry-After, and readiness probes saying "not ready", are its protocol), and no answer
// may come from the error handler's database safety net: the request edge must refuse bad input
// before a database sees it. Afterwards the registry's invariants must hold (fuzz-invariants.ts).
// Deterministic: a fixed fast-check seed per route, a bounded number of runs.
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Extension } from '../src/extension.js';
import { serverExtensions } from '../src/server.js';
import { DATABASES, useRegistry } from './databases.js';
import { BODY_EXAMPLES, DATASET_CSV, fixtureContext } from './fuzz-fixtures.js';
import { invariantViolations } from './fuzz-invariants.js';
import { describe as describeRequest, mlflowOperation, movesOperation, openApiOperations, send, type Operation } from './fuzz-requests.js';
import { registerOnnx, specFor } from './gateway-fixtures.js';
import { call, createModel, putBlob } from './http.js';

const SEED = 1414;
/**
 * Random runs per route, after its sweep (fuzz-requests.ts); MLflow's /ajax-api mirror (the same
 * handlers under a second prefix) gets fewer and no sweep.
 */
const RUNS = 30;
const MIRROR_RUNS = 10;
/** Batches of clean, concurrent stage and alias moves, last, before the invariants are checked. */
const MOVES_RUNS = 60;

/** One seed per route, fixed: routes with the same parameters still get different inputs. */
function seedFor(id: string): number {
  let h = SEED;
  for (const c of id) h = (Math.imul(h, 31) + c.charCodeAt(0)) | 0;
  return h;
}

/** The extensions `stagecraft server` runs but the UI (static files); webhooks give up at once. */
function extensions(recorder: Extension): Extension[] {
  const set = serverExtensions({ notify: { webhooks: { retryDelaysMs: [], timeoutMs: 200 } } });
  return [recorder, ...set.pick('mlflow', 'serving', 'observe', 'notify', 'gates', 'approvals', 'experiments', 'drills', 'summary')];
}

describe.each(DATABASES)('fuzzing every route with hostile input (%s)', (kind) => {
  // MLflow's routes are not in the OpenAPI document (their contract is MLflow's): the route table tells them.
  const mlflowRoutes: Array<[string, string]> = [];
  const recorder: Extension = {
    name: 'fuzz-route-recorder',
    routes: (app) => {
      app.addHook('onRoute', (route) => {
        const methods = Array.isArray(route.method) ? route.method : [route.method];
        if (!/^\/(ajax-)?api\/2\.0\/mlflow/.test(route.url)) return;
        for (const m of methods) if (m !== 'HEAD') mlflowRoutes.push([m, route.url]);
      });
    },
  };
  const r = useRegistry(kind, { extensions: () => extensions(recorder) });
  let listening: Promise<string> | undefined;
  const baseUrl = () => (listening ??= r.app.listen({ host: '127.0.0.1', port: 0 }));

  // An admin token from the start: a fuzzed token creation cannot lock the fuzzer out.
  let headers: Record<string, string> = {};
  beforeAll(async () => {
    const admin = await call(r.app, 'POST', '/api/v1/tokens', { name: 'fuzz-admin', role: 'admin' });
    if (admin.status !== 201) throw new Error(`admin token: ${admin.status}`);
    headers = { authorization: `Bearer ${admin.body.token}` };
  });

  it('answers no 5xx, and the registry invariants hold afterwards', async () => {
    /** Three served versions: v1 in Production after v3 (so a rollback has somewhere to go), v2 in Staging, an alias. */
    const ensureFixture = async (name: string) => {
      if ((await call(r.app, 'GET', `/api/v1/models/${name}`, undefined, headers)).status === 200) return;
      await createModel(r.app, name, headers);
      for (const v of [1, 2, 3]) await registerOnnx(r.app, name, specFor(v), {}, headers);
      for (const [v, stage] of [[3, 'Production'], [1, 'Production'], [2, 'Staging']] as const) {
        await call(r.app, 'POST', `/api/v1/models/${name}/versions/${v}/stage`, { stage, archive_existing_versions: true }, headers);
      }
      await call(r.app, 'PUT', `/api/v1/models/${name}/aliases/champion`, { version: 1 }, headers);
    };
    await ensureFixture('fuzz-a');
    await ensureFixture('fuzz-b');
    const blob = await putBlob(r.app, DATASET_CSV, headers);
    const experiment = await call(r.app, 'POST', '/api/2.0/mlflow/experiments/create', { name: 'fuzz-exp' }, headers);
    const run = await call(r.app, 'POST', '/api/2.0/mlflow/runs/create', { experiment_id: experiment.body.experiment_id }, headers);
    const ctx = fixtureContext({ runId: run.body.run.info.run_id, experimentId: experiment.body.experiment_id, sha256: blob.sha256 });

    const doc = r.app.swagger() as unknown as Parameters<typeof openApiOperations>[0];
    const operations: Operation[] = [
      ...openApiOperations(doc, headers, BODY_EXAMPLES),
      ...mlflowRoutes.map(([m, u]) => mlflowOperation(m, u, headers)),
      movesOperation(headers),
    ];
    const failures: string[] = [];
    let requests = 0;
    const started = Date.now();
    for (const op of operations) {
      // A fuzzed delete or rename may take a fixture away; the next route finds it back.
      await ensureFixture('fuzz-a');
      const property = fc.asyncProperty(op.requests(ctx), async (batch) => {
        requests += batch.length;
        const answers = await Promise.all(batch.map((req) => send(r.app, req, baseUrl)));
        answers.forEach((answer, i) => {
          const servingBusy = answer.status === 503 && (answer.retryAfter || /"ready":false/.test(answer.body));
          if ((answer.status >= 500 && !servingBusy) || /refused by the database/.test(answer.body)) throw new Error(describeRequest(batch[i], answer));
        });
      });
      const mirror = op.id.includes('/ajax-api/');
      const sweep = mirror ? [] : op.sweep(ctx).map((batch) => [batch] as [typeof batch]);
      const runs = sweep.length + (mirror ? MIRROR_RUNS : op.id.startsWith('moves') ? MOVES_RUNS : RUNS);
      const result = await fc.check(property, { seed: seedFor(op.id), numRuns: runs, examples: sweep, interruptAfterTimeLimit: 20_000 });
      if (result.failed) failures.push(`${op.id}: ${(result.errorInstance as Error | undefined)?.message ?? String(result.counterexample)}`);
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(`fuzz (${kind}): ${operations.length - 1 - mlflowRoutes.length} OpenAPI operations, ${mlflowRoutes.length} MLflow routes, concurrent moves; ${requests} requests in ${seconds} s`);
    expect(failures, failures.join('\n')).toEqual([]);
    // "One Production version" is the kernel's known gap, pinned by the it.fails below; every other invariant holds.
    const violations = await invariantViolations(r.app, headers);
    expect(violations.filter((v) => v.invariant !== 'one Production version')).toEqual([]);
  }, 240_000);

  // Known gap, in the kernel (registry/targets/stages-service.ts), not the request edge: a transition
  // into Production without archive_existing_versions leaves the previous holder in Production too
  // (MLflow's stages may hold several versions), though the model view, the gateway and rollback
  // treat Production as one pointer. The fuzz finds it; this pins today's behaviour. When the kernel
  // archives the previous holder, this fails: expect one, and drop the exemption above.
  it('known gap: without archive_existing_versions two versions stay in Production', async () => {
    const name = 'fuzz-two-in-production';
    await createModel(r.app, name, headers);
    for (const v of [1, 2]) await registerOnnx(r.app, name, specFor(v), {}, headers);
    for (const v of [1, 2]) {
      const moved = await call(r.app, 'POST', `/api/v1/models/${name}/versions/${v}/stage`, { stage: 'Production', archive_existing_versions: false }, headers);
      expect(moved.status).toBe(200);
    }
    const versions = (await call(r.app, 'GET', `/api/v1/models/${name}/versions`, undefined, headers)).body.versions as Array<{ version: number; stage: string }>;
    expect(versions.filter((v) => v.stage === 'Production').map((v) => v.version)).toEqual([2, 1]);
  });
});
