// GET /api/v1/whoami?model=NAME: the caller's effective role on one model, which the UI uses for its
// action buttons. A global viewer with a deployer grant on `fraud-*` is a deployer on fraud-a and a
// viewer elsewhere; a denied model answers 404 exactly like a missing one; open mode is everything.
// On SQLite and PostgreSQL.
import { describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { call, createModel } from './http.js';

describe.each(DATABASES)('whoami?model= on %s', (kind) => {
  const r = useRegistry(kind);

  it('answers admin for everything while the server runs open', async () => {
    const me = await call(r.app, 'GET', `/api/v1/whoami?model=${uniqueName('any')}`);
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ open: true, model_role: 'admin' });
  });

  it('applies the grants: a glob grant raises the role, elsewhere the global one, a deny hides', async () => {
    const prefix = uniqueName('fraud').replace(/-/g, '');
    const fraud = `${prefix}-a`;
    const ranking = uniqueName('ranking-b');
    const secret = uniqueName('secret');
    for (const m of [fraud, ranking, secret]) await createModel(r.app, m);
    const root = await call(r.app, 'POST', '/api/v1/tokens', { name: 'root', role: 'admin' });
    const admin = { authorization: `Bearer ${root.body.token}` };
    const ci = await call(r.app, 'POST', '/api/v1/tokens', { name: 'ci', role: 'viewer' }, admin);
    const viewer = { authorization: `Bearer ${ci.body.token}` };
    const grant = (scope: string, role: string) =>
      call(r.app, 'POST', '/api/v1/grants', { principal_type: 'token', principal_name: 'ci', scope, role }, admin);
    expect((await grant(`${prefix}-*`, 'deployer')).status).toBe(201);
    expect((await grant(secret, 'deny')).status).toBe(201);

    const roleOn = (model: string) => call(r.app, 'GET', `/api/v1/whoami?model=${encodeURIComponent(model)}`, undefined, viewer);
    expect((await roleOn(fraud)).body).toEqual({ name: 'ci', role: 'viewer', open: false, model: fraud, model_role: 'deployer' });
    expect((await roleOn(ranking)).body).toMatchObject({ role: 'viewer', model: ranking, model_role: 'viewer' });
    const hidden = await roleOn(secret);
    expect(hidden.status).toBe(404);
    expect(hidden.body.error.message).toBe(`model "${secret}" does not exist`);
    // Without ?model= the answer is as before: the baseline role, no model fields.
    expect((await call(r.app, 'GET', '/api/v1/whoami', undefined, viewer)).body).toEqual({ name: 'ci', role: 'viewer', open: false });
    // An admin is admin everywhere.
    expect((await call(r.app, 'GET', `/api/v1/whoami?model=${fraud}`, undefined, admin)).body.model_role).toBe('admin');
  });
});
