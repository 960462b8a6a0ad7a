import { describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from '../../../test/databases.js';
import { call, createModel, registerVersion } from '../../../test/http.js';

describe.each(DATABASES)('access control on %s', (kind) => {
  const r = useRegistry(kind);

  it('runs open locally until the first token exists, then enforces roles per route', async () => {
    const name = uniqueName('guarded');
    await createModel(r.app, name, { 'stagecraft-actor': 'alice' });
    await registerVersion(r.app, name, { 'm.bin': '1' });
    await registerVersion(r.app, name, { 'm.bin': '2' });

    const admin = (await call(r.app, 'POST', '/api/v1/tokens', { name: 'root', role: 'admin' })).body.token as string;
    const tokens: Record<string, string> = { admin };
    for (const role of ['viewer', 'editor', 'deployer']) {
      const res = await call(r.app, 'POST', '/api/v1/tokens', { name: `${role}-${name}`, role }, { authorization: `Bearer ${admin}` });
      expect(res.status).toBe(201);
      tokens[role] = res.body.token;
    }
    const as = (role: string) => ({ authorization: `Bearer ${tokens[role]}` });

    // No token any more: 401 with a message that says what to send.
    const anon = await call(r.app, 'GET', '/api/v1/models');
    expect(anon.status).toBe(401);
    expect(anon.body.error.message).toContain('Bearer');
    expect((await call(r.app, 'GET', '/api/v1/models', undefined, { authorization: 'Bearer sc_wrong' })).status).toBe(401);
    // Health and the OpenAPI document stay public.
    expect((await call(r.app, 'GET', '/api/v1/health')).status).toBe(200);
    expect((await call(r.app, 'GET', '/openapi.json')).status).toBe(200);

    // viewer reads only
    expect((await call(r.app, 'GET', `/api/v1/models/${name}`, undefined, as('viewer'))).status).toBe(200);
    const viewerWrite = await call(r.app, 'PUT', `/api/v1/models/${name}/tags/team`, { value: 'risk' }, as('viewer'));
    expect(viewerWrite.status).toBe(403);
    expect(viewerWrite.body.error.message).toContain('needs editor');
    // editor writes, cannot promote
    expect((await call(r.app, 'PUT', `/api/v1/models/${name}/tags/team`, { value: 'risk' }, as('editor'))).status).toBe(200);
    const editorPromote = await call(r.app, 'POST', `/api/v1/models/${name}/versions/1/stage`, { stage: 'Production' }, as('editor'));
    expect(editorPromote.status).toBe(403);
    // deployer promotes and rolls back, cannot delete or mint tokens
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/versions/1/stage`, { stage: 'Production' }, as('deployer'))).status).toBe(200);
    expect((await call(r.app, 'POST', `/api/v1/models/${name}/versions/2/stage`, { stage: 'Production', archive_existing_versions: true }, as('deployer'))).status).toBe(200);
    const rb = await call(r.app, 'POST', `/api/v1/models/${name}/rollback`, { reason: 'bad' }, as('deployer'));
    expect(rb.status).toBe(200);
    expect((await call(r.app, 'DELETE', `/api/v1/models/${name}/versions/2`, undefined, as('deployer'))).status).toBe(403);
    expect((await call(r.app, 'POST', '/api/v1/tokens', { name: 'x', role: 'admin' }, as('deployer'))).status).toBe(403);
    // admin deletes
    expect((await call(r.app, 'DELETE', `/api/v1/models/${name}/versions/2`, undefined, as('admin'))).status).toBe(204);

    // The actor in the audit log is the token's name, or the local user while open.
    const events = (await call(r.app, 'GET', `/api/v1/events?model=${name}&order=asc`, undefined, as('viewer'))).body.events;
    expect(events[0]).toMatchObject({ type: 'model.created', actor: 'alice' });
    expect(events.find((e: { type: string }) => e.type === 'rollback').actor).toBe(`deployer-${name}`);
    // Tokens are stored hashed: the secret appears nowhere in the table.
    const rows = await r.deps.db.selectFrom('tokens').selectAll().execute();
    for (const row of rows) expect(JSON.stringify(row)).not.toContain(tokens.admin);
  });
});
