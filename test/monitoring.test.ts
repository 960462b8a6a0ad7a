// Monitoring on real databases: ground truth joins retained predictions, quality and drift are
// measured against a reference, Prometheus exposes per-version counters, the UI's series answer
// in their contract shape, and policy mistakes are clear 400s.
import { describe, expect, it } from 'vitest';
import { denseModelOnnx } from '../src/onnx/onnx-builder.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { call, createModel, promote, registerVersion } from './http.js';
import { feedbackItems, manualClock, rng, traffic } from './monitoring-traffic.js';
import { serverExtensions } from '../src/server.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

function referenceCsv(n: number, seed: number, shift = 0): string {
  const rand = rng(seed);
  const lines = ['amount,country,label'];
  for (let i = 0; i < n; i++) lines.push(`${(50 + rand() * 100 + shift).toFixed(3)},${['NL', 'DE', 'FR'][Math.floor(rand() * 3)]},${rand() < 0.3 ? 1 : 0}`);
  return lines.join('\n');
}

describe.each(DATABASES)('monitoring on %s', (kind) => {
  const clock = manualClock(T0);
  const ext = serverExtensions({ observe: { guard: { tickMs: 0 }, retention: { flushMs: 3_600_000 } } });
  const r = useRegistry(kind, { overrides: { clock }, extensions: ext.pick('observe') });

  async function modelInProduction() {
    const name = uniqueName('fraud');
    await createModel(r.app, name);
    await registerVersion(r.app, name, { 'model.onnx': denseModelOnnx({ weights: [0.02, 1], bias: -2, activation: 'sigmoid', doc: name }) });
    await promote(r.app, name, 1);
    return name;
  }

  async function putReference(name: string, body: string, type = 'text/csv') {
    const res = await r.app.inject({ method: 'PUT', url: `/api/v1/models/${name}/versions/1/reference`, headers: { 'content-type': type }, payload: body });
    return { status: res.statusCode, body: JSON.parse(res.body) };
  }

  it('joins labels that arrive later with the predictions they belong to, and counts the rest as unmatched', async () => {
    const name = await modelInProduction();
    const xs = traffic({ model: name, version: 1, n: 20, start: clock.t, recall: 1, fraudRate: 0.5, seed: 11 });
    for (const x of xs) ext.observe.observer.observe(x.obs);
    clock.t += 10_000;
    // No explicit flush: the feedback route writes this server's buffered predictions first.
    const res = await call(r.app, 'POST', `/api/v1/models/${name}/feedback`, { items: [...feedbackItems(xs), { request_id: 'never-served', label: 1 }] });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accepted: 20, unmatched: 1 });
    const health = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/1/monitoring?window_seconds=3600`)).body;
    expect(health).toMatchObject({ requests: 20, error_rate: 0 });
    expect(health.quality).toMatchObject({ labeled: 20, label_coverage: 1, recall: 1, accuracy: expect.any(Number) });
    expect(health.live.requests).toBe(20);
  });

  it('answers 404 for feedback on an unknown model and 400 for a malformed item', async () => {
    expect((await call(r.app, 'POST', '/api/v1/models/nope/feedback', { items: [] })).status).toBe(404);
    const name = await modelInProduction();
    const bad = await call(r.app, 'POST', `/api/v1/models/${name}/feedback`, { items: [{ request_id: 'x', label: { class: 1 } }] });
    expect(bad.status).toBe(400);
  });

  it('finds drift on a shifted feature and none on a resample of the reference', async () => {
    const name = await modelInProduction();
    const ref = await putReference(name, referenceCsv(2000, 21));
    expect(ref.status).toBe(200);
    expect(ref.body.features.map((f: { name: string }) => f.name).sort()).toEqual(['amount', 'country']);
    clock.t += 3_600_000;
    const same = traffic({ model: name, version: 1, n: 1500, start: clock.t, spacingMs: 1000, seed: 22 });
    for (const x of same) ext.observe.observer.observe(x.obs);
    await ext.observe.writer!.flush();
    clock.t += 1500 * 1000;
    const calm = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/1/drift?window_seconds=1500`)).body;
    expect(calm.rows).toBe(1500);
    expect(calm.drift_share).toBe(0);
    const amountCalm = calm.features.find((f: { feature: string }) => f.feature === 'amount');
    expect(amountCalm).toMatchObject({ method: 'wasserstein', drifted: false });

    clock.t += 3_600_000;
    const shifted = traffic({ model: name, version: 1, n: 1500, start: clock.t, spacingMs: 1000, amountShift: 40, seed: 23 });
    for (const x of shifted) ext.observe.observer.observe(x.obs);
    await ext.observe.writer!.flush();
    clock.t += 1500 * 1000;
    const drift = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/1/drift?window_seconds=1500`)).body;
    const amount = drift.features.find((f: { feature: string }) => f.feature === 'amount');
    const country = drift.features.find((f: { feature: string }) => f.feature === 'country');
    expect(amount).toMatchObject({ method: 'wasserstein', drifted: true });
    expect(amount.psi).toBeGreaterThan(0.25);
    expect(country).toMatchObject({ method: 'jensenshannon', drifted: false });
    expect(drift.drift_share).toBe(0.5);
  });

  it('uses Kolmogorov–Smirnov for a small numeric reference', async () => {
    const name = await modelInProduction();
    const lines = ['{"amount": 1, "country": "NL"}'];
    const rand = rng(31);
    for (let i = 0; i < 300; i++) lines.push(JSON.stringify({ amount: 50 + rand() * 100, country: ['NL', 'DE', 'FR'][i % 3] }));
    expect((await putReference(name, lines.join('\n'), 'application/x-ndjson')).status).toBe(200);
    clock.t += 3_600_000;
    for (const x of traffic({ model: name, version: 1, n: 200, start: clock.t, amountShift: 30, seed: 32 })) ext.observe.observer.observe(x.obs);
    await ext.observe.writer!.flush();
    clock.t += 200 * 100 + 1;
    const drift = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/1/drift?window_seconds=60`)).body;
    expect(drift.features.find((f: { feature: string }) => f.feature === 'amount')).toMatchObject({ method: 'ks', drifted: true });
  });

  it('rejects a malformed reference with a 400 that names the line', async () => {
    const name = await modelInProduction();
    const res = await putReference(name, 'amount,country\n1,NL\n2', 'text/csv');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('line 3');
  });

  it('builds a reference from the first requests a version served', async () => {
    const name = await modelInProduction();
    for (const x of traffic({ model: name, version: 1, n: 50, start: clock.t, seed: 41 })) ext.observe.observer.observe(x.obs);
    await ext.observe.writer!.flush();
    const tooMany = await call(r.app, 'POST', `/api/v1/models/${name}/versions/1/reference/from-traffic`, { requests: 100 });
    expect(tooMany.status).toBe(400);
    const res = await call(r.app, 'POST', `/api/v1/models/${name}/versions/1/reference/from-traffic`, { requests: 50 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ rows: 50, source: 'first 50 requests' });
    expect(res.body.features.map((f: { name: string }) => f.name).sort()).toEqual(['__prediction__', 'amount', 'country']);
  });

  it('exposes per-version request counters and latency histograms to Prometheus without a token', async () => {
    const name = await modelInProduction();
    const series = `model="${name}",version="1",binding="stage:Production"`;
    const scrape = async () => {
      const res = await r.app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/plain');
      const value = (metric: string) => {
        const line = res.body.split('\n').find((l) => l.startsWith(`${metric} `));
        return line === undefined ? undefined : Number(line.split(' ')[1]);
      };
      return { body: res.body, value };
    };
    const first = traffic({ model: name, version: 1, n: 10, start: clock.t, errorRate: 0.3, seed: 53, latencyMs: 3 });
    for (const x of first) ext.observe.observer.observe(x.obs);
    const ok1 = first.filter((x) => x.obs.outcome === 'ok').length;
    expect(ok1).toBeGreaterThan(0);
    expect(ok1).toBeLessThan(10);
    const a = await scrape();
    expect(a.value(`stagecraft_inference_requests_total{${series},outcome="ok"}`)).toBe(ok1);
    expect(a.value(`stagecraft_inference_requests_total{${series},outcome="model_error"}`)).toBe(10 - ok1);
    expect(a.value(`stagecraft_inference_latency_seconds_bucket{le="0.0025",${series}}`)).toBe(0);
    expect(a.value(`stagecraft_inference_latency_seconds_bucket{le="0.005",${series}}`)).toBe(10);
    expect(a.value(`stagecraft_inference_latency_seconds_bucket{le="+Inf",${series}}`)).toBe(10);
    expect(a.value(`stagecraft_inference_latency_seconds_count{${series}}`)).toBe(10);
    expect(a.value(`stagecraft_inference_latency_seconds_sum{${series}}`)).toBeCloseTo(0.03, 6);
    expect(a.body).toContain('stagecraft_process_cpu_user_seconds_total');

    // Counters only go up: a second scrape adds the new requests to what the first one reported.
    const second = traffic({ model: name, version: 1, n: 5, start: clock.t, seed: 52, latencyMs: 40 });
    for (const x of second) ext.observe.observer.observe(x.obs);
    await ext.observe.writer!.flush();
    const b = await scrape();
    // Retained rows are counted once written: the 5 new requests (and anything flushed before).
    const retained = (x: typeof a) => x.value('stagecraft_monitoring_rows_retained_total') ?? 0;
    expect(retained(b) - retained(a)).toBeGreaterThanOrEqual(5);
    expect(b.value('stagecraft_monitoring_rows_dropped_total')).toBe(0);
    expect(b.value(`stagecraft_inference_requests_total{${series},outcome="ok"}`)).toBe(ok1 + 5);
    expect(b.value(`stagecraft_inference_latency_seconds_bucket{le="0.025",${series}}`)).toBe(10);
    expect(b.value(`stagecraft_inference_latency_seconds_bucket{le="0.05",${series}}`)).toBe(15);
    expect(b.value(`stagecraft_inference_latency_seconds_count{${series}}`)).toBe(15);
    expect(b.value(`stagecraft_inference_latency_seconds_sum{${series}}`)).toBeCloseTo(0.23, 6);
  });

  it("answers the UI's metrics contract: per-version series, the policy's thresholds and the rollbacks", async () => {
    const name = uniqueName('fraud');
    await createModel(r.app, name);
    for (const v of [1, 2]) await registerVersion(r.app, name, { 'model.onnx': denseModelOnnx({ weights: [0.02, v], bias: -2, activation: 'sigmoid', doc: `${name}${v}` }) });
    await promote(r.app, name, 1);
    await call(r.app, 'PUT', `/api/v1/models/${name}/policy`, { rules: [{ metric: 'recall', min: 0.8 }, { metric: 'error_rate', max: 0.05 }] });
    const xs = traffic({ model: name, version: 1, n: 120, start: clock.t, spacingMs: 1000, seed: 61 });
    for (const x of xs) ext.observe.observer.observe(x.obs);
    await call(r.app, 'POST', `/api/v1/models/${name}/feedback`, { items: feedbackItems(xs) });
    await promote(r.app, name, 2);
    await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'test' });
    clock.t += 120_000;
    const res = await call(r.app, 'GET', `/api/v1/models/${name}/metrics?window_seconds=600&step_seconds=60`);
    expect(res.status).toBe(200);
    expect(res.body.versions).toHaveLength(1);
    const series = res.body.versions[0].series;
    expect(series).toHaveLength(10);
    expect(series.reduce((a: number, p: { requests: number }) => a + p.requests, 0)).toBe(120);
    const busy = series.find((p: { requests: number }) => p.requests > 0);
    expect(Object.keys(busy).sort()).toEqual(['accuracy', 'drift_share', 'error_rate', 'latency_p99_ms', 'recall', 'requests', 't']);
    expect(busy.recall).toBeGreaterThan(0.8);
    expect(res.body.thresholds).toEqual([{ metric: 'recall', min: 0.8, max: null }, { metric: 'error_rate', min: null, max: 0.05 }]);
    expect(res.body.rollbacks).toEqual([expect.objectContaining({ from_version: 2, to_version: 1, actor: expect.any(String) })]);
  });

  it('validates policies with 400s that name the field, and shows what it stored', async () => {
    const name = await modelInProduction();
    const cases: Array<[unknown, string]> = [
      [{ rules: [] }, 'non-empty'],
      [{ rules: [{ metric: 'recal', min: 0.8 }] }, 'rules[0].metric'],
      [{ rules: [{ metric: 'recall' }] }, 'needs a bound'],
      [{ rules: [{ metric: 'recall', min: 0.8, max_drop: 0.1 }] }, 'max_drop cannot be combined'],
      [{ rules: [{ metric: 'recall', min: 0.8, threshold: 2 }] }, 'rules[0].threshold'],
      [{ rules: [{ metric: 'recall', min: 0.8, colour: 'red' }] }, '"colour"'],
      [{ model: 'other', rules: [{ metric: 'recall', min: 0.8 }] }, 'names model "other"'],
      [{ interval_seconds: 0, rules: [{ metric: 'recall', min: 0.8 }] }, 'interval_seconds'],
      [{ rules: [{ metric: 'recall', min: 0.8, action: 'page' }] }, 'action'],
    ];
    for (const [body, message] of cases) {
      const res = await call(r.app, 'PUT', `/api/v1/models/${name}/policy`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.message).toContain(message);
    }
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/policy`)).status).toBe(404);
    const ok = await call(r.app, 'PUT', `/api/v1/models/${name}/policy`, { model: name, rules: [{ metric: 'psi:amount', max: 0.25 }] });
    expect(ok.status).toBe(200);
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/policy`)).body).toMatchObject({ model: name, interval_seconds: 10, rules: [{ metric: 'psi:amount', max: 0.25, min_samples: 100, action: 'rollback' }] });
  });
});
