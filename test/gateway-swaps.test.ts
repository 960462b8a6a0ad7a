import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { eventually, expected, registerOnnx, specFor, v2Body, waitConverged } from './gateway-fixtures.js';
import { call, createModel, promote, registerVersion } from './http.js';
import { serverExtensions } from '../src/server.js';

const row = [0.3, -1.2, 2.5];

describe.each(DATABASES)('gateway swaps on %s', (kind) => {
  const ext = serverExtensions();
  const r = useRegistry(kind, { extensions: ext.pick('serving') });

  async function modelWith(n: number) {
    const name = uniqueName('churn');
    await createModel(r.app, name);
    for (let v = 1; v <= n; v++) await registerOnnx(r.app, name, specFor(v));
    return name;
  }
  const infer = (m: string) => call(r.app, 'POST', `/v2/models/${m}/infer`, v2Body([row]));

  it('moves the answering version with a promotion and back with a rollback, keeping the old one warm', async () => {
    const m = await modelWith(2);
    await promote(r.app, m, 1);
    await waitConverged(r.app, m, 1);
    await promote(r.app, m, 2);
    await waitConverged(r.app, m, 2);
    const after = await infer(m);
    expect(after.headers['stagecraft-model-version']).toBe('2');
    expect(Math.abs(after.body.outputs[0].data[0] - expected(specFor(2), row))).toBeLessThan(1e-5);
    // Version 1 is still loaded as standby: the rollback is a pointer flip, no load.
    expect(ext.serving.gateway().slots.get(m)?.loaded.has(1)).toBe(true);
    const rb = await call(r.app, 'POST', `/api/v1/models/${m}/rollback`, { reason: 'auc dropped' });
    expect(rb.body).toMatchObject({ from_version: 2, to_version: 1 });
    const status = await waitConverged(r.app, m, 1);
    expect(status.replicas[0]).toMatchObject({ version: 1, state: 'serving', error: null });
    expect((await infer(m)).headers['stagecraft-model-version']).toBe('1');
  });

  it('serves every request through repeated promotions and rollbacks under load, never the old version after the switch is acknowledged', async () => {
    const m = await modelWith(5);
    await promote(r.app, m, 1);
    await waitConverged(r.app, m, 1);
    const answers: Array<{ sent: number; status: number; version: number }> = [];
    let stop = false;
    const client = async () => {
      for (let i = 0; i < 5000 && !stop; i++) {
        const sent = performance.now();
        const res = await infer(m);
        answers.push({ sent, status: res.status, version: Number(res.headers['stagecraft-model-version']) });
      }
    };
    const clients = Array.from({ length: 6 }, client);
    const acks: Array<{ at: number; until: number; version: number }> = [];
    for (const v of [2, 3, 4, 5]) {
      for (const move of ['promote', 'rollback'] as const) {
        const res = move === 'promote' ? await promote(r.app, m, v) : await call(r.app, 'POST', `/api/v1/models/${m}/rollback`, { reason: 'load test' });
        expect(res.status).toBe(200);
        const target = move === 'promote' ? v : 1;
        await waitConverged(r.app, m, target);
        const at = performance.now();
        await new Promise((res) => setTimeout(res, 30));
        acks.push({ at, until: performance.now(), version: target });
      }
    }
    stop = true;
    await Promise.all(clients);
    expect(answers.length).toBeGreaterThan(100);
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    let checked = 0;
    for (const ack of acks) {
      const inWindow = answers.filter((a) => a.sent >= ack.at && a.sent < ack.until);
      expect(inWindow.filter((a) => a.version !== ack.version)).toEqual([]);
      checked += inWindow.length;
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('refuses corrupted bytes at prepare: nothing commits, the old version keeps serving, the refusal is audited with the replica\'s reason', async () => {
    const m = await modelWith(2);
    await promote(r.app, m, 1);
    await waitConverged(r.app, m, 1);
    const { files } = (await call(r.app, 'GET', `/api/v1/models/${m}/versions/2/files`)).body;
    const sha = files[0].sha256 as string;
    const blob = path.join(r.deps.config.dataDir, 'blobs', 'sha256', sha.slice(0, 2), sha);
    const bytes = fs.readFileSync(blob);
    bytes[bytes.length - 5] ^= 0xff;
    fs.writeFileSync(blob, bytes);
    // Prepare fails on the replica (the bytes are not the manifest's): nothing commits.
    const refused = await promote(r.app, m, 2);
    expect(refused.status).toBe(409);
    expect(refused.body.error.details).toMatchObject({ reason: 'prepare_failed', to_version: 2 });
    expect(refused.body.error.details.replicas[0]).toMatchObject({ prepare: 'failed' });
    expect(refused.body.error.details.replicas[0].reason).toContain('corrupted');
    const status = (await call(r.app, 'GET', `/api/v1/models/${m}/status`)).body;
    expect(status).toMatchObject({ target_version: 1, converged: true });
    expect(status.replicas[0]).toMatchObject({ version: 1, state: 'serving' });
    const res = await infer(m);
    expect(res.status).toBe(200);
    expect(res.headers['stagecraft-model-version']).toBe('1');
    const events = (await call(r.app, 'GET', `/api/v1/events?model=${m}&type=move.prepare_failed`)).body.events;
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ version: 2, target: 'stage:Production', from: '1', to: '2' });
    expect(events[0].reason).toContain('corrupted');
  });

  it('reports a version it cannot run (no .onnx, no endpoint) as not servable without auditing it', async () => {
    const m = uniqueName('pickled');
    await createModel(r.app, m);
    await registerVersion(r.app, m, { 'model.pkl': 'not something the gateway runs' });
    await promote(r.app, m, 1);
    const status = await eventually(
      async () => (await call(r.app, 'GET', `/api/v1/models/${m}/status`)).body,
      (s) => s.replicas[0]?.state === 'failed',
      'the version to be reported as not servable',
    );
    expect(status).toMatchObject({ target_version: 1, converged: false });
    expect(status.replicas[0].version).toBeNull();
    expect(status.replicas[0].error).toContain('not servable');
    expect((await call(r.app, 'GET', `/api/v1/events?model=${m}&type=gateway.load_failed`)).body.events).toEqual([]);
    expect((await infer(m)).status).toBe(503);
  });
});
