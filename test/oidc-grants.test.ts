// A person signed in with the OpenID Provider gets what grants give their groups and themselves —
// nothing of their own: the issue's "the fraud team deploys fraud-*, the ranking team only reads
// it", with real JWT access tokens from a real provider (oidc-provider), through both doors, on
// SQLite and PostgreSQL. Alice is in the groups fraud-team and ml, Bob in ranking-team
// (test/helpers/oidc-provider.ts); Carol is in none.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import { serverExtensions } from '../src/server.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { oidcConfigFor, startTestProvider, type TestProvider } from './helpers/oidc-provider.js';
import { call, createModel, registerVersion } from './http.js';

const ML = '/api/2.0/mlflow';
let idp: TestProvider;
const config: Partial<Config> = {};
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  idp = await startTestProvider();
  idp.allowRedirect('http://127.0.0.1:1'); // access tokens come through the code flow
  config.oidc = oidcConfigFor(idp);
});
afterAll(async () => idp?.close());

describe.each(DATABASES)('OIDC groups mapped to grants on %s', (kind) => {
  const r = useRegistry(kind, { config, extensions: () => serverExtensions().pick('mlflow') });

  it('the fraud team deploys fraud-*, the ranking team only reads it, a personal deny wins, nobody else sees anything', async () => {
    const prefix = uniqueName('fraud').replace(/[^a-z0-9]/g, '');
    const fraudA = `${prefix}-a`;
    const fraudSecret = `${prefix}-secret`;
    const ranking = uniqueName('ranking');
    for (const m of [fraudA, fraudSecret, ranking]) {
      await createModel(r.app, m);
      await registerVersion(r.app, m, { 'model.bin': 'weights' });
    }
    // The first token ends open mode; from here on nobody has a role unless a token or grant gives it.
    const admin = await call(r.app, 'POST', '/api/v1/tokens', { name: uniqueName('root'), role: 'admin' });
    expect(admin.status).toBe(201);
    const asAdmin = bearer(admin.body.token);
    for (const g of [
      { principal_type: 'group', principal_name: 'fraud-team', scope: `${prefix}-*`, role: 'deployer' },
      { principal_type: 'group', principal_name: 'ranking-team', scope: `${prefix}-*`, role: 'viewer' },
      { principal_type: 'user', principal_name: 'alice@example.com', scope: fraudSecret, role: 'deny' },
    ]) {
      expect((await call(r.app, 'POST', '/api/v1/grants', g, asAdmin)).status).toBe(201);
    }
    const alice = bearer(await idp.accessToken('alice'));
    const bob = bearer(await idp.accessToken('bob'));
    const carol = bearer(await idp.accessToken('carol'));

    // Alice (fraud-team: deployer on fraud-*) moves an alias on fraud-a; the audit log names her.
    expect((await call(r.app, 'PUT', `/api/v1/models/${fraudA}/aliases/champion`, { version: 1 }, alice)).status).toBe(200);
    const events = await call(r.app, 'GET', `/api/v1/events?model=${fraudA}`, undefined, asAdmin);
    expect(events.body.events.find((e: { type: string }) => e.type === 'alias.set')?.actor).toBe('alice@example.com');
    // Bob (ranking-team: viewer on fraud-*) reads it but may not move it: 403, not 404.
    expect((await call(r.app, 'GET', `/api/v1/models/${fraudA}`, undefined, bob)).status).toBe(200);
    expect((await call(r.app, 'PUT', `/api/v1/models/${fraudA}/aliases/champion`, { version: 1 }, bob)).status).toBe(403);
    expect((await call(r.app, 'POST', `${ML}/registered-models/alias`, { name: fraudA, alias: 'champion', version: '1' }, bob)).status).toBe(403);

    // Alice's personal deny on fraud-secret wins over her group's deployer grant: hidden like a missing model.
    const missing = await call(r.app, 'GET', `/api/v1/models/${uniqueName('nope')}`, undefined, alice);
    const denied = await call(r.app, 'GET', `/api/v1/models/${fraudSecret}`, undefined, alice);
    expect(denied.status).toBe(404);
    expect(denied.status).toBe(missing.status);
    const mlDenied = await call(r.app, 'GET', `${ML}/registered-models/get?name=${fraudSecret}`, undefined, alice);
    expect(mlDenied.status).toBe(404);
    expect(mlDenied.body.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    // Bob still sees it (his group's grant).
    expect((await call(r.app, 'GET', `/api/v1/models/${fraudSecret}`, undefined, bob)).status).toBe(200);

    // Lists and searches show each person only what they may read.
    const names = async (h: Record<string, string>) => {
      const native = (await call(r.app, 'GET', '/api/v1/models?limit=1000', undefined, h)).body.models.map((m: { name: string }) => m.name);
      const found = await call(r.app, 'GET', `${ML}/registered-models/search?max_results=1000`, undefined, h);
      expect(found.status).toBe(200);
      const mlflow = found.body.registered_models?.map((m: { name: string }) => m.name) ?? [];
      return { native: native.sort(), mlflow: mlflow.sort() };
    };
    expect(await names(alice)).toEqual({ native: [fraudA], mlflow: [fraudA] });
    expect(await names(bob)).toEqual({ native: [fraudA, fraudSecret].sort(), mlflow: [fraudA, fraudSecret].sort() });
    // Carol may read no model at all: lists refuse her (403 names no model), a model is hidden (404).
    expect((await call(r.app, 'GET', '/api/v1/models', undefined, carol)).status).toBe(403);
    expect((await call(r.app, 'GET', `${ML}/registered-models/search`, undefined, carol)).status).toBe(403);
    expect((await call(r.app, 'GET', `/api/v1/models/${fraudA}`, undefined, carol)).status).toBe(404);
    expect((await call(r.app, 'GET', `/api/v1/models/${ranking}`, undefined, alice)).status).toBe(404);
  });
});

describe.each(DATABASES)('a grant on every model (*) on %s', (kind) => {
  const r = useRegistry(kind, { config });

  it("is a person's global role: whoami says it, so clients (the UI's Grants link, its buttons) follow it", async () => {
    const admin = await call(r.app, 'POST', '/api/v1/tokens', { name: uniqueName('root'), role: 'admin' });
    const asAdmin = bearer(admin.body.token);
    const carol = bearer(await idp.accessToken('carol'));
    const name = uniqueName('any');
    await createModel(r.app, name, asAdmin);
    // No grant yet: Carol has no role (lists refuse her).
    expect((await call(r.app, 'GET', '/api/v1/whoami', undefined, carol)).status).toBe(403);
    expect((await call(r.app, 'POST', '/api/v1/grants', { principal_type: 'user', principal_name: 'carol', scope: '*', role: 'admin' }, asAdmin)).status).toBe(201);
    const who = await call(r.app, 'GET', '/api/v1/whoami', undefined, carol);
    expect(who.status).toBe(200);
    expect(who.body).toMatchObject({ name: 'carol', role: 'admin', open: false });
    expect((await call(r.app, 'GET', '/api/v1/grants', undefined, carol)).status).toBe(200);
  });
});
