import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import type { App } from '../src/http/app-types.js';
import { createDeps, type Deps } from '../src/deps.js';
import { buildServer, serverExtensions, type GatewayApp } from '../src/server.js';
import { createLogger } from '../src/log.js';
import { DATABASES, hasPostgres, tempDir, testConfig, uniqueName } from './databases.js';
import { eventually, registerOnnx, startReplica, specFor, v2Body, waitConverged } from './gateway-fixtures.js';
import { call, createModel, promote } from './http.js';

const log = createLogger('silent');
const gwLog = createLogger(process.env.DEBUG_GW ? 'debug' : 'silent');

/** A registry server on a real port; stop() drops every connection like a crash would. */
async function startRegistry(config: Config, port = 0) {
  const deps: Deps = await createDeps(config, { log });
  const { app } = await buildServer(deps, serverExtensions({ serving: { embedded: false } }).pick('serving'));
  await app.listen({ host: '127.0.0.1', port });
  const actual = (app.server.address() as AddressInfo).port;
  return {
    app,
    deps,
    port: actual,
    url: `http://127.0.0.1:${actual}`,
    async stop() {
      app.server.closeAllConnections();
      await app.close();
      await deps.close();
    },
  };
}

async function gatewayVersion(gw: GatewayApp, model: string): Promise<{ status: number; version: number }> {
  const res = await fetch(`${gw.url}/v2/models/${model}/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(v2Body([[1, 2, 3]])),
  });
  await res.arrayBuffer();
  return { status: res.status, version: Number(res.headers.get('stagecraft-model-version')) };
}

async function modelIn(app: App, versions: number) {
  const name = uniqueName('fraud');
  await createModel(app, name);
  for (let v = 1; v <= versions; v++) await registerOnnx(app, name, specFor(v));
  for (let v = 1; v <= versions; v++) await promote(app, name, v);
  return name;
}

describe.each(DATABASES)('standalone gateway on %s', (kind) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  it('keeps serving while the registry is stopped, boots from its cache, and picks up a rollback when the registry returns', async () => {
    const config = await testConfig(kind);
    let registry = await startRegistry(config);
    cleanups.push(() => registry.stop());
    const model = await modelIn(registry.app, 2);
    const cacheDir = tempDir('stagecraft-gw-');
    const opts = { registry: registry.url, cacheDir, retryMs: 50, heartbeatMs: 200 };
    const gw = await startReplica(opts, gwLog);
    cleanups.push(() => gw.close());
    await waitConverged(registry.app, model, 2);
    expect(await gatewayVersion(gw, model)).toEqual({ status: 200, version: 2 });
    // The previous Production holder is pre-warmed as standby: a rollback to it needs no load.
    await eventually(async () => gw.gateway.slots.get(model)?.loaded.has(1), (v) => v === true, 'version 1 to be warm');
    // The replica writes its pointers to the cache a moment after each change (saves are batched,
    // ~100 ms): a replica started while the registry is down can serve only what was written.
    await eventually(async () => fs.existsSync(path.join(cacheDir, 'pointers.json')), (v) => v, 'the pointers to be in the cache');

    await registry.stop();
    for (let i = 0; i < 20; i++) expect(await gatewayVersion(gw, model)).toEqual({ status: 200, version: 2 });
    // A replica that starts while the registry is down serves from the cache alone.
    const cold = await startReplica({ ...opts, registry: registry.url }, gwLog);
    cleanups.push(() => cold.close());
    expect(await gatewayVersion(cold, model)).toEqual({ status: 200, version: 2 });

    registry = await startRegistry(config, registry.port);
    const rb = await call(registry.app, 'POST', `/api/v1/models/${model}/rollback`, { reason: 'registry came back with bad news' });
    expect(rb.body).toMatchObject({ from_version: 2, to_version: 1 });
    for (const g of [gw, cold]) {
      await eventually(() => gatewayVersion(g, model), (a) => a.version === 1, 'the gateway to serve the rollback');
    }
    const status = await waitConverged(registry.app, model, 1);
    expect(status.replicas.filter((r: { state: string }) => r.state === 'serving')).toHaveLength(2);
  });
});

describe.each(DATABASES)('a standalone gateway following a rename on %s', (kind) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  it('keeps answering the old name while it moves the model, warm, to the new one', async () => {
    const registry = await startRegistry(await testConfig(kind));
    cleanups.push(() => registry.stop());
    const model = await modelIn(registry.app, 1);
    const gw = await startReplica({ registry: registry.url, cacheDir: tempDir('stagecraft-gw-'), retryMs: 50, heartbeatMs: 200 }, gwLog);
    cleanups.push(() => gw.close());
    await waitConverged(registry.app, model, 1);
    const renamed = `${model}-next`;
    const warm = gw.gateway.slots.get(model)?.loaded.get(1);
    expect(warm).toBeDefined();
    const answers: number[] = [];
    let moved = false;
    const load = (async () => {
      while (!moved) answers.push((await gatewayVersion(gw, model)).status);
    })();
    expect((await call(registry.app, 'PATCH', `/api/v1/models/${model}`, { name: renamed })).status).toBe(200);
    await eventually(() => gatewayVersion(gw, renamed), (a) => a.status === 200, 'the replica to serve the new name');
    moved = true;
    await load;
    // No reload: the version that served the old name serves the new one.
    expect(gw.gateway.slots.get(renamed)?.loaded.get(1)).toBe(warm);
    expect(answers.length).toBeGreaterThan(0);
    expect(answers.filter((s) => s !== 200)).toEqual([]);
    expect(await gatewayVersion(gw, model)).toEqual({ status: 200, version: 1 });
    await waitConverged(registry.app, renamed, 1);
  });
});

describe.skipIf(!hasPostgres)('three gateways on a PostgreSQL-backed registry', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  it('all serve a rollback, and the status on another registry server says so', async () => {
    const config = await testConfig('postgres');
    // Two registry servers on one database, as behind a load balancer.
    const a = await startRegistry(config);
    cleanups.push(() => a.stop());
    const b = await startRegistry(config);
    cleanups.push(() => b.stop());
    const model = await modelIn(a.app, 2);
    const gateways: GatewayApp[] = [];
    for (const [i, reg] of [a, b, a].entries()) {
      const gw = await startReplica({ registry: reg.url, cacheDir: tempDir(`stagecraft-gw${i}-`), retryMs: 50, heartbeatMs: 200 }, log);
      cleanups.push(() => gw.close());
      gateways.push(gw);
    }
    const before = await waitConverged(b.app, model, 2);
    expect(before.replicas).toHaveLength(3);
    const rb = await call(b.app, 'POST', `/api/v1/models/${model}/rollback`, { reason: 'conversion fell' });
    expect(rb.status).toBe(200);
    const after = await waitConverged(a.app, model, 1);
    expect(after.replicas.map((r) => [r.version, r.state])).toEqual([
      [1, 'serving'],
      [1, 'serving'],
      [1, 'serving'],
    ]);
    for (const gw of gateways) expect(await gatewayVersion(gw, model)).toEqual({ status: 200, version: 1 });
  });
});
