import { describe, expect, it } from 'vitest';
import { CanarySplit } from '../src/experiments/traffic-split.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { eventually, v2Body, waitConverged } from './gateway-fixtures.js';
import { call } from './http.js';
import { GOOD, holdoutRows, modelWith, stage, WORSE } from './promotion-fixtures.js';
import { serverExtensions } from '../src/server.js';

describe.each(DATABASES)('canary analysis on the model policy on %s', (kind) => {
  let now = Date.UTC(2026, 0, 1);
  const clock = { now: () => now };
  const ext = serverExtensions({ experiments: { tickMs: 0 }, observe: { guard: false, retention: { flushMs: 3_600_000 } } });
  const r = useRegistry(kind, { overrides: { clock }, extensions: ext.pick('serving', 'observe', 'experiments') });

  it('fails a candidate whose accuracy from feedback drops against the baseline on the same step', async () => {
    const name = uniqueName('canary-acc');
    await modelWith(r.app, name, [GOOD, WORSE]);
    await stage(r.app, name, 1, 'Production');
    await waitConverged(r.app, name, 1);
    const policy = await call(r.app, 'PUT', `/api/v1/models/${name}/policy`, { rules: [{ metric: 'accuracy', max_drop: 0.05, min_samples: 10, min_label_coverage: 0.5, action: 'alert' }] });
    expect(policy.status).toBe(200);
    const started = await call(r.app, 'POST', `/api/v1/models/${name}/rollout`, { version: 2, steps: [50, 100], step_minutes: 5, key_header: 'x-user', criteria: { min_requests: 5, max_latency_ratio: 1000, latency_slack_ms: 10_000 } });
    expect(started.status).toBe(201);
    await eventually(async () => ext.serving.gateway().slots.get(name), (s) => s?.traffic instanceof CanarySplit && s.loaded.has(2), 'split installed');

    const items: Array<{ request_id: string; label: number }> = [];
    const seen = new Set<number>();
    for (let round = 0; round < 3; round++) {
      for (const [i, h] of holdoutRows().entries()) {
        const res = await r.app.inject({ method: 'POST', url: `/v2/models/${name}/infer`, headers: { 'content-type': 'application/json', 'x-user': `u${round}-${i}` }, payload: JSON.stringify(v2Body([[h.x1, h.x2]])) });
        expect(res.statusCode).toBe(200);
        seen.add(Number(res.headers['stagecraft-model-version']));
        items.push({ request_id: String(res.headers['stagecraft-request-id']), label: h.label });
      }
    }
    expect([...seen].sort()).toEqual([1, 2]);
    await ext.observe.writer!.flush();
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/feedback`, { items })).status).toBeLessThan(300);

    now += 5 * 60_000;
    await ext.experiments.tick();
    const status = (await call(r.app, 'GET', `/api/v1/models/${name}/rollout`)).body;
    expect(status.status).toBe('aborted');
    const a = status.analyses[0];
    expect(a.outcome).toBe('failed');
    expect(a.policy[0]).toMatchObject({ metric: 'accuracy', verdict: 'fail', baseline: 1 });
    expect(a.policy[0].candidate).toBeLessThan(0.95);
    expect(a.reasons.join(' ')).toContain('policy accuracy');
  });
});
