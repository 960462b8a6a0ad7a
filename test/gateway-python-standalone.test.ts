// The standalone replica path (`stagecraft gateway` following a registry) with the Python runtime:
// it fetches a Python version's files, serves them in a worker with the model's own answers, keeps
// the previous Production version warm, and a rollback between the two is a pointer flip. A worker
// the replica restarts is counted on the registry (live stats and Prometheus), as the embedded
// gateway's are.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeps } from '../src/deps.js';
import { createLogger } from '../src/log.js';
import type { PythonRuntime } from '../src/serving/gateway/runtimes/python-runtime.js';
import { buildServer, serverExtensions } from '../src/server.js';
import { DATABASES, tempDir, testConfig, uniqueName } from './databases.js';
import { eventually, startReplica, waitConverged } from './gateway-fixtures.js';
import { call, createModel, promote, registerVersion } from './http.js';
import { dirFiles, makePythonModels, PYTHON, PYTHON_SKIP, usePythonEnv, type Expected } from './python-models.js';

const log = createLogger('silent');
const TRIES = 3000;
let models: ReturnType<typeof makePythonModels> | null = null;

describe.skipIf(PYTHON_SKIP !== null).each(DATABASES)('a standalone replica serving Python versions on %s', (kind) => {
  const cleanups: Array<() => Promise<void>> = [];
  let ex: Expected;
  let dir: string;
  beforeAll(() => {
    usePythonEnv();
    ({ dir, expected: ex } = (models ??= makePythonModels()));
  }, 300_000);
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => {});
  });

  it('serves the Production version from the registry and rolls back to the warm previous one at once', async () => {
    const deps = await createDeps(await testConfig(kind), { log });
    const { app } = await buildServer(deps, serverExtensions({ serving: { embedded: false } }).pick('serving', 'observe'));
    await app.listen({ host: '127.0.0.1', port: 0 });
    cleanups.push(async () => {
      await app.close();
      await deps.close();
    });
    const registry = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const m = uniqueName('py-replica');
    await createModel(app, m);
    for (const f of ['iris_a', 'iris_c']) expect((await registerVersion(app, m, dirFiles(`${dir}/${f}`, 'model/'))).runtime).toBe('python');
    await promote(app, m, 1);
    await promote(app, m, 2);

    const gw = await startReplica({ registry, cacheDir: tempDir('stagecraft-gw-py-'), retryMs: 50, heartbeatMs: 200, python: PYTHON, pythonLoadTimeoutMs: 120_000, shipper: { flushMs: 100 } }, log);
    cleanups.push(() => gw.close());
    const infer = async () => {
      const res = await fetch(`${gw.url}/models/${m}/invocations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ dataframe_split: { columns: ex.columns, data: ex.rows } }),
      });
      return { status: res.status, version: Number(res.headers.get('stagecraft-model-version')), predictions: ((await res.json()) as { predictions: unknown }).predictions };
    };
    await waitConverged(app, m, 2, TRIES);
    expect(await infer()).toEqual({ status: 200, version: 2, predictions: ex.iris_c });
    await eventually(async () => gw.gateway.slots.get(m)?.loaded.has(1), (v) => v === true, 'version 1 warm as the standby', TRIES);

    const t0 = performance.now();
    expect((await call(app, 'POST', `/api/v1/models/${m}/rollback`, { reason: 'back to v1' })).status).toBe(200);
    await eventually(infer, (a) => a.version === 1, 'the replica to answer with version 1', TRIES);
    // A pointer flip on the replica: no Python load (seconds) happened in between.
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(await infer()).toEqual({ status: 200, version: 1, predictions: ex.iris_a });
    await waitConverged(app, m, 1, TRIES);

    // kill -9 the replica's worker: it restarts it, and the registry counts the restart.
    const runtime = () => gw.gateway.slots.get(m)!.current!.runtime as PythonRuntime;
    const victim = runtime().pid!;
    process.kill(victim, 'SIGKILL');
    await eventually(async () => runtime().pid, (p) => p !== null && p !== victim, 'the replica to restart its worker', TRIES);
    expect(await infer()).toEqual({ status: 200, version: 1, predictions: ex.iris_a });
    const metric = `stagecraft_python_worker_restarts_total{model="${m}",version="1"} 1`;
    await eventually(async () => (await app.inject({ method: 'GET', url: '/metrics' })).body, (b) => b.includes(metric), 'the registry to count the restart', TRIES);
    const live = (await call(app, 'GET', `/api/v1/models/${m}/versions/1/monitoring?window_seconds=3600`)).body.live;
    expect(live.worker_restarts).toBe(1);
  }, 180_000);
});
