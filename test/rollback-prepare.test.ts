// Prepare, commit, confirm with the registry's own gateway on real databases: a rollback names each
// replica's outcome and each phase's time; the guard facing a last-known-good version no replica can
// load commits nothing for it, records why, and tries the next candidate — at most three, then it
// alerts; and last-known-good passes over a version that never served while it held the target.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { serverExtensions } from '../src/server.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { eventually, registerOnnx, specFor, waitConverged } from './gateway-fixtures.js';
import { call, createModel, promote } from './http.js';
import { manualClock, traffic } from './monitoring-traffic.js';
import type { App } from '../src/http/app-types.js';
import type { Deps } from '../src/deps.js';

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

/** Flips bytes of a version's model blob on disk: the gateway's verified read refuses it. */
async function corrupt(app: App, deps: Deps, model: string, version: number): Promise<void> {
  const { files } = (await call(app, 'GET', `/api/v1/models/${model}/versions/${version}/files`)).body;
  const sha = files[0].sha256 as string;
  const blob = path.join(deps.config.dataDir, 'blobs', 'sha256', sha.slice(0, 2), sha);
  const bytes = fs.readFileSync(blob);
  bytes[bytes.length - 5] ^= 0xff;
  fs.writeFileSync(blob, bytes);
}

describe.each(DATABASES)('prepare, commit, confirm on %s', (kind) => {
  const clock = manualClock(T0);
  // Standbys are released at once, so a rollback destination must really load (and can fail to).
  const ext = serverExtensions({
    observe: { guard: { tickMs: 0 }, retention: { flushMs: 3_600_000 } },
    serving: { gateway: { heartbeatMs: 50, standbyMs: 50 } },
  });
  const r = useRegistry(kind, { overrides: { clock }, config: { prepareDeadlineMs: 3000 }, extensions: ext.pick('serving', 'observe') });

  /** v1..vN each held Production in turn; vN holds it now and the gateway serves it. */
  async function heldInTurn(n: number): Promise<string> {
    const m = uniqueName('pcc');
    await createModel(r.app, m);
    for (let v = 1; v <= n; v++) await registerOnnx(r.app, m, specFor(v));
    for (let v = 1; v <= n; v++) {
      expect((await promote(r.app, m, v)).status).toBe(200);
      await waitConverged(r.app, m, v);
    }
    // Only vN stays loaded: a rollback loads its destination from the blob store.
    await eventually(async () => [...ext.serving.gateway().slots.get(m)!.loaded.keys()], (k) => k.length === 1, 'the standbys to be released');
    return m;
  }

  /** The embedded replica heartbeats again after the registry's clock moved: it is live for the next move. */
  async function freshHeartbeat(m: string): Promise<void> {
    await eventually(
      async () => (await call(r.app, 'GET', `/api/v1/models/${m}/status`)).body,
      (s) => s.replicas.length > 0 && Date.parse(s.replicas[0].last_heartbeat) >= clock.t,
      'a heartbeat at the registry clock',
    );
  }

  it('a rollback answers each replica\'s prepare and confirm, and each phase\'s time', async () => {
    const m = await heldInTurn(2);
    const res = await call(r.app, 'POST', `/api/v1/models/${m}/rollback`, { reason: 'bad release' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from_version: 2, to_version: 1 });
    const { phases } = res.body;
    expect(phases.confirmed).toBe(true);
    expect(phases.replicas).toEqual([
      expect.objectContaining({ replica_id: ext.serving.gateway().options.replicaId, target: 'stage:Production', prepare: 'ready', confirm: 'serving', reason: null }),
    ]);
    for (const k of ['prepare_ms', 'commit_ms', 'confirm_ms']) expect(phases[k]).toBeGreaterThanOrEqual(0);
    expect(phases.replicas[0].prepare_ms).toBeGreaterThan(0);
    // The request went out on the change feed and was answered before the pointer moved.
    const asked = (await call(r.app, 'GET', `/api/v1/events?model=${m}&type=move.prepare`)).body.events;
    expect(asked[0]).toMatchObject({ version: 1, target: 'stage:Production', from: '2', to: '1' });
    const rolled = (await call(r.app, 'GET', `/api/v1/events?model=${m}&type=rollback`)).body.events[0];
    expect(rolled.id).toBeGreaterThan(asked[0].id);
  });

  it('a person\'s rollback to a version no replica can load commits nothing and says why', async () => {
    const m = await heldInTurn(2);
    await corrupt(r.app, r.deps, m, 1);
    const res = await call(r.app, 'POST', `/api/v1/models/${m}/rollback`, { reason: 'bad release' });
    expect(res.status).toBe(409);
    expect(res.body.error.message).toContain('nothing was changed');
    expect(res.body.error.details).toMatchObject({ reason: 'prepare_failed', to_version: 1 });
    expect(res.body.error.details.replicas[0]).toMatchObject({ prepare: 'failed' });
    expect(res.body.error.details.replicas[0].reason).toContain('corrupted');
    const model = (await call(r.app, 'GET', `/api/v1/models/${m}`)).body;
    expect(model.stages.Production).toBe(2);
    expect((await call(r.app, 'GET', `/api/v1/models/${m}/versions/2`)).body.health).not.toBe('failed');
    const failed = (await call(r.app, 'GET', `/api/v1/events?model=${m}&type=rollback.prepare_failed`)).body.events;
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ actor: 'local', version: 1, target: 'stage:Production' });
    expect(failed[0].details.replicas[0].reason).toContain('corrupted');
  });

  it('the guard facing an unloadable last-known-good tries the next candidate, and tells people', async () => {
    const m = await heldInTurn(3);
    await corrupt(r.app, r.deps, m, 2);
    expect((await call(r.app, 'PUT', `/api/v1/models/${m}/policy`, { interval_seconds: 10, rules: [{ metric: 'error_rate', max: 0.05, min_samples: 100, window_seconds: 600 }] })).status).toBe(200);
    clock.t += 60_000;
    for (const x of traffic({ model: m, version: 3, n: 200, start: clock.t, errorRate: 0.5, seed: 3 })) ext.observe.observer.observe(x.obs);
    await ext.observe.writer!.flush();
    clock.t += 60_000;
    await freshHeartbeat(m);
    const report = await ext.observe.guard!.tick(clock.t);
    expect(report.rollbacks).toEqual([expect.objectContaining({ model: m, from_version: 3, to_version: 1 })]);
    await waitConverged(r.app, m, 1);
    const failed = (await call(r.app, 'GET', `/api/v1/events?model=${m}&type=rollback.prepare_failed`)).body.events;
    expect(failed).toEqual([expect.objectContaining({ actor: 'guard', version: 2, target: 'stage:Production' })]);
    const rolled = (await call(r.app, 'GET', `/api/v1/events?model=${m}&type=rollback`)).body.events[0];
    expect(rolled).toMatchObject({ actor: 'guard', from: '3', to: '1' });
    expect(rolled.details.considered).toContainEqual({ version: 2, skipped: expect.stringContaining('could not be prepared') });
  });

  it('the guard stops after three candidates that cannot be prepared, leaves Production as it is, and alerts', async () => {
    const m = await heldInTurn(5);
    for (const v of [2, 3, 4]) await corrupt(r.app, r.deps, m, v);
    expect((await call(r.app, 'PUT', `/api/v1/models/${m}/policy`, { interval_seconds: 10, rules: [{ metric: 'error_rate', max: 0.05, min_samples: 100, window_seconds: 600 }] })).status).toBe(200);
    clock.t += 60_000;
    for (const x of traffic({ model: m, version: 5, n: 200, start: clock.t, errorRate: 0.5, seed: 5 })) ext.observe.observer.observe(x.obs);
    await ext.observe.writer!.flush();
    clock.t += 60_000;
    await freshHeartbeat(m);
    const report = await ext.observe.guard!.tick(clock.t);
    expect(report.rollbacks).toEqual([]);
    expect((await call(r.app, 'GET', `/api/v1/models/${m}`)).body.stages.Production).toBe(5);
    const failed = (await call(r.app, 'GET', `/api/v1/events?model=${m}&type=rollback.prepare_failed&order=asc`)).body.events;
    expect(failed.map((e: { version: number }) => e.version)).toEqual([4, 3, 2]);
    const alerts = (await call(r.app, 'GET', `/api/v1/events?model=${m}&type=guard.alert`)).body.events;
    expect(alerts).toHaveLength(1);
    expect(alerts[0].reason).toContain('rollback refused');
    expect(alerts[0].reason).toContain('could not be prepared');
  });
});

