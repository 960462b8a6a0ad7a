// MLflow 3's permission endpoints answered from grants: a registered-model permission of a user is
// a grant to user:<username> on exactly that model; READ/EDIT/MANAGE/NO_PERMISSIONS map to
// viewer/editor/admin/deny (docs/mlflow-compat.md); MLflow's user store answers BAD_REQUEST naming what to use.
import { describe, expect, it } from 'vitest';
import { serverExtensions } from '../src/server.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { call, createModel } from './http.js';

const ML = '/api/2.0/mlflow';

describe.each(DATABASES)('MLflow permission endpoints on %s', (kind) => {
  const r = useRegistry(kind, { extensions: serverExtensions().pick('mlflow') });

  it('creates, reads, updates and deletes a registered-model permission as a grant', async () => {
    const model = uniqueName('perm');
    await createModel(r.app, model);
    const root = await call(r.app, 'POST', '/api/v1/tokens', { name: `root-${model}`, role: 'admin' });
    const admin = { authorization: `Bearer ${root.body.token}` };
    const viewerTok = await call(r.app, 'POST', '/api/v1/tokens', { name: `v-${model}`, role: 'viewer' }, admin);
    const viewer = { authorization: `Bearer ${viewerTok.body.token}` };
    const user = `ann-${model}@example.com`;

    const created = await call(r.app, 'POST', `${ML}/registered-models/permissions/create`, { name: model, username: user, permission: 'READ' }, admin);
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body.registered_model_permission).toMatchObject({ name: model, permission: 'READ' });
    const grants = (await call(r.app, 'GET', `/api/v1/grants?principal_name=${encodeURIComponent(user)}`, undefined, admin)).body.grants;
    expect(grants).toMatchObject([{ principal_type: 'user', principal_name: user, scope: model, role: 'viewer' }]);

    const again = await call(r.app, 'POST', `${ML}/registered-models/permissions/create`, { name: model, username: user, permission: 'READ' }, admin);
    expect(again.body.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    const bad = await call(r.app, 'POST', `${ML}/registered-models/permissions/create`, { name: model, username: 'bob', permission: 'OWN' }, admin);
    expect([bad.status, bad.body.error_code]).toEqual([400, 'INVALID_PARAMETER_VALUE']);

    const q = new URLSearchParams({ name: model, username: user });
    expect((await call(r.app, 'PATCH', `${ML}/registered-models/permissions/update`, { name: model, username: user, permission: 'MANAGE' }, admin)).status).toBe(200);
    expect((await call(r.app, 'GET', `${ML}/registered-models/permissions/get?${q}`, undefined, admin)).body.registered_model_permission.permission).toBe('MANAGE');
    const u = (await call(r.app, 'GET', `${ML}/users/get?${new URLSearchParams({ username: user })}`, undefined, admin)).body.user;
    expect(u).toMatchObject({ username: user, is_admin: false, registered_model_permissions: [{ name: model, permission: 'MANAGE' }], experiment_permissions: [] });

    // Managing permissions needs MANAGE (admin) on the model; a model the caller may not see is missing.
    const denied = await call(r.app, 'POST', `${ML}/registered-models/permissions/create`, { name: model, username: 'bob', permission: 'READ' }, viewer);
    expect([denied.status, denied.body.error_code]).toEqual([403, 'PERMISSION_DENIED']);
    await call(r.app, 'POST', '/api/v1/grants', { principal_type: 'token', principal_name: `v-${model}`, scope: model, role: 'deny' }, admin);
    const hidden = await call(r.app, 'GET', `${ML}/registered-models/permissions/get?${q}`, undefined, viewer);
    expect([hidden.status, hidden.body.error_code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);

    expect((await call(r.app, 'DELETE', `${ML}/registered-models/permissions/delete`, { name: model, username: user }, admin)).status).toBe(200);
    const gone = await call(r.app, 'GET', `${ML}/registered-models/permissions/get?${q}`, undefined, admin);
    expect([gone.status, gone.body.error_code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);

    const me = await call(r.app, 'GET', `${ML}/users/current`, undefined, admin);
    expect(me.body.user).toMatchObject({ username: `root-${model}`, is_admin: true });
    const create = await call(r.app, 'POST', `${ML}/users/create`, { username: 'x', password: 'y' }, admin);
    expect([create.status, create.body.error_code]).toEqual([400, 'BAD_REQUEST']);
    const exp = await call(r.app, 'POST', `${ML}/experiments/permissions/create`, { experiment_id: '0', username: 'x', permission: 'READ' }, admin);
    expect([exp.status, exp.body.error_code]).toEqual([400, 'BAD_REQUEST']);
  });
});
