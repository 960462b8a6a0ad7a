// What the guard acts on comes from where it says: observations only from gateway-role tokens, each
// tied to the replica that sent it and named in the guard's evidence; labels keep who sent them,
// and a policy can count only named sources.
import { beforeAll, describe, expect, it } from 'vitest';
import { denseModelOnnx } from '../src/onnx/onnx-builder.js';
import { serverExtensions } from '../src/server.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { call, createModel, promote, registerVersion } from './http.js';
import { feedbackItems, manualClock, traffic, type Labeled } from './monitoring-traffic.js';

const T0 = Date.UTC(2026, 2, 2, 9, 0, 0);

describe.each(DATABASES)('observations and labels with their sources on %s', (kind) => {
  const clock = manualClock(T0);
  const ext = serverExtensions({ serving: { embedded: false }, observe: { guard: { tickMs: 0 }, retention: { flushMs: 3_600_000 } } });
  const r = useRegistry(kind, { overrides: { clock }, extensions: ext.pick('serving', 'observe') });
  const as: Record<string, Record<string, string>> = {};
  const names: Record<string, string> = {};

  beforeAll(async () => {
    const admin = (await call(r.app, 'POST', '/api/v1/tokens', { name: uniqueName('root'), role: 'admin' })).body.token as string;
    as.admin = { authorization: `Bearer ${admin}` };
    for (const [who, role] of [['viewer', 'viewer'], ['editor', 'editor'], ['deployer', 'deployer'], ['gateway', 'gateway'], ['labeler', 'editor'], ['mallory', 'editor']]) {
      names[who] = uniqueName(who);
      const res = await call(r.app, 'POST', '/api/v1/tokens', { name: names[who], role }, as.admin);
      expect(res.status).toBe(201);
      as[who] = { authorization: `Bearer ${res.body.token}` };
    }
  });

  async function productionPair(policy: Record<string, unknown>) {
    const name = uniqueName('fraud');
    await createModel(r.app, name, as.admin);
    for (const v of [1, 2]) await registerVersion(r.app, name, { 'model.onnx': denseModelOnnx({ weights: [0.01, v], bias: -1, activation: 'sigmoid', doc: `${name} v${v}` }) }, {}, as.admin);
    await promote(r.app, name, 1, 'Production', true, as.admin);
    await promote(r.app, name, 2, 'Production', true, as.admin);
    expect((await call(r.app, 'PUT', `/api/v1/models/${name}/policy`, { interval_seconds: 10, watch_minutes: 60, ...policy }, as.deployer)).status).toBe(200);
    return name;
  }

  const post = (who: string, replica: string, xs: Labeled[]) => call(r.app, 'POST', '/api/v1/gateways/observations', { replica_id: replica, observations: xs.map((x) => x.obs) }, as[who]);
  const production = async (name: string) => (await call(r.app, 'GET', `/api/v1/models/${name}`, undefined, as.viewer)).body.stages.Production;

  it('refuses observations from anything but a gateway token, and names the replicas in the evidence', async () => {
    const name = await productionPair({ rules: [{ metric: 'error_rate', max: 0.05, min_samples: 100, window_seconds: 600 }] });
    clock.t += 60_000;
    const forged = traffic({ model: name, version: 2, n: 200, start: clock.t, errorRate: 1, seed: 11 });
    for (const who of ['editor', 'deployer', 'admin', 'viewer']) {
      const res = await post(who, 'made-up', forged);
      expect(res.status).toBe(403);
      expect(res.body.error.message).toContain('gateway role');
    }
    // Heartbeats too are a replica's alone.
    expect((await call(r.app, 'POST', '/api/v1/gateways/heartbeat', { replica_id: 'made-up', models: [] }, as.editor)).status).toBe(403);
    await ext.observe.writer!.flush();
    clock.t += 10_000;
    expect((await ext.observe.guard!.tick(clock.t)).rollbacks.map((x) => x.model)).not.toContain(name);
    expect(await production(name)).toBe(2);

    // The same batch from two real replicas: tied to each, whatever the observations say.
    expect((await post('gateway', 'replica-a', forged.slice(0, 120))).body).toEqual({ accepted: 120 });
    expect((await post('gateway', 'replica-b', forged.slice(120))).body).toEqual({ accepted: 80 });
    expect((await call(r.app, 'POST', '/api/v1/gateways/heartbeat', { replica_id: 'replica-a', models: [] }, as.gateway)).status).toBe(200);
    await ext.observe.writer!.flush();
    clock.t += 10_000;
    expect((await ext.observe.guard!.tick(clock.t)).rollbacks).toEqual([expect.objectContaining({ model: name, from_version: 2, to_version: 1 })]);
    const ev = (await call(r.app, 'GET', `/api/v1/events?model=${name}&type=rollback`, undefined, as.viewer)).body.events[0];
    expect(ev.actor).toBe('guard');
    expect(ev.details.evidence.sources.replicas).toEqual([
      { replica: 'replica-a', requests: 120, model_errors: 120 },
      { replica: 'replica-b', requests: 80, model_errors: 80 },
    ]);
    // A gateway token reads what a replica needs and nothing else.
    expect((await call(r.app, 'GET', '/api/v1/gateways/snapshot', undefined, as.gateway)).status).toBe(200);
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/versions/1/files`, undefined, as.gateway)).status).toBe(200);
    expect((await call(r.app, 'GET', '/api/v1/models', undefined, as.gateway)).status).toBe(403);
    expect((await call(r.app, 'PUT', `/api/v1/models/${name}/tags/x`, { value: 'y' }, as.gateway)).status).toBe(403);
  });

  it('keeps who sent each label and counts only the sources a policy names; the evidence says whose labels counted', async () => {
    const name = await productionPair({ label_sources: [names.labeler], rules: [{ metric: 'accuracy', min: 0.9, min_samples: 50, window_seconds: 600 }] });
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/policy`, undefined, as.viewer)).body.label_sources).toEqual([names.labeler]);
    clock.t += 60_000;
    const xs = traffic({ model: name, version: 2, n: 300, start: clock.t, recall: 0.95, fraudRate: 0.5, seed: 12 });
    expect((await post('gateway', 'replica-a', xs)).status).toBe(200);
    await ext.observe.writer!.flush();
    clock.t += 60_000; // all of it served before the guard looks
    // Anyone with an editor token can send labels; wrong ones from an unnamed source change nothing.
    const flipped = (items: Array<{ request_id: string; label: number }>) => items.map((i) => ({ ...i, label: 1 - i.label }));
    const items = feedbackItems(xs);
    const mallory = await call(r.app, 'POST', `/api/v1/models/${name}/feedback`, { items: flipped(items.slice(0, 150)) }, as.mallory);
    expect(mallory.body).toEqual({ accepted: 150, unmatched: 0 });
    clock.t += 10_000;
    const quiet = await ext.observe.guard!.tick(clock.t);
    expect(quiet.rollbacks.map((x) => x.model)).not.toContain(name);
    expect(await production(name)).toBe(2);
    const health = (await call(r.app, 'GET', `/api/v1/models/${name}/versions/2/monitoring?window_seconds=600`, undefined, as.viewer)).body;
    expect(health.quality.labeled).toBe(0);

    // The named labeler's labels count: the model is wrong on them, and the guard acts.
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/feedback`, { items: flipped(items.slice(150)) }, as.labeler)).body.accepted).toBe(items.length - 150);
    clock.t += 10_000;
    expect((await ext.observe.guard!.tick(clock.t)).rollbacks.map((x) => x.model)).toContain(name);
    const ev = (await call(r.app, 'GET', `/api/v1/events?model=${name}&type=rollback`, undefined, as.viewer)).body.events[0];
    expect(ev.details.evidence.label_sources).toEqual([names.labeler]);
    expect(ev.details.evidence.samples).toBe(items.length - 150);
    expect(ev.details.evidence.sources.replicas).toEqual([{ replica: 'replica-a', requests: 300, model_errors: 0 }]);
    expect(ev.details.evidence.sources.labels).toEqual(
      expect.arrayContaining([
        { source: names.labeler, labels: items.length - 150, counted: true },
        { source: names.mallory, labels: 150, counted: false },
      ]),
    );
  });

  it('records who set a reference profile', async () => {
    const name = uniqueName('ref');
    await createModel(r.app, name, as.admin);
    await registerVersion(r.app, name, { 'm.bin': name }, {}, as.admin);
    const res = await r.app.inject({ method: 'PUT', url: `/api/v1/models/${name}/versions/1/reference`, headers: { 'content-type': 'text/csv', ...as.editor }, payload: 'amount,country\n1,NL\n2,DE\n' });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body)).toMatchObject({ source: 'csv upload', created_by: names.editor });
  });
});
