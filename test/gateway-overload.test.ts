// Overload made visible, through a real gateway: a model whose only permit is held (an external model
// server that answers when told) sheds what its queue cannot hold, and times out what waited too long.
// Each 503 is counted against the version the binding serves — in the live stats, on /metrics by
// reason, in the retained segments — never as a model error; and a health policy on shed_rate fires.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { v2Body, waitConverged } from './gateway-fixtures.js';
import { call, createModel, promote } from './http.js';
import { serverExtensions } from '../src/server.js';
import { SHED_CODE } from '../src/serving/gateway/observer.js';

/** An Open Inference Protocol server holding every request until released. */
function heldServer() {
  const held: Array<() => void> = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () =>
      held.push(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ outputs: [{ name: 'probability', shape: [1, 1], datatype: 'FP32', data: [0.5] }] }));
      }),
    );
  });
  return { server, held, url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

// Up to 10 s: a loaded CI machine can take seconds to get a request to the held endpoint.
const until = async (check: () => boolean) => {
  for (let i = 0; i < 2000 && !check(); i++) await new Promise((res) => setTimeout(res, 5));
  expect(check()).toBe(true);
};

describe.each(DATABASES)('overload on %s', (kind) => {
  const ext = heldServer();
  beforeAll(() => new Promise<void>((res) => ext.server.listen(0, '127.0.0.1', res)));
  afterAll(() => new Promise<void>((res) => ext.server.close(() => res())));
  // Real time: the gateway stamps observations with it, and convergence reads heartbeats by it; the
  // guard is ticked by hand at a time the test names.
  const clock = { now: () => Date.now() };
  const extensions = serverExtensions({
    // Long enough that the request left waiting is still queued while the sheds arrive on a loaded
    // machine (400 ms was not, once, in CI on PostgreSQL with other jobs running).
    serving: { gateway: { concurrency: 1, queue: 1, queueTimeoutMs: 1500 } },
    observe: { guard: { tickMs: 0 }, retention: { flushMs: 3_600_000 } },
  });
  const r = useRegistry(kind, { overrides: { clock }, extensions: extensions.pick('serving', 'observe') });
  const row = [1, 0.5, -2];
  const infer = (name: string) => call(r.app, 'POST', `/v2/models/${name}/infer`, v2Body([row]));

  async function heldModel(rule: Record<string, unknown> | null = null) {
    const name = uniqueName('busy');
    await createModel(r.app, name);
    for (const v of [1, 2]) {
      const res = await call(r.app, 'POST', `/api/v1/models/${name}/versions`, { runtime: 'http', endpoint_url: `${ext.url()}/v${v}/v2/models/x/infer` });
      expect(res.status).toBe(201);
    }
    await promote(r.app, name, 1);
    await promote(r.app, name, 2);
    await waitConverged(r.app, name, 2);
    if (rule) {
      const res = await call(r.app, 'PUT', `/api/v1/models/${name}/policy`, { interval_seconds: 10, watch_minutes: 60, rules: [{ window_seconds: 600, ...rule }] });
      expect(res.status).toBe(200);
    }
    return name;
  }

  /** One running request held, `queued` that time out in the queue, then `shed` turned away at once; the running one answers. */
  async function overload(name: string, queued: number, shed: number) {
    const running = infer(name);
    await until(() => ext.held.length === 1);
    for (let q = 0; q < queued; q++) {
      const res = await infer(name);
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect(res.body.error).toContain('queued past 1500 ms');
    }
    const waiting = infer(name);
    for (let s = 0; s < shed; s++) {
      const res = await infer(name);
      expect(res.status).toBe(503);
      expect(res.body.error).toContain('queue is full');
    }
    // Release until both answered: the one still queued gets the permit or times out meanwhile.
    let settled = false;
    const both = Promise.all([running, waiting]).finally(() => (settled = true));
    await until(() => {
      ext.held.splice(0).forEach((answer) => answer());
      return settled;
    });
    const [ran, waited] = await both;
    expect(ran.status).toBe(200);
    expect([200, 503]).toContain(waited.status);
  }

  it('counts sheds and queue timeouts per version in the live stats and on /metrics, never as model errors', async () => {
    const name = await heldModel();
    await overload(name, 2, 5);
    const live = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/2/monitoring?window_seconds=600`)).body.live;
    expect(live.sheds).toBeGreaterThanOrEqual(7);
    expect(live.queue_timeouts).toBeGreaterThanOrEqual(2);
    expect(live.model_errors).toBe(0);
    expect(live.error_rate).toBe(0);
    expect(live.shed_rate).toBeCloseTo(live.sheds / (live.requests + live.sheds), 10);
    expect(live.shed_rate).toBeGreaterThan(0.5);
    const metrics = (await r.app.inject({ method: 'GET', url: '/metrics' })).body;
    const count = (reason: string) => Number(new RegExp(`stagecraft_inference_shed_total\\{model="${name}",version="2",binding="stage:Production",reason="${reason}"\\} (\\d+)`).exec(metrics)?.[1]);
    expect(count('queue_full')).toBe(5);
    expect(count('queue_timeout')).toBeGreaterThanOrEqual(2);
    expect(metrics).toContain(`stagecraft_inference_requests_total{model="${name}",version="2",binding="stage:Production",outcome="shed"} 5`);
    expect(metrics).not.toContain(`outcome="model_error"`);
  });

  it('fires a shed_rate policy on a saturated model, and keeps sheds out of error_rate', async () => {
    const name = await heldModel({ metric: 'shed_rate', max: 0.2, min_samples: 10, action: 'alert' });
    await overload(name, 1, 12);
    await extensions.observe.writer!.flush();
    const report = await extensions.observe.guard!.tick(Date.now() + 1000);
    expect(report.leader).toBe(true);
    const alerts = (await call(r.app, 'GET', `/api/v1/events?model=${name}&type=guard.alert`)).body.events;
    expect(alerts).toHaveLength(1);
    expect(alerts[0].reason).toContain('shed_rate <= 0.2');
    expect(alerts[0].details.measured).toBeGreaterThan(0.5);
    const health = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/2/monitoring?window_seconds=600`)).body;
    expect(health.shed_rate).toBeGreaterThan(0.5);
    // Served requests only: the one that ran, maybe the one that waited; sheds are not model errors.
    expect(health.error_rate).toBe(0);
    expect(health.requests).toBeLessThanOrEqual(2);
  });

  it('refuses a shed_rate rule without a bound, as any other metric; sheds are the codes the segment codec counts', async () => {
    // segment-codec.ts counts outcome codes >= 4 as sheds (a literal: it also runs in a worker).
    expect(SHED_CODE).toBe(4);
    const name = await heldModel();
    const res = await call(r.app, 'PUT', `/api/v1/models/${name}/policy`, { rules: [{ metric: 'shed_rate' }] });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('needs a bound');
  });
});
