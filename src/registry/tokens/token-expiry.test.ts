// Tokens that expire (issue 20, point 4): refused the moment they expire (cached or not), rotated
// under the same name, last use recorded off the request path, and never above their creator's role.
import { describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from '../../../test/databases.js';
import { call } from '../../../test/http.js';
import { eventually } from '../../../test/gateway-fixtures.js';
import { manualClock } from '../../../test/monitoring-traffic.js';

const DAY = 24 * 3600 * 1000;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe.each(DATABASES)('expiring tokens on %s', (kind) => {
  const clock = manualClock(Date.UTC(2026, 11, 5, 4, 0, 0));
  const r = useRegistry(kind, { overrides: { clock }, config: { tokenTtlMs: 7 * DAY } });
  let admin = '';

  const mint = async (as: string, body: Record<string, unknown>) => call(r.app, 'POST', '/api/v1/tokens', body, bearer(as));
  const list = async (as = admin) => (await call(r.app, 'GET', '/api/v1/tokens', undefined, bearer(as))).body.tokens as Array<Record<string, unknown>>;
  const whoami = (token: string) => call(r.app, 'GET', '/api/v1/whoami', undefined, bearer(token));

  it('gives a new token the server default, or what its creator asked; only admins mint tokens that never expire', async () => {
    const first = await call(r.app, 'POST', '/api/v1/tokens', { name: uniqueName('root'), role: 'admin', expires_in: 'never' });
    expect(first.status).toBe(201);
    expect(first.body.expires_at).toBeNull();
    admin = first.body.token;
    const byDefault = await mint(admin, { name: uniqueName('ci'), role: 'deployer' });
    expect(byDefault.body.expires_at).toBe(new Date(clock.t + 7 * DAY).toISOString());
    const short = await mint(admin, { name: uniqueName('ci'), role: 'deployer', expires_in: '30m' });
    expect(short.body.expires_at).toBe(new Date(clock.t + 30 * 60_000).toISOString());
    const typo = await mint(admin, { name: uniqueName('ci'), role: 'deployer', expires_in: '30 days' });
    expect([typo.status, typo.body.error.message]).toEqual([400, expect.stringContaining('such as 90d')]);

    const deployer = byDefault.body.token as string;
    const forever = await mint(deployer, { name: uniqueName('mine'), role: 'viewer', expires_in: 'never' });
    expect([forever.status, forever.body.error.message]).toEqual([403, 'a token that never expires needs an admin']);
    const tooLong = await mint(deployer, { name: uniqueName('mine'), role: 'viewer', expires_in: '8d' });
    expect(tooLong.status).toBe(403);
  });

  it('refuses a token the moment it expires, even while its verification is cached', async () => {
    const name = uniqueName('short');
    const token = (await mint(admin, { name, role: 'viewer', expires_in: '1h' })).body.token as string;
    expect((await whoami(token)).status).toBe(200); // verified and now cached (5 s)
    clock.t += 3600_000 - 1;
    expect((await whoami(token)).status).toBe(200);
    clock.t += 1;
    const refused = await whoami(token);
    expect([refused.status, refused.body.error.message]).toEqual([401, expect.stringMatching(new RegExp(`API token "${name}" expired at .*stagecraft tokens rotate ${name}`))]);
    expect((await whoami(token)).status).toBe(401);
    expect((await list()).find((t) => t.name === name)).toMatchObject({ expired: true, revoked: false });
  });

  it('rotates: a new secret under the same name and role, the old one refused at once, audited', async () => {
    const name = uniqueName('rotated');
    const old = (await mint(admin, { name, role: 'editor', expires_in: '1d' })).body.token as string;
    expect((await whoami(old)).status).toBe(200); // cached
    clock.t += 3600_000;
    const rotated = await call(r.app, 'POST', `/api/v1/tokens/${name}/rotate`, {}, bearer(admin));
    expect(rotated.status).toBe(200);
    expect(rotated.body).toMatchObject({ name, role: 'editor', expires_at: new Date(clock.t + 7 * DAY).toISOString() });
    expect(rotated.body.token).not.toBe(old);
    expect((await whoami(old)).status).toBe(401);
    expect((await whoami(rotated.body.token)).body).toMatchObject({ name, role: 'editor' });
    expect((await list()).find((t) => t.name === name)).toMatchObject({ rotated_at: new Date(clock.t).toISOString(), expired: false, revoked: false });
    const events = (await call(r.app, 'GET', '/api/v1/events?type=token.rotated&limit=10', undefined, bearer(admin))).body.events;
    expect(events.find((e: { details: { name: string } }) => e.details.name === name)).toMatchObject({ details: { name, role: 'editor' } });
    // An expired token can be rotated back into use.
    clock.t += 8 * DAY;
    expect((await whoami(rotated.body.token)).status).toBe(401);
    const again = await call(r.app, 'POST', `/api/v1/tokens/${name}/rotate`, { expires_in: '2h' }, bearer(admin));
    expect((await whoami(again.body.token)).status).toBe(200);
  });

  it('records the last use off the request path, at most once a minute per token', async () => {
    const name = uniqueName('used');
    const token = (await mint(admin, { name, role: 'viewer' })).body.token as string;
    expect((await list()).find((t) => t.name === name)?.last_used_at).toBeNull();
    const firstUse = clock.t;
    await whoami(token);
    await eventually(async () => (await list()).find((t) => t.name === name)?.last_used_at, (v) => v === new Date(firstUse).toISOString(), 'last use written');
    clock.t += 30_000;
    await whoami(token);
    await new Promise((res) => setTimeout(res, 1200)); // past the batch window: nothing new is written within the minute
    expect((await list()).find((t) => t.name === name)?.last_used_at).toBe(new Date(firstUse).toISOString());
    clock.t += 31_000;
    await whoami(token);
    await eventually(async () => (await list()).find((t) => t.name === name)?.last_used_at, (v) => v === new Date(clock.t).toISOString(), 'second use written');
  });

  it("gives a token at most its creator's role; non-admins see and manage only the tokens they created", async () => {
    const deployerName = uniqueName('dep');
    const deployer = (await mint(admin, { name: deployerName, role: 'deployer' })).body.token as string;
    const mine = uniqueName('mine');
    expect((await mint(deployer, { name: mine, role: 'editor' })).status).toBe(201);
    for (const role of ['admin', 'gateway']) {
      const refused = await mint(deployer, { name: uniqueName('x'), role });
      expect([refused.status, refused.body.error.message]).toEqual([403, expect.stringContaining(`cannot give a token the role ${role}`)]);
    }
    const viewer = (await mint(deployer, { name: uniqueName('v'), role: 'viewer' })).body.token as string;
    expect((await mint(viewer, { name: uniqueName('x'), role: 'editor' })).status).toBe(403);
    expect((await list(deployer)).map((t) => t.created_by)).toEqual(expect.arrayContaining([deployerName]));
    expect(new Set((await list(deployer)).map((t) => t.created_by))).toEqual(new Set([deployerName]));
    // Someone else's token is not found to a non-admin; their own they rotate and revoke.
    expect((await call(r.app, 'POST', `/api/v1/tokens/${deployerName}/rotate`, {}, bearer(viewer))).status).toBe(404);
    expect((await call(r.app, 'POST', `/api/v1/tokens/${mine}/rotate`, {}, bearer(deployer))).status).toBe(200);
    expect((await call(r.app, 'DELETE', `/api/v1/tokens/${mine}`, undefined, bearer(deployer))).status).toBe(204);
  });
});
