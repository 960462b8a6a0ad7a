import { describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { expected, registerOnnx, specFor, v2Body, waitConverged } from './gateway-fixtures.js';
import { call, createModel, promote } from './http.js';
import { serverExtensions } from '../src/server.js';

// Every model counts as large here: all load and run in worker threads.
describe.each(DATABASES)('gateway with models loaded off the event loop on %s', (kind) => {
  const ext = serverExtensions({ serving: { gateway: { offThreadBytes: 0 } } });
  const r = useRegistry(kind, { extensions: ext.pick('serving') });
  const row = [2, -1, 0.5];

  it('serves hand-computed predictions from a worker-thread runtime and flips back on rollback', async () => {
    const m = uniqueName('big');
    await createModel(r.app, m);
    for (const v of [1, 2]) await registerOnnx(r.app, m, specFor(v));
    await promote(r.app, m, 1);
    await promote(r.app, m, 2);
    await waitConverged(r.app, m, 2);
    const res = await call(r.app, 'POST', `/v2/models/${m}/infer`, v2Body([row]));
    expect(res.headers['stagecraft-model-version']).toBe('2');
    expect(Math.abs(res.body.outputs[0].data[0] - expected(specFor(2), row))).toBeLessThan(1e-5);
    await call(r.app, 'POST', `/api/v1/models/${m}/rollback`, { reason: 'worker test' });
    await waitConverged(r.app, m, 1);
    const back = await call(r.app, 'POST', `/models/${m}/invocations`, { instances: [row] });
    expect(back.headers['stagecraft-model-version']).toBe('1');
    expect(Math.abs(back.body.predictions[0] - expected(specFor(1), row))).toBeLessThan(1e-5);
  });
});
