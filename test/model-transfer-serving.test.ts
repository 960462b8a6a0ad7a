// An imported model is served where its stages say, at once: the embedded gateway does not replay
// the imported moves one by one (they carry imported_from); the model.imported event makes it
// resync, and it serves the Production holder the archive brought.
import { describe, expect, it } from 'vitest';
import { serverExtensions } from '../src/server.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { expected, registerOnnx, specFor, v2Body, waitConverged } from './gateway-fixtures.js';
import { call, createModel, promote } from './http.js';

describe.each(DATABASES)('serving an imported model (%s)', (kind) => {
  const src = useRegistry(kind);
  const dst = useRegistry(kind, { extensions: serverExtensions().pick('serving') });
  const row = [0.2, 0.4, 0.6];

  it('serves the Production version the archive brought, and rolls back along the imported history', async () => {
    const name = uniqueName('served');
    await createModel(src.app, name);
    await registerOnnx(src.app, name, specFor(1));
    await registerOnnx(src.app, name, specFor(2));
    expect((await promote(src.app, name, 1)).status).toBe(200);
    expect((await promote(src.app, name, 2)).status).toBe(200);
    const archive = await src.app.inject({ method: 'GET', url: `/api/v1/models/${name}/export` });
    const res = await dst.app.inject({ method: 'POST', url: '/api/v1/model-archives', headers: { 'content-type': 'application/x-tar' }, payload: archive.rawPayload });
    expect(res.statusCode).toBe(201);

    await waitConverged(dst.app, name, 2);
    const answer = await call(dst.app, 'POST', `/v2/models/${name}/infer`, v2Body([row]));
    expect(answer.headers['stagecraft-model-version']).toBe('2');
    expect(Math.abs(answer.body.outputs[0].data[0] - expected(specFor(2), row))).toBeLessThan(1e-5);
    const rb = await call(dst.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'back to the imported v1' });
    expect(rb.body).toMatchObject({ from_version: 2, to_version: 1 });
    await waitConverged(dst.app, name, 1);
  });
});
