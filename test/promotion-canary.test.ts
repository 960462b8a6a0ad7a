import { describe, expect, it } from 'vitest';
import { bucketOf } from '../src/experiments/rollouts.js';
import { CanarySplit } from '../src/experiments/traffic-split.js';
import { buildServer, serverExtensions } from '../src/server.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { eventually, v2Body, waitConverged } from './gateway-fixtures.js';
import { call } from './http.js';
import { GOOD, modelWith, stage } from './promotion-fixtures.js';

const STEP = 5 * 60_000;
const BROKEN = { weights: [1, -1, 0.5], bias: 0, activation: 'sigmoid' as const };
const SAME = { weights: [2, -2], bias: 0, activation: 'sigmoid' as const };
// Latency bounds wide open: these tests judge on errors and data volume, never on timing noise.
const LENIENT = { min_requests: 5, max_latency_ratio: 1000, latency_slack_ms: 10_000 };

describe.each(DATABASES)('canary rollouts on %s', (kind) => {
  let now = Date.UTC(2026, 0, 1);
  const clock = { now: () => now };
  const ext = serverExtensions({ experiments: { tickMs: 0 } });
  const ro = ext.experiments;
  const gw = ext.serving;
  const r = useRegistry(kind, { overrides: { clock }, extensions: ext.pick('serving', 'approvals', 'experiments') });

  async function served(name: string, key: string | null) {
    const res = await r.app.inject({ method: 'POST', url: `/v2/models/${name}/infer`, headers: { 'content-type': 'application/json', ...(key ? { 'x-user': key } : {}) }, payload: JSON.stringify(v2Body([[1, 0.5]])) });
    return { status: res.statusCode, version: Number(res.headers['stagecraft-model-version']) };
  }

  async function canary(candidate: typeof GOOD, body: Record<string, unknown> = {}) {
    const name = uniqueName('canary');
    await modelWith(r.app, name, [GOOD, candidate]);
    await stage(r.app, name, 1, 'Production');
    await waitConverged(r.app, name, 1);
    const res = await call(r.app, 'POST', `/api/v1/models/${name}/rollout`, { version: 2, steps: [10, 50, 100], step_minutes: 5, key_header: 'X-User', criteria: LENIENT, ...body });
    expect(res.status).toBe(201);
    await eventually(async () => gw.gateway().slots.get(name), (s) => s?.traffic instanceof CanarySplit && s.loaded.has(2), 'split installed and candidate warm');
    return name;
  }

  const keys = Array.from({ length: 200 }, (_, i) => `user-${i}`);

  it('aborts a bad candidate at its first failed analysis, and no caller sees it afterwards', async () => {
    const name = await canary(BROKEN);
    for (const k of keys) {
      const s = await served(name, k);
      expect(s.version).toBe(bucketOf(k) <= 10 ? 2 : 1);
      expect(s.status).toBe(s.version === 2 ? 400 : 200);
    }
    now += STEP;
    await ro.tick();
    const status = (await call(r.app, 'GET', `/api/v1/models/${name}/rollout`)).body;
    expect(status).toMatchObject({ status: 'aborted', weight: 0 });
    expect(status.analyses).toHaveLength(1);
    expect(status.analyses[0]).toMatchObject({ outcome: 'failed', weight: 10, candidate: { version: 2, error_rate: 1 }, baseline: { version: 1, error_rate: 0 } });
    await eventually(async () => gw.gateway().slots.get(name)?.traffic, (t) => t === null, 'split removed');
    for (const k of [...keys, null, null, null]) expect(await served(name, k)).toEqual({ status: 200, version: 1 });
    const v2 = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/2`)).body;
    expect(v2.health).toBe('failed');
    expect(v2.health_reason).toContain('canary analysis failed at 10%');
    const types = (await call(r.app, 'GET', `/api/v1/events?model=${name}&order=asc`)).body.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(['rollout.started', 'rollout.analysis', 'rollout.aborted']));
    expect((await call(r.app, 'GET', `/api/v1/models/${name}`)).body.stages.Production).toBe(1);
  });

  it('keeps each key on one version while the share grows, then promotes at 100% through the normal path', async () => {
    const name = await canary(SAME);
    const at10 = new Map<string, number>();
    for (const k of keys) at10.set(k, (await served(name, k)).version);
    now += STEP;
    await ro.tick();
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/rollout`)).body).toMatchObject({ status: 'running', weight: 50 });
    await eventually(async () => gw.gateway().slots.get(name)?.traffic, (t) => t instanceof CanarySplit && t.weight === 50, 'split at 50%');
    const at50 = new Map<string, number>();
    for (const k of keys) at50.set(k, (await served(name, k)).version);
    for (const k of keys) if (at10.get(k) === 2) expect(at50.get(k)).toBe(2);
    const on = (m: Map<string, number>) => [...m.values()].filter((v) => v === 2).length;
    expect(on(at50)).toBeGreaterThan(on(at10));
    expect(on(at10)).toBe(keys.filter((k) => bucketOf(k) <= 10).length);

    now += STEP;
    await ro.tick();
    await eventually(async () => gw.gateway().slots.get(name)?.traffic, (t) => t instanceof CanarySplit && t.weight === 100, 'split at 100%');
    for (const k of keys.slice(0, 30)) expect((await served(name, k)).version).toBe(2);
    now += STEP;
    await ro.tick();
    const done = (await call(r.app, 'GET', `/api/v1/models/${name}/rollout`)).body;
    expect(done, JSON.stringify(done.analyses.at(-1))).toMatchObject({ status: "completed" });
    expect(done.analyses.map((a: { outcome: string }) => a.outcome)).toEqual(['successful', 'successful', 'successful']);
    expect((await call(r.app, 'GET', `/api/v1/models/${name}`)).body.stages.Production).toBe(2);
    await waitConverged(r.app, name, 2);
    expect((await served(name, 'anyone')).version).toBe(2);
  });

  it('pauses on too little data and never promotes, until resumed', async () => {
    const name = await canary(SAME, { criteria: { ...LENIENT, min_requests: 50 } });
    for (const k of keys.slice(0, 20)) await served(name, k);
    now += STEP;
    await ro.tick();
    const paused = (await call(r.app, 'GET', `/api/v1/models/${name}/rollout`)).body;
    expect(paused).toMatchObject({ status: 'paused', weight: 10 });
    expect(paused.analyses[0].outcome).toBe('inconclusive');
    now += 10 * STEP;
    await ro.tick();
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/rollout`)).body.status).toBe('paused');
    expect((await call(r.app, 'GET', `/api/v1/models/${name}`)).body.stages.Production).toBe(1);
    const types = (await call(r.app, 'GET', `/api/v1/events?model=${name}&type=rollout.paused`)).body.events;
    expect(types[0].reason).toContain('inconclusive');
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/rollout/resume`, {})).body.status).toBe('running');
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/rollout/abort`, { reason: 'not today' })).body).toMatchObject({ status: 'aborted', ended_reason: 'not today' });
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/versions/2`)).body.health).not.toBe('failed');
  });

  it('ends cleanly when the candidate is promoted by hand during the rollout', async () => {
    const name = await canary(SAME);
    expect((await stage(r.app, name, 2, 'Production')).status).toBe(200);
    // No tick by hand: the promotion's own event ends the rollout.
    const ended = await eventually(async () => (await call(r.app, 'GET', `/api/v1/models/${name}/rollout`)).body, (b) => b.status !== 'running', 'rollout ended');
    expect(ended).toMatchObject({ status: 'completed', ended_reason: 'candidate promoted by hand' });
    await eventually(async () => gw.gateway().slots.get(name)?.traffic, (t) => t === null, 'split removed');
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/rollout`, { version: 1 })).status).toBe(201);
  });

  it('holds at 100% when the promotion needs approval, and ends once a second deployer approves', async () => {
    const name = await canary(SAME, { steps: [100] });
    await call(r.app, 'PUT', `/api/v1/models/${name}/approval-policy`, { stages: ['Production'] });
    for (const k of keys.slice(0, 10)) await served(name, k);
    // The baseline served nothing in this rollout; give it its share from before the 100% step.
    for (let i = 0; i < 10; i++) ro.stats.observe({ model: name, version: 1, binding: 'stage:Production', requestId: `b${i}`, time: Date.now(), latencyMs: 1, outcome: 'ok' });
    now += STEP;
    await ro.tick();
    const held = (await call(r.app, 'GET', `/api/v1/models/${name}/rollout`)).body;
    expect(held.status).toBe('paused');
    const pending = (await call(r.app, 'GET', `/api/v1/approvals?model=${name}&status=pending`)).body.approvals;
    expect(pending).toHaveLength(1);
    expect((await call(r.app, 'POST', `/api/v1/approvals/${pending[0].id}/approve`, { comment: 'canary was clean' }, { 'stagecraft-actor': 'bob' })).status).toBe(200);
    const ended = await eventually(async () => (await call(r.app, 'GET', `/api/v1/models/${name}/rollout`)).body, (b) => b.status === 'completed', 'rollout completed');
    expect(ended.ended_reason).toBe('candidate promoted by hand');
  });

  it('gives a gateway that starts mid-rollout the same split', async () => {
    const name = await canary(SAME);
    // A second server on the same database, as `stagecraft server` composes it: its gateway starts now.
    const ext2 = serverExtensions({ experiments: { tickMs: 0 } });
    const gw2 = ext2.serving;
    const { app: app2 } = await buildServer(r.deps, ext2.pick('serving', 'experiments'));
    try {
      await app2.ready();
      const split = gw2.gateway().slots.get(name)?.traffic;
      expect(split).toBeInstanceOf(CanarySplit);
      expect(split).toMatchObject({ candidate: 2, weight: 10, keyHeader: 'x-user' });
    } finally {
      await app2.close();
    }
    await call(r.app, 'POST', `/api/v1/models/${name}/rollout/abort`, {});
  });

  it('refuses a second rollout on the same model and a rollout without Production', async () => {
    const name = await canary(SAME);
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/rollout`, { version: 2 })).status).toBe(409);
    const bare = uniqueName('bare');
    await modelWith(r.app, bare, [GOOD]);
    const res = await call(r.app, 'POST', `/api/v1/models/${bare}/rollout`, { version: 1 });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('no Production version');
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/rollout`, { version: 2, steps: [50, 20] })).status).toBe(400);
  });
});
