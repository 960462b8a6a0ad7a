// What the UI shows is what the guard acts on: one data set read through the UI's series
// (GET /api/v1/models/{name}/metrics), the health summary (GET .../versions/{v}/monitoring) and the
// guard's own evaluation gives the same recall, precision, accuracy, error rate and p99 latency —
// and they are the numbers worked out by hand from the data set.
import { describe, expect, it } from 'vitest';
import { denseModelOnnx } from '../src/onnx/onnx-builder.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { call, createModel, promote, registerVersion } from './http.js';
import { feedbackItems, manualClock, traffic } from './monitoring-traffic.js';
import { serverExtensions } from '../src/server.js';

// On a 10-minute boundary, so the UI's one 600 s step and the guard's 600 s window hold the same requests.
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const RULES = [
  { metric: 'recall', min: 0 },
  { metric: 'precision', min: 0 },
  { metric: 'accuracy', min: 0 },
  { metric: 'error_rate', max: 1 },
  { metric: 'latency_p99_ms', max: 1e9 },
].map((r) => ({ ...r, min_samples: 1, window_seconds: 600, threshold: 0.5, positive_label: 1 }));

describe.each(DATABASES)('one data set, one set of numbers, on %s', (kind) => {
  const clock = manualClock(T0);
  const ext = serverExtensions({ observe: { guard: { tickMs: 0 }, retention: { flushMs: 3_600_000 } } });
  const r = useRegistry(kind, { overrides: { clock }, extensions: ext.pick('observe') });

  it('gives the UI, the health summary and the guard the same quality and latency', async () => {
    const name = uniqueName('fraud');
    await createModel(r.app, name);
    await registerVersion(r.app, name, { 'model.onnx': denseModelOnnx({ weights: [0.02, 1], bias: -2, activation: 'sigmoid', doc: name }) });
    await promote(r.app, name, 1);
    expect((await call(r.app, 'PUT', `/api/v1/models/${name}/policy`, { interval_seconds: 10, rules: RULES })).status).toBe(200);

    const xs = traffic({ model: name, version: 1, n: 400, start: T0 + 1000, spacingMs: 1000, recall: 0.7, errorRate: 0.05, seed: 71 });
    // Spread latencies so the 99th percentile is one particular request's; a caller's mistakes are
    // the slowest of all and must count for neither latency nor errors.
    xs.forEach((x, i) => (x.obs.latencyMs = 1 + ((i * 37) % 251)));
    for (const [i, x] of xs.entries()) if (i % 25 === 0) x.obs = { ...x.obs, outcome: 'client_error', latencyMs: 5000, inputs: undefined, predictions: undefined };
    for (const x of xs) ext.observe.observer.observe(x.obs);
    await ext.observe.writer!.flush();
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/feedback`, { items: feedbackItems(xs) })).status).toBe(200);

    // By hand.
    const ok = xs.filter((x) => x.obs.outcome === 'ok');
    const count = (pred: boolean, actual: boolean) => ok.filter((x) => Number(x.obs.predictions![0]) >= 0.5 === pred && (x.label === 1) === actual).length;
    const [tp, fp, fn, tn] = [count(true, true), count(true, false), count(false, true), count(false, false)];
    const served = xs.filter((x) => x.obs.outcome !== 'client_error');
    const latencies = served.map((x) => x.obs.latencyMs).sort((a, b) => a - b);
    const expected = {
      recall: tp / (tp + fn),
      precision: tp / (tp + fp),
      accuracy: (tp + tn) / ok.length,
      error_rate: served.filter((x) => x.obs.outcome === 'model_error').length / served.length,
      latency_p99_ms: latencies[Math.ceil(0.99 * latencies.length) - 1],
    };
    expect(fp).toBeGreaterThan(0);
    expect(expected.error_rate).toBeGreaterThan(0);

    clock.t = T0 + 590_000;
    // The guard's evaluation.
    await ext.observe.guard!.tick(clock.t);
    const health = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/1/monitoring?window_seconds=600`)).body;
    const guard = Object.fromEntries(health.guard.results.map((x: { metric: string; value: number }) => [x.metric, x.value]));
    // The UI's series, one step over the same requests.
    const metrics = await call(r.app, 'GET', `/api/v1/models/${name}/metrics?window_seconds=600&step_seconds=600`);
    expect(metrics.status).toBe(200);
    const [point] = metrics.body.versions[0].series;

    for (const [metric, value] of Object.entries(expected)) expect(guard[metric], metric).toBeCloseTo(value, 12);
    expect(health).toMatchObject({ error_rate: guard.error_rate, latency_p99_ms: guard.latency_p99_ms });
    expect(health.quality).toMatchObject({ recall: guard.recall, precision: guard.precision, accuracy: guard.accuracy });
    expect(point).toMatchObject({ requests: xs.length, error_rate: guard.error_rate, latency_p99_ms: guard.latency_p99_ms, recall: guard.recall, accuracy: guard.accuracy });
  });
});
