// Two servers on one database: a grant added or removed through one is obeyed by the other within
// about a second (a cheap fingerprint check refreshes its in-memory set), on SQLite and PostgreSQL.
import { afterAll, describe, expect, it } from 'vitest';
import { createDeps, type Deps } from '../src/deps.js';
import type { App } from '../src/http/app-types.js';
import { createLogger } from '../src/log.js';
import { buildServer } from '../src/server.js';
import { DATABASES, testConfig, uniqueName } from './databases.js';
import { call, createModel } from './http.js';

async function until(check: () => Promise<boolean>, ms: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) {
    if (await check()) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`not within ${ms} ms`);
}

describe.each(DATABASES)('grants across servers on %s', (kind) => {
  const servers: Array<{ app: App; deps: Deps }> = [];
  afterAll(async () => {
    for (const s of servers) {
      await s.app.close();
      await s.deps.close();
    }
  });

  it('a grant changed on one server is obeyed by another within about a second', async () => {
    const config = await testConfig(kind);
    for (let i = 0; i < 2; i++) {
      const deps = await createDeps(config, { log: createLogger('silent') });
      const { app } = await buildServer(deps, []);
      await app.ready();
      servers.push({ app, deps });
    }
    const [a, b] = servers.map((s) => s.app);
    const model = uniqueName('shared');
    await createModel(a, model);
    const admin = { authorization: `Bearer ${(await call(a, 'POST', '/api/v1/tokens', { name: 'root', role: 'admin' })).body.token}` };
    const ci = { authorization: `Bearer ${(await call(a, 'POST', '/api/v1/tokens', { name: 'ci', role: 'viewer' }, admin)).body.token}` };
    expect((await call(b, 'GET', `/api/v1/models/${model}`, undefined, ci)).status).toBe(200);

    const grant = await call(a, 'POST', '/api/v1/grants', { principal_type: 'token', principal_name: 'ci', scope: model, role: 'deny' }, admin);
    // This server at once; the other within ~1 s (plus one request to notice).
    expect((await call(a, 'GET', `/api/v1/models/${model}`, undefined, ci)).status).toBe(404);
    expect(await until(async () => (await call(b, 'GET', `/api/v1/models/${model}`, undefined, ci)).status === 404, 3000)).toBeLessThan(2500);

    await call(a, 'DELETE', `/api/v1/grants/${grant.body.id}`, undefined, admin);
    expect(await until(async () => (await call(b, 'GET', `/api/v1/models/${model}`, undefined, ci)).status === 200, 3000)).toBeLessThan(2500);
  });
});
