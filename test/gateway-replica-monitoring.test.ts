import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createDeps } from '../src/deps.js';
import { createLogger } from '../src/log.js';
import { buildServer, configuredExtensions, type Server } from '../src/server.js';
import { DATABASES, tempDir, testConfig, uniqueName } from './databases.js';
import { eventually, registerOnnx, startReplica, specFor, v2Body, waitConverged } from './gateway-fixtures.js';
import { call, createModel, promote } from './http.js';

const log = createLogger('silent');

describe.each(DATABASES)('standalone replicas report to the registry on %s', (kind) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  /**
   * A registry that requires tokens, and a standalone replica that follows it with a gateway-role
   * token (what `stagecraft gateway --token T` is given): heartbeats, observations and shadow
   * comparisons reach the registry under that role. The test acts with an admin token (`admin`).
   */
  async function setUp(beforeGateway?: (app: Server['app'], model: string, admin: Record<string, string>) => Promise<void>) {
    const deps = await createDeps(await testConfig(kind), { log });
    const { app } = await buildServer(deps, configuredExtensions(deps).all());
    await app.listen({ host: '127.0.0.1', port: 0 });
    cleanups.push(async () => {
      app.server.closeAllConnections();
      await app.close();
      await deps.close();
    });
    const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const root = (await call(app, 'POST', '/api/v1/tokens', { name: uniqueName('root'), role: 'admin' })).body.token as string;
    const admin = { authorization: `Bearer ${root}` };
    const replicaToken = (await call(app, 'POST', '/api/v1/tokens', { name: uniqueName('replica'), role: 'gateway' }, admin)).body.token as string;
    const model = uniqueName('fraud');
    await createModel(app, model, admin);
    for (const v of [1, 2]) await registerOnnx(app, model, specFor(v), {}, admin);
    await promote(app, model, 1, 'Production', true, admin);
    await beforeGateway?.(app, model, admin);
    const gw = await startReplica({ registry: url, token: replicaToken, cacheDir: tempDir('gw-'), retryMs: 50, heartbeatMs: 200, shipper: { flushMs: 50 } }, log);
    cleanups.push(() => gw.close());
    await waitConverged(app, model, 1, 500, admin);
    const infer = async (headers: Record<string, string> = {}) => {
      const res = await fetch(`${gw.url}/v2/models/${model}/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(v2Body([[1, 2, 3]])),
      });
      await res.arrayBuffer();
      return { status: res.status, version: Number(res.headers.get('stagecraft-model-version')), requestId: res.headers.get('stagecraft-request-id')! };
    };
    return { app, model, gw, infer, admin };
  }

  it('joins ground truth sent to the registry with a prediction a standalone replica served', async () => {
    const { app, model, infer, admin } = await setUp();
    const served = await infer();
    expect(served).toMatchObject({ status: 200, version: 1 });
    // The replica ships its observations; the registry retains them; the label then finds its prediction.
    const answer = await eventually(
      async () => (await call(app, 'POST', `/api/v1/models/${model}/feedback`, { items: [{ request_id: served.requestId, label: 1 }] }, admin)).body,
      (b: { accepted: number }) => b.accepted === 1,
      'the replica-served prediction to be retained in the registry',
    );
    expect(answer).toEqual({ accepted: 1, unmatched: 0 });
  });

  it('sends canary traffic to the candidate on a standalone replica, as the rollout says', async () => {
    const { app, model, infer, admin } = await setUp();
    const started = await call(app, 'POST', `/api/v1/models/${model}/rollout`, { version: 2, steps: [100], step_minutes: 60 }, admin);
    expect(started.status).toBeLessThan(300);
    // Every request goes to the candidate once the replica has warmed it (the split is 100%).
    const seen = await eventually(async () => (await infer()).version, (v) => v === 2, 'the replica to route the canary');
    expect(seen).toBe(2);
    await call(app, 'POST', `/api/v1/models/${model}/rollout/abort`, { reason: 'test over' }, admin);
    await eventually(async () => (await infer()).version, (v) => v === 1, 'all traffic back on the baseline after the abort');
  });

  it('routes a canary that started before the replica booted, from the snapshot it boots with', async () => {
    const { app, model, infer, admin } = await setUp(async (registry, name, headers) => {
      const started = await call(registry, 'POST', `/api/v1/models/${name}/rollout`, { version: 2, steps: [100], step_minutes: 60 }, headers);
      expect(started.status).toBeLessThan(300);
    });
    const seen = await eventually(async () => (await infer()).version, (v) => v === 2, 'the booted replica to route the canary');
    expect(seen).toBe(2);
    await call(app, 'POST', `/api/v1/models/${model}/rollout/abort`, { reason: 'test over' }, admin);
    await eventually(async () => (await infer()).version, (v) => v === 1, 'all traffic back on the baseline after the abort');
  });

  it('drills a Staging rollback through every replica, whatever the binding, and records what each answered', async () => {
    const { app, model, gw, admin } = await setUp();
    await call(app, 'POST', `/api/v1/models/${model}/versions/2/stage`, { stage: 'Staging' }, admin);
    await registerOnnx(app, model, specFor(3), {}, admin);
    // The model stays bound to Production; the drill still asks each replica for Staging by label.
    const res = await call(app, 'POST', `/api/v1/models/${model}/drills`, { stage: 'Staging', version: 3 }, admin);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ passed: true, candidate_version: 3, previous_version: 2 });
    const replica = (m: { replicas: Array<{ replica_id: string; answered: number | null }> }) =>
      m.replicas.find((x) => x.replica_id === gw.gateway.options.replicaId);
    expect(replica(res.body.to_candidate)).toMatchObject({ answered: 3 });
    expect(replica(res.body.back_to_previous)).toMatchObject({ answered: 2 });
    expect(res.body.to_candidate.failed_probes + res.body.back_to_previous.failed_probes).toBe(0);
  });

  it("adds a standalone replica's shadow comparisons to the shadow's report, never changing what callers get", async () => {
    const { app, model, infer, admin } = await setUp();
    const started = await call(app, 'POST', `/api/v1/models/${model}/shadow`, { version: 2, percent: 100 }, admin);
    expect(started.status).toBe(201);
    // Only the replica serves traffic in this test, so every mirrored request in the report is its.
    type Report = { mirrored_requests: number; compared_rows: number; agreement_rate: number | null; candidate_errors: number };
    const report = await eventually(
      async (): Promise<Report | null> => {
        for (let i = 0; i < 5; i++) expect((await infer()).version).toBe(1);
        return (await call(app, 'GET', `/api/v1/models/${model}/shadow`, undefined, admin)).body.report;
      },
      (r) => (r?.mirrored_requests ?? 0) >= 5,
      "the replica's mirrored requests to reach the report",
      100,
    );
    expect(report?.compared_rows).toBeGreaterThanOrEqual(5);
    expect(report?.agreement_rate).not.toBeNull();
    expect(report?.candidate_errors).toBe(0);
  });
});
