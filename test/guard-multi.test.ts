// Two registry servers on one PostgreSQL database: exactly one guard acts (the lease holder), and
// the other takes over when the holder stops renewing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeps, type Deps } from '../src/deps.js';
import type { App } from '../src/http/app-types.js';
import { createLogger } from '../src/log.js';
import type { ObserveExtension } from '../src/observe/observe-extension.js';
import { buildServer, serverExtensions } from '../src/server.js';
import { denseModelOnnx } from '../src/onnx/onnx-builder.js';
import { hasPostgres, testConfig, uniqueName } from './databases.js';
import { call, createModel, promote, registerVersion } from './http.js';
import { feedbackItems, manualClock, traffic } from './monitoring-traffic.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

describe.skipIf(!hasPostgres)('two servers on postgres', () => {
  const clock = manualClock(T0);
  const servers: Array<{ deps: Deps; app: App; mon: ObserveExtension }> = [];

  beforeAll(async () => {
    const config = await testConfig('postgres');
    for (let i = 0; i < 2; i++) {
      const deps = await createDeps(config, { clock, log: createLogger('silent') });
      const ext = serverExtensions({ observe: { guard: { tickMs: 0, leaseMs: 300_000 }, retention: { flushMs: 3_600_000 } } });
      const mon = ext.observe;
      const { app } = await buildServer(deps, ext.pick('observe'));
      await app.ready();
      servers.push({ deps, app, mon });
    }
  });
  afterAll(async () => {
    for (const s of servers) {
      await s.app.close();
      await s.deps.close();
    }
  });

  async function failingModel() {
    const [a] = servers;
    const name = uniqueName('fraud');
    await createModel(a.app, name);
    for (const v of [1, 2]) await registerVersion(a.app, name, { 'model.onnx': denseModelOnnx({ weights: [v], bias: 0, activation: 'sigmoid', doc: `${name}${v}` }) });
    await promote(a.app, name, 1);
    await promote(a.app, name, 2);
    await call(a.app, 'PUT', `/api/v1/models/${name}/policy`, { interval_seconds: 10, cooldown_seconds: 0, rules: [{ metric: 'recall', min: 0.8, min_samples: 100 }] });
    clock.t += 60_000;
    // Half the traffic through each server; labels through the other one.
    const xs = traffic({ model: name, version: 2, n: 400, start: clock.t, recall: 0.2, seed: 9 });
    xs.forEach((x, i) => servers[i % 2].mon.observer.observe(x.obs));
    await Promise.all(servers.map((s) => s.mon.writer!.flush()));
    const fb = await call(servers[1].app, 'POST', `/api/v1/models/${name}/feedback`, { items: feedbackItems(xs) });
    expect(fb.body.unmatched).toBe(0);
    clock.t += 60_000;
    return name;
  }

  it('lets exactly one guard act when both evaluate at the same moment', async () => {
    const name = await failingModel();
    const reports = await Promise.all(servers.map((s) => s.mon.guard!.tick(clock.t)));
    expect(reports.filter((x) => x.leader)).toHaveLength(1);
    expect(reports.flatMap((x) => x.rollbacks).filter((x) => x.model === name)).toHaveLength(1);
    const events = (await call(servers[0].app, 'GET', `/api/v1/events?model=${name}&type=rollback`)).body.events;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actor: 'guard', from: '2', to: '1' });
  });

  it('hands the lease to the other server when the holder stops renewing', async () => {
    const leader = (await Promise.all(servers.map((s) => s.mon.guard!.tick(clock.t)))).findIndex((x) => x.leader);
    const other = servers[1 - leader];
    const name = await failingModel();
    // The leader goes quiet; within the lease the other still may not act.
    expect((await other.mon.guard!.tick(clock.t)).leader).toBe(false);
    clock.t += 301_000;
    const report = await other.mon.guard!.tick(clock.t);
    expect(report.leader).toBe(true);
    expect(report.rollbacks.map((x) => x.model)).toContain(name);
  });
});
