import { describe, expect, it } from 'vitest';
import { serverExtensions } from '../src/server.js';
import type { InferenceObservation } from '../src/serving/gateway/observer.js';
import { releaseIdle } from '../src/serving/gateway/standby.js';
import { ModelSlot, type LoadedVersion } from '../src/serving/gateway/model-slot.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { expected, registerOnnx, specFor, v2Body, waitConverged } from './gateway-fixtures.js';
import { call, createModel, promote } from './http.js';

describe.each(DATABASES)('gateway observations and tokens on %s', (kind) => {
  const seen: InferenceObservation[] = [];
  // A test's own extension beside the server's: one observer that records, one that throws.
  const recorder = { name: 'recorder', observers: [{ observe: (o: InferenceObservation) => seen.push(o) }, { observe: () => { throw new Error('a broken observer'); } }] };
  const ext = serverExtensions();
  const r = useRegistry(kind, { extensions: [...ext.pick('serving'), recorder] });
  const rows = [
    [1, 2, 3],
    [4, 5, 6],
  ];

  it('reports every inference with the version, binding, request id, columnar inputs by feature name and one prediction per row', async () => {
    const m = uniqueName('scorer');
    await createModel(r.app, m);
    await registerOnnx(r.app, m, specFor(1), { tags: { 'stagecraft.feature_names': 'tenure,spend,visits' } });
    await promote(r.app, m, 1);
    await waitConverged(r.app, m, 1);

    const byColumns = await call(r.app, 'POST', `/models/${m}/invocations`, { dataframe_split: { columns: ['a', 'b', 'c'], data: rows } });
    const byTag = await call(r.app, 'POST', `/v2/models/${m}/infer`, v2Body(rows));
    const refused = await call(r.app, 'POST', `/v2/models/${m}/infer`, v2Body(rows, 'wrong'));
    expect([byColumns.status, byTag.status, refused.status]).toEqual([200, 200, 400]);
    const mine = seen.filter((o) => o.model === m);
    expect(mine).toHaveLength(3);
    expect(mine[0]).toMatchObject({ version: 1, binding: 'stage:Production', outcome: 'ok', requestId: byColumns.headers['stagecraft-request-id'], inputs: { a: [1, 4], b: [2, 5], c: [3, 6] } });
    mine[0].predictions!.forEach((p, i) => expect(Math.abs(Number(p) - expected(specFor(1), rows[i]))).toBeLessThan(1e-5));
    expect(mine[1].inputs).toEqual({ tenure: [1, 4], spend: [2, 5], visits: [3, 6] });
    expect(mine[1].latencyMs).toBeGreaterThanOrEqual(0);
    expect(mine[2]).toMatchObject({ outcome: 'client_error', predictions: undefined });
  });

  it('applies API tokens to inference: without one a locked server answers 401', async () => {
    const m = uniqueName('locked');
    await createModel(r.app, m);
    await registerOnnx(r.app, m, specFor(1));
    await promote(r.app, m, 1);
    await waitConverged(r.app, m, 1);
    const admin = await call(r.app, 'POST', '/api/v1/tokens', { name: uniqueName('admin'), role: 'admin' });
    expect(admin.status).toBe(201);
    const viewer = await call(r.app, 'POST', '/api/v1/tokens', { name: uniqueName('viewer'), role: 'viewer' }, { authorization: `Bearer ${admin.body.token}` });
    expect((await call(r.app, 'POST', `/v2/models/${m}/infer`, v2Body(rows))).status).toBe(401);
    const ok = await call(r.app, 'POST', `/v2/models/${m}/infer`, v2Body(rows), { authorization: `Bearer ${viewer.body.token}` });
    expect(ok.status).toBe(200);
  });
});

describe('warm standby release', () => {
  const lv = (version: number, lastActive: number, memoryBytes: number, inflight = 0) =>
    ({ version, lastActive, memoryBytes, inflight }) as unknown as LoadedVersion;

  it('keeps the current version and busy ones, releases standbys past the window, then the oldest while over budget', () => {
    const slot = new ModelSlot('m', { concurrency: 1, queue: 1 });
    const current = lv(5, 0, 100);
    slot.current = current;
    for (const v of [current, lv(1, 0, 100), lv(2, 900, 100), lv(3, 950, 100), lv(4, 0, 100, 1)]) slot.loaded.set(v.version, v);
    const released = releaseIdle(new Map([['m', slot]]), { standbyMs: 500, memoryBudgetBytes: 300 }, 1000);
    // v1 expired; then 400 bytes remain over a 300 budget: v2 (older) goes, v3 stays; v4 is busy.
    expect(released.map((x) => x.version)).toEqual([1, 2]);
    expect([...slot.loaded.keys()].sort()).toEqual([3, 4, 5]);
  });
});
