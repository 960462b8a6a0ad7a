// The guard with an injected clock on real databases: it rolls back on a recall drop, an error
// spike and slow responses; never on a long healthy run; never on too few labels.
import { describe, expect, it } from 'vitest';
import { denseModelOnnx } from '../src/onnx/onnx-builder.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { call, createModel, promote, registerVersion } from './http.js';
import { feedbackItems, manualClock, traffic } from './monitoring-traffic.js';
import { serverExtensions } from '../src/server.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

describe.each(DATABASES)('guard on %s', (kind) => {
  const clock = manualClock(T0);
  const ext = serverExtensions({ observe: { guard: { tickMs: 0 }, retention: { flushMs: 3_600_000 } } });
  const r = useRegistry(kind, { overrides: { clock }, extensions: ext.pick('observe') });

  async function productionPair(rule: Record<string, unknown>, policy: Record<string, unknown> = {}) {
    const name = uniqueName('fraud');
    await createModel(r.app, name);
    for (const v of [1, 2]) await registerVersion(r.app, name, { 'model.onnx': denseModelOnnx({ weights: [0.01, v], bias: -1, activation: 'sigmoid', doc: `${name} v${v}` }) });
    await promote(r.app, name, 1);
    await promote(r.app, name, 2);
    const res = await call(r.app, 'PUT', `/api/v1/models/${name}/policy`, { interval_seconds: 10, watch_minutes: 60, rules: [{ min_samples: 100, window_seconds: 600, ...rule }], ...policy });
    expect(res.status).toBe(200);
    return name;
  }

  async function serve(xs: ReturnType<typeof traffic>, labels = true) {
    for (const x of xs) ext.observe.observer.observe(x.obs);
    await ext.observe.writer!.flush();
    if (labels) {
      const fb = await call(r.app, 'POST', `/api/v1/models/${xs[0].obs.model}/feedback`, { items: feedbackItems(xs) });
      expect(fb.status).toBe(200);
      expect(fb.body.unmatched).toBe(0);
    }
  }

  const scrape = async () => (await r.app.inject({ method: 'GET', url: '/metrics' })).body;

  async function production(name: string) {
    return (await call(r.app, 'GET', `/api/v1/models/${name}`)).body.stages.Production;
  }

  it('rolls back to the previous version when recall on the fraud class collapses, with the evidence', async () => {
    const name = await productionPair({ metric: 'recall', threshold: 0.5, positive_label: 1, min: 0.8 });
    clock.t += 60_000;
    await serve(traffic({ model: name, version: 2, n: 600, start: clock.t, recall: 0.2, seed: 1 }));
    clock.t += 60_000;
    const report = await ext.observe.guard!.tick(clock.t);
    expect(report.leader).toBe(true);
    expect(report.rollbacks).toEqual([expect.objectContaining({ model: name, from_version: 2, to_version: 1 })]);
    expect(await production(name)).toBe(1);
    const v2 = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/2`)).body;
    expect(v2.health).toBe('failed');
    const ev = (await call(r.app, 'GET', `/api/v1/events?model=${name}&type=rollback`)).body.events[0];
    expect(ev.actor).toBe('guard');
    expect(ev.reason).toMatch(/recall >= 0\.8\) failed: measured 0\.\d+ over \d+ labeled samples/);
    expect(ev.details.evidence).toMatchObject({ bound: { min: 0.8 }, window_seconds: 600 });
    expect(ev.details.evidence.samples).toBeGreaterThanOrEqual(100);
    expect(ev.details.evidence.measured).toBeLessThan(0.4);
    // The post-mortem view of v2 keeps what the guard did, also once the guard watches v1.
    const health = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/2/monitoring?window_seconds=600`)).body;
    expect(health.guard_actions).toEqual([expect.objectContaining({ type: 'version.health_changed', reason: expect.stringContaining('recall >= 0.8) failed') })]);
    expect(health.guard_actions[0].evidence).toMatchObject({ bound: { min: 0.8 }, measured: ev.details.evidence.measured });
  });

  it('rolls back on an error-rate spike', async () => {
    const name = await productionPair({ metric: 'error_rate', max: 0.05 });
    clock.t += 60_000;
    await serve(traffic({ model: name, version: 2, n: 300, start: clock.t, errorRate: 0.3, seed: 2 }), false);
    clock.t += 60_000;
    const report = await ext.observe.guard!.tick(clock.t);
    expect(report.rollbacks.map((x) => x.model)).toContain(name);
    expect(await production(name)).toBe(1);
  });

  it('rolls back when p99 latency goes above its bound', async () => {
    const name = await productionPair({ metric: 'latency_p99_ms', max: 250 });
    clock.t += 60_000;
    await serve(traffic({ model: name, version: 2, n: 300, start: clock.t, latencyMs: 900, seed: 3 }), false);
    clock.t += 60_000;
    const report = await ext.observe.guard!.tick(clock.t);
    expect(report.rollbacks.find((x) => x.model === name)?.reason).toContain('latency_p99_ms <= 250');
    expect(await production(name)).toBe(1);
  });

  it('waits for failure_limit consecutive failures before acting', async () => {
    const name = await productionPair({ metric: 'error_rate', max: 0.05, failure_limit: 2 });
    clock.t += 60_000;
    await serve(traffic({ model: name, version: 2, n: 300, start: clock.t, errorRate: 0.3, seed: 4 }), false);
    clock.t += 60_000;
    expect((await ext.observe.guard!.tick(clock.t)).rollbacks.map((x) => x.model)).not.toContain(name);
    expect(await production(name)).toBe(2);
    clock.t += 10_000;
    expect((await ext.observe.guard!.tick(clock.t)).rollbacks.map((x) => x.model)).toContain(name);
  });

  it('never rolls back over a long healthy run on the same distribution, and marks the version stable after its watch window', async () => {
    const name = await productionPair({ metric: 'recall', min: 0.8 }, { watch_minutes: 30 });
    // 40 minutes of healthy traffic, evaluated every minute.
    for (let minute = 0; minute < 40; minute++) {
      await serve(traffic({ model: name, version: 2, n: 40, start: clock.t, spacingMs: 1000, recall: 0.95, seed: 100 + minute }));
      clock.t += 60_000;
      const report = await ext.observe.guard!.tick(clock.t);
      expect(report.rollbacks.map((x) => x.model)).not.toContain(name);
    }
    expect(await production(name)).toBe(2);
    const v2 = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/2`)).body;
    expect(v2.health).toBe('stable');
    const health = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/2/monitoring?window_seconds=600`)).body;
    expect(health.guard.status).toBe('healthy');
    // The same verdicts on /metrics, for alerting rules.
    const metrics = await scrape();
    const labels = `model="${name}",version="2"`;
    expect(metrics).toContain(`stagecraft_guard_status{${labels},status="healthy"} 1`);
    expect(metrics).toContain(`stagecraft_guard_rule_verdict{${labels},rule="0",metric="recall",verdict="pass"} 1`);
    const recall = Number(metrics.match(new RegExp(`stagecraft_guard_rule_value\\{${labels},rule="0",metric="recall"\\} (\\S+)`))?.[1]);
    expect(recall).toBeCloseTo(health.guard.results[0].value, 9);
    expect(recall).toBeGreaterThan(0.8);
  });

  it('is inconclusive, and never acts, with too few labels — even when the few labels look bad', async () => {
    const name = await productionPair({ metric: 'recall', min: 0.8, min_samples: 200 });
    clock.t += 60_000;
    const xs = traffic({ model: name, version: 2, n: 400, start: clock.t, recall: 0.1, seed: 5 });
    for (const x of xs) ext.observe.observer.observe(x.obs);
    await ext.observe.writer!.flush();
    // Only 50 of 400 predictions get their label.
    await call(r.app, 'POST', `/api/v1/models/${name}/feedback`, { items: feedbackItems(xs).slice(0, 50) });
    clock.t += 60_000;
    const report = await ext.observe.guard!.tick(clock.t);
    expect(report.rollbacks.map((x) => x.model)).not.toContain(name);
    expect(await production(name)).toBe(2);
    const health = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/2/monitoring?window_seconds=600`)).body;
    expect(health.guard.status).toBe('inconclusive');
    expect(health.guard.results[0]).toMatchObject({ verdict: 'inconclusive', samples: 50 });
    expect(health.guard.results[0].detail).toContain('200 needed');
    expect(await scrape()).toContain(`stagecraft_guard_rule_verdict{model="${name}",version="2",rule="0",metric="recall",verdict="inconclusive"} 1`);
    expect(health.quality.label_coverage).toBeCloseTo(50 / 400, 5);
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/versions/2`)).body.health).toBe('unknown');
  });

  it('builds a Staging version\'s reference profile from its first requests when it has none', async () => {
    const name = uniqueName('fraud');
    await createModel(r.app, name);
    await registerVersion(r.app, name, { 'model.onnx': denseModelOnnx({ weights: [0.01, 1], bias: -1, activation: 'sigmoid', doc: name }) });
    await promote(r.app, name, 1, 'Staging');
    await call(r.app, 'PUT', `/api/v1/models/${name}/policy`, { interval_seconds: 10, reference_requests: 50, rules: [{ metric: 'drift_share', max: 0.5 }] });
    clock.t += 60_000;
    for (const x of traffic({ model: name, version: 1, n: 30, start: clock.t, seed: 12 })) ext.observe.observer.observe(x.obs);
    await ext.observe.writer!.flush();
    clock.t += 60_000;
    await ext.observe.guard!.tick(clock.t);
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/versions/1/reference`)).status).toBe(404);
    for (const x of traffic({ model: name, version: 1, n: 30, start: clock.t, seed: 13 })) ext.observe.observer.observe(x.obs);
    await ext.observe.writer!.flush();
    clock.t += 60_000;
    await ext.observe.guard!.tick(clock.t);
    const ref = await call(r.app, 'GET', `/api/v1/models/${name}/versions/1/reference`);
    expect(ref.body).toMatchObject({ rows: 50, source: 'first 50 requests in Staging' });
  });

  it('alerts without rolling back when the rule says alert, and in dry run', async () => {
    const name = await productionPair({ metric: 'error_rate', max: 0.05, action: 'alert' });
    clock.t += 60_000;
    await serve(traffic({ model: name, version: 2, n: 200, start: clock.t, errorRate: 0.5, seed: 6 }), false);
    clock.t += 60_000;
    await ext.observe.guard!.tick(clock.t);
    expect(await production(name)).toBe(2);
    const alerts = (await call(r.app, 'GET', `/api/v1/events?model=${name}&type=guard.alert`)).body.events;
    expect(alerts).toHaveLength(1);
    expect(alerts[0].reason).toContain('error_rate <= 0.05');
    const health = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/2/monitoring?window_seconds=600`)).body;
    expect(health.guard_actions).toEqual([expect.objectContaining({ type: 'guard.alert', evidence: expect.objectContaining({ measured: expect.any(Number) }) })]);
  });
});