describe.each(DATABASES)('last known good on %s', (kind) => {
  const r = useRegistry(kind, { extensions: serverExtensions({ serving: { embedded: false } }).pick('serving') });

  it('passes over a version that never served while it held the target, and says so', async () => {
    const m = uniqueName('lkg');
    await createModel(r.app, m);
    for (const v of [1, 2, 3]) await registerOnnx(r.app, m, specFor(v));
    await promote(r.app, m, 1);
    await promote(r.app, m, 2);
    // While v2 holds Production, a replica reports it cannot load it, then leaves.
    const failed = { model: m, binding: 'stage:Production', version: 1, state: 'failed', error: 'version 2 failed to load: out of memory', failed_version: 2 };
    expect((await call(r.app, 'POST', '/api/v1/gateways/heartbeat', { replica_id: 'gw-a', models: [failed], feed_position: 0 })).status).toBe(200);
    expect((await call(r.app, 'POST', '/api/v1/gateways/heartbeat', { replica_id: 'gw-a', models: [], leaving: true })).status).toBe(200);
    await promote(r.app, m, 3);
    const res = await call(r.app, 'POST', `/api/v1/models/${m}/rollback`, { reason: 'v3 is bad' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from_version: 3, to_version: 1 });
    const rolled = (await call(r.app, 'GET', `/api/v1/events?model=${m}&type=rollback`)).body.events[0];
    expect(rolled.details.considered).toContainEqual({ version: 2, skipped: expect.stringContaining('never served while holding stage:Production') });
    // With v1 gone too, the 409 lists why each candidate was passed over.
    const again = await call(r.app, 'POST', `/api/v1/models/${m}/rollback`, { reason: 'v1 is bad too', from_version: 1 });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('never served while holding stage:Production');
  });
});
