// stagecraft grants list|add|remove against a real server, on SQLite and PostgreSQL: a grant
// narrows a token at once, a deny hides the model (404 like a missing one), removal restores it.
import { describe, expect, it } from 'vitest';
import { DATABASES, uniqueName } from './databases.js';
import { useCliServer } from './cli-harness.js';

describe.each(DATABASES)('CLI grants (%s)', (kind) => {
  const s = useCliServer(kind);

  it('adds, lists and removes grants; they take effect at once', async () => {
    const model = uniqueName('fraud');
    await s.run(['models', 'create', model]);
    const admin = (await s.run(['tokens', 'create', `boss-${model}`, '--role', 'admin', '--json'])).json.token as string;
    const ci = (await s.run(['--token', admin, 'tokens', 'create', `ci-${model}`, '--role', 'deployer', '--json'])).json.token as string;
    expect((await s.run(['--token', ci, 'models', 'show', model])).code).toBe(0);

    const added = await s.run(['--token', admin, 'grants', 'add', `token:ci-${model}`, model, '--role', 'deny', '--json']);
    expect(added.code, added.stderr).toBe(0);
    expect(added.json).toMatchObject({ principal_type: 'token', principal_name: `ci-${model}`, scope: model, role: 'deny' });
    const hidden = await s.run(['--token', ci, 'models', 'show', model]);
    expect(hidden.code).toBe(1);
    expect(hidden.stderr).toContain('does not exist');

    const list = await s.run(['--token', admin, 'grants', 'list', '--principal', `token:ci-${model}`]);
    expect(list.stdout).toContain(model);
    expect(list.stdout).toContain('deny');

    expect((await s.run(['--token', admin, 'grants', 'remove', String(added.json.id)])).code).toBe(0);
    expect((await s.run(['--token', ci, 'models', 'show', model])).code).toBe(0);

    // Mistakes: a principal without its kind is a usage error; a role the server does not know, its refusal.
    expect((await s.run(['--token', admin, 'grants', 'add', 'fraud-team', model, '--role', 'viewer'])).code).toBe(2);
    const badRole = await s.run(['--token', admin, 'grants', 'add', 'group:fraud', model, '--role', 'owner']);
    expect(badRole.code).toBe(1);
    // Only admins manage grants.
    expect((await s.run(['--token', ci, 'grants', 'list'])).code).toBe(1);
  });
});
