import { describe, expect, it } from 'vitest';
import { ShadowMirror } from '../src/experiments/shadow-mirror.js';
import { ksDistance } from '../src/experiments/shadow-stats.js';
import { denseModelPredict } from '../src/onnx/onnx-builder.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { eventually, v2Body, waitConverged } from './gateway-fixtures.js';
import { call } from './http.js';
import { GOOD, holdoutRows, modelWith, stage, WORSE } from './promotion-fixtures.js';
import { serverExtensions } from '../src/server.js';

describe.each(DATABASES)('shadow runs on %s', (kind) => {
  const ext = serverExtensions({ experiments: { tickMs: 0 } });
  const r = useRegistry(kind, { extensions: ext.pick('serving', 'experiments') });

  async function infer(name: string, row: number[]) {
    const res = await r.app.inject({ method: 'POST', url: `/v2/models/${name}/infer`, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(v2Body([row])) });
    return { status: res.statusCode, version: Number(res.headers['stagecraft-model-version']), value: JSON.parse(res.body).outputs?.[0]?.data?.[0] as number };
  }

  it('never changes what callers receive, and reports agreement, mean difference and distribution distance correctly', async () => {
    const name = uniqueName('shadow');
    await modelWith(r.app, name, [GOOD, WORSE]);
    await stage(r.app, name, 1, 'Production');
    await waitConverged(r.app, name, 1);
    const started = await call(r.app, 'POST', `/api/v1/models/${name}/shadow`, { version: 2, percent: 100 });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ status: 'running', serving_version: 1, version: 2 });
    await eventually(async () => ext.serving.gateway().slots.get(name), (s) => s?.traffic instanceof ShadowMirror && s.loaded.has(2), 'mirror installed, candidate warm');

    const rows = holdoutRows().map((h) => [h.x1, h.x2]);
    for (const row of rows) {
      const res = await infer(name, row);
      expect(res.status).toBe(200);
      expect(res.version).toBe(1);
      expect(res.value).toBeCloseTo(denseModelPredict(GOOD, row), 5);
    }
    const report = (await eventually(async () => (await call(r.app, 'GET', `/api/v1/models/${name}/shadow`)).body, (b) => b.report?.mirrored_requests === rows.length, 'every request mirrored')).report;

    const a = rows.map((row) => denseModelPredict(GOOD, row));
    const b = rows.map((row) => denseModelPredict(WORSE, row));
    const agree = a.filter((p, i) => p >= 0.5 === b[i] >= 0.5).length / rows.length;
    expect(agree).toBeLessThan(1);
    expect(report).toMatchObject({ candidate_errors: 0, compared_rows: rows.length, dropped_requests: 0 });
    expect(report.agreement_rate).toBeCloseTo(agree, 10);
    expect(report.mean_abs_diff).toBeCloseTo(a.reduce((s, p, i) => s + Math.abs(p - b[i]), 0) / rows.length, 4);
    expect(report.ks_distance).toBeCloseTo(ksDistance(a, b)!, 2);

    const stopped = await call(r.app, 'POST', `/api/v1/models/${name}/shadow/stop`, { reason: 'enough data' });
    expect(stopped.body).toMatchObject({ status: 'stopped', report: { mirrored_requests: rows.length } });
    await eventually(async () => ext.serving.gateway().slots.get(name)?.traffic, (t) => t === null, 'mirror removed');
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/shadow`)).body.report.agreement_rate).toBeCloseTo(agree, 10);
    const types = (await call(r.app, 'GET', `/api/v1/events?model=${name}`)).body.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(['shadow.started', 'shadow.stopped']));
  });

  it('refuses a shadow of the serving version, a bad percent, and a second experiment on the model', async () => {
    const name = uniqueName('shadow-refuse');
    await modelWith(r.app, name, [GOOD, WORSE]);
    await stage(r.app, name, 1, 'Production');
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/shadow`, { version: 1, percent: 10 })).status).toBe(409);
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/shadow`, { version: 2, percent: 0 })).status).toBe(400);
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/shadow`, { version: 2, percent: 10 })).status).toBe(201);
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/rollout`, { version: 2 })).status).toBe(409);
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/shadow/stop`, {})).status).toBe(200);
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/shadow/stop`, {})).status).toBe(409);
  });
});
