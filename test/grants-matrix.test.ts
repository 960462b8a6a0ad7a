// Per-model grants through both doors, generated: every route below × every role × every way a
// principal can hold (or not hold) the model — a grant on the model, on a glob, its own global
// role, a deny on the model, a deny on a glob covering it — answers allowed, 403 or 404 exactly as
// the resolution says, on SQLite and PostgreSQL. A model the caller may not read answers what a
// missing model answers (native 404, MLflow RESOURCE_DOES_NOT_EXIST), and lists and searches of
// either door never name it. Principals are tokens (groups resolve the same way: grants.test.ts).
import { describe, expect, it } from 'vitest';
import type { App } from '../src/http/app-types.js';
import { serverExtensions } from '../src/server.js';
import { allows, type Permission, type Role } from '../src/registry/tokens/tokens.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { call, createModel, registerVersion, type Answer } from './http.js';

const ML = '/api/2.0/mlflow';
const ROLES: Role[] = ['viewer', 'editor', 'deployer', 'admin'];
const SCOPES = ['exact', 'glob', 'global', 'denied', 'denied-glob'] as const;
type Scope = (typeof SCOPES)[number];

interface RouteCase {
  door: 'native' | 'mlflow';
  name: string;
  permission: Exclude<Permission, 'public' | 'report'>;
  send(app: App, model: string, h: Record<string, string>): Promise<Answer>;
}

const q = (o: Record<string, string>) => new URLSearchParams(o).toString();

// Each case must be repeatable (every principal that may, does it again) and answer 2xx when allowed.
const ROUTES: RouteCase[] = [
  { door: 'native', name: 'get model', permission: 'read', send: (a, m, h) => call(a, 'GET', `/api/v1/models/${m}`, undefined, h) },
  { door: 'native', name: 'list versions of the model', permission: 'read', send: (a, m, h) => call(a, 'GET', `/api/v1/models/${m}/versions`, undefined, h) },
  { door: 'native', name: 'get version', permission: 'follow', send: (a, m, h) => call(a, 'GET', `/api/v1/models/${m}/versions/1`, undefined, h) },
  { door: 'native', name: 'history', permission: 'follow', send: (a, m, h) => call(a, 'GET', `/api/v1/models/${m}/history`, undefined, h) },
  { door: 'native', name: 'resolve models:/ URI', permission: 'read', send: (a, m, h) => call(a, 'GET', `/api/v1/resolve?${q({ uri: `models:/${m}/1` })}`, undefined, h) },
  { door: 'native', name: 'versions filtered by model', permission: 'read', send: (a, m, h) => call(a, 'GET', `/api/v1/versions?${q({ model: m })}`, undefined, h) },
  { door: 'native', name: 'set model tag', permission: 'write', send: (a, m, h) => call(a, 'PUT', `/api/v1/models/${m}/tags/team`, { value: 'risk' }, h) },
  { door: 'native', name: 'update version', permission: 'write', send: (a, m, h) => call(a, 'PATCH', `/api/v1/models/${m}/versions/1`, { description: 'd' }, h) },
  { door: 'native', name: 'set alias', permission: 'deploy', send: (a, m, h) => call(a, 'PUT', `/api/v1/models/${m}/aliases/champion`, { version: 1 }, h) },
  { door: 'native', name: 'protect setting (admin)', permission: 'admin', send: (a, m, h) => call(a, 'PATCH', `/api/v1/models/${m}`, { protected: false }, h) },
  { door: 'native', name: 'approval policy (extension)', permission: 'read', send: (a, m, h) => call(a, 'GET', `/api/v1/models/${m}/approval-policy`, undefined, h) },
  { door: 'native', name: 'approvals of the model (extension)', permission: 'read', send: (a, m, h) => call(a, 'GET', `/api/v1/approvals?${q({ model: m })}`, undefined, h) },
  { door: 'mlflow', name: 'registered-models/get', permission: 'read', send: (a, m, h) => call(a, 'GET', `${ML}/registered-models/get?${q({ name: m })}`, undefined, h) },
  { door: 'mlflow', name: 'model-versions/get', permission: 'read', send: (a, m, h) => call(a, 'GET', `${ML}/model-versions/get?${q({ name: m, version: '1' })}`, undefined, h) },
  { door: 'mlflow', name: 'get-latest-versions', permission: 'read', send: (a, m, h) => call(a, 'POST', `${ML}/registered-models/get-latest-versions`, { name: m }, h) },
  { door: 'mlflow', name: 'registered-models/set-tag', permission: 'write', send: (a, m, h) => call(a, 'POST', `${ML}/registered-models/set-tag`, { name: m, key: 'k', value: 'v' }, h) },
  { door: 'mlflow', name: 'model-versions/set-tag', permission: 'write', send: (a, m, h) => call(a, 'POST', `${ML}/model-versions/set-tag`, { name: m, version: '1', key: 'k', value: 'v' }, h) },
  { door: 'mlflow', name: 'registered-models/alias', permission: 'deploy', send: (a, m, h) => call(a, 'POST', `${ML}/registered-models/alias`, { name: m, alias: 'ml-champion', version: '1' }, h) },
];

/** The role the resolution gives the principal of (scope, role) on the model; null: none at all. */
function effective(scope: Scope, role: Role): Role | null {
  return scope === 'denied' || scope === 'denied-glob' ? null : role;
}

type Expect = 'allowed' | 'forbidden' | 'hidden';
function expected(scope: Scope, role: Role, permission: Permission): Expect {
  const r = effective(scope, role);
  if (r === null) return 'hidden';
  return allows(r, permission) ? 'allowed' : 'forbidden';
}

function verdict(res: Answer, door: 'native' | 'mlflow'): Expect | string {
  if (res.status >= 200 && res.status < 300) return 'allowed';
  if (res.status === 403) return door === 'mlflow' && res.body?.error_code !== 'PERMISSION_DENIED' ? `403 ${JSON.stringify(res.body)}` : 'forbidden';
  if (res.status === 404) return door === 'mlflow' && res.body?.error_code !== 'RESOURCE_DOES_NOT_EXIST' ? `404 ${JSON.stringify(res.body)}` : 'hidden';
  return `${res.status} ${JSON.stringify(res.body)}`;
}

/** An answer with the model's name replaced: a hidden model's answer must equal a missing one's. */
const shape = (res: Answer, name: string) => ({ status: res.status, body: JSON.stringify(res.body).replaceAll(name, '<model>').replace(/"id":"[^"]+"/, '"id":"<id>"') });

describe.each(DATABASES)('per-model grants on %s', (kind) => {
  const r = useRegistry(kind, { extensions: serverExtensions().pick('mlflow', 'approvals', 'serving') });
  const prefix = uniqueName('fx');
  const model = `${prefix}-a`;
  const other = `${uniqueName('zz')}-b`;
  const tokens = new Map<string, string>();
  let admin: Record<string, string> = {};
  const as = (scope: Scope, role: Role) => ({ authorization: `Bearer ${tokens.get(`${scope}/${role}`)}` });

  it('sets up models, tokens and grants', async () => {
    for (const m of [model, other]) {
      await createModel(r.app, m);
      await registerVersion(r.app, m, { 'm.bin': m });
    }
    const root = await call(r.app, 'POST', '/api/v1/tokens', { name: `root-${prefix}`, role: 'admin' });
    admin = { authorization: `Bearer ${root.body.token}` };
    const grant = async (token: string, scope: string, role: string) => {
      const res = await call(r.app, 'POST', '/api/v1/grants', { principal_type: 'token', principal_name: token, scope, role }, admin);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    };
    for (const scope of SCOPES) {
      for (const role of ROLES) {
        const name = `${prefix}-${scope}-${role}`;
        // exact and glob: a viewer token raised on the model; global: its own role; denied: an admin token denied.
        const own = scope === 'exact' || scope === 'glob' ? 'viewer' : scope === 'global' ? role : 'admin';
        const res = await call(r.app, 'POST', '/api/v1/tokens', { name, role: own }, admin);
        expect(res.status).toBe(201);
        tokens.set(`${scope}/${role}`, res.body.token);
        if (scope === 'exact') await grant(name, model, role);
        if (scope === 'glob') await grant(name, `${prefix}-*`, role);
        if (scope === 'denied') await grant(name, model, 'deny');
        if (scope === 'denied-glob') await grant(name, `${prefix}-*`, 'deny');
      }
    }
    // A grant on another model changes nothing here.
    await grant(`${prefix}-exact-viewer`, other, 'admin');
  });

  for (const route of ROUTES) {
    it(`${route.door} ${route.name} (${route.permission}): allowed, 403 or 404 per role and scope`, async () => {
      const got: string[] = [];
      const want: string[] = [];
      for (const scope of SCOPES) {
        for (const role of ROLES) {
          want.push(`${scope}/${role}: ${expected(scope, role, route.permission)}`);
          got.push(`${scope}/${role}: ${verdict(await route.send(r.app, model, as(scope, role)), route.door)}`);
        }
      }
      expect(got).toEqual(want);
    });
  }

  it('answers a hidden model exactly as a missing one, through both doors', async () => {
    const missing = `${prefix}-missing`;
    for (const route of ROUTES) {
      for (const scope of ['denied', 'denied-glob'] as const) {
        const hidden = await route.send(r.app, model, as(scope, 'admin'));
        const absent = await route.send(r.app, missing, as(scope, 'admin'));
        expect(shape(hidden, model), `${route.door} ${route.name} as ${scope}`).toEqual(shape(absent, missing));
      }
    }
  });

  it('answers inference and serving metadata for a hidden model as for one not served, in each protocol', async () => {
    const missing = `${prefix}-missing`;
    const urls: Array<[string, string, unknown]> = [
      ['GET', '/v2/models/{m}', undefined],
      ['GET', '/v2/models/{m}/ready', undefined],
      ['POST', '/v2/models/{m}/infer', { inputs: [] }],
      ['POST', '/models/{m}/invocations', { inputs: [[1]] }],
      ['POST', '/v1/models/{m}:predict', { instances: [[1]] }],
      ['GET', '/v1/models/{m}', undefined],
    ];
    for (const [method, url, body] of urls) {
      const h = as('denied', 'admin');
      const hidden = await call(r.app, method as 'GET' | 'POST', url.replace('{m}', model), body, h);
      const absent = await call(r.app, method as 'GET' | 'POST', url.replace('{m}', missing), body, h);
      expect(shape(hidden, model), `${method} ${url}`).toEqual(shape(absent, missing));
      expect(hidden.status, `${method} ${url}`).toBeGreaterThanOrEqual(400);
    }
  });

  it('creating or renaming to a name needs write there, whether or not a model has it', async () => {
    const viewer = as('exact', 'viewer');
    const editor = as('glob', 'editor');
    // The glob editor may create under its glob, not elsewhere; taken or not, outside it is a 403.
    expect((await call(r.app, 'POST', '/api/v1/models', { name: `${prefix}-new` }, editor)).status).toBe(201);
    expect((await call(r.app, 'POST', '/api/v1/models', { name: `${uniqueName('elsewhere')}` }, viewer)).status).toBe(403);
    expect((await call(r.app, 'POST', '/api/v1/models', { name: other }, as('denied', 'viewer'))).status).toBe(409);
    const mlCreate = await call(r.app, 'POST', `${ML}/registered-models/create`, { name: model }, as('denied', 'admin'));
    expect(mlCreate.body.error_code).toBe('PERMISSION_DENIED');
    const rename = await call(r.app, 'POST', `${ML}/registered-models/rename`, { name: `${prefix}-new`, new_name: other }, editor);
    expect(rename.body.error_code).toBe('PERMISSION_DENIED');
  });

  it('checks an approval request by id against its model (hidden: as a missing request)', async () => {
    expect((await call(r.app, 'PUT', `/api/v1/models/${model}/approval-policy`, { stages: ['Production'] }, admin)).status).toBe(200);
    const req = await call(r.app, 'POST', `/api/v1/models/${model}/approvals`, { version: 1, stage: 'Production' }, as('global', 'deployer'));
    expect(req.status, JSON.stringify(req.body)).toBe(201);
    const id = req.body.id as number;
    expect((await call(r.app, 'GET', `/api/v1/approvals/${id}`, undefined, as('glob', 'viewer'))).status).toBe(200);
    const hidden = await call(r.app, 'GET', `/api/v1/approvals/${id}`, undefined, as('denied', 'admin'));
    const absent = await call(r.app, 'GET', `/api/v1/approvals/${id + 1000}`, undefined, as('denied', 'admin'));
    expect(shape(hidden, String(id))).toEqual(shape(absent, String(id + 1000)));
    expect(hidden.status).toBe(404);
    const approve = await call(r.app, 'POST', `/api/v1/approvals/${id}/approve`, {}, as('denied-glob', 'admin'));
    expect(approve.status).toBe(404);
    expect((await call(r.app, 'POST', `/api/v1/approvals/${id}/reject`, {}, as('exact', 'editor'))).status).toBe(403);
    expect((await call(r.app, 'POST', `/api/v1/approvals/${id}/reject`, {}, as('exact', 'deployer'))).status).toBe(200);
    expect((await call(r.app, 'PUT', `/api/v1/models/${model}/approval-policy`, { stages: [] }, admin)).status).toBe(200);
  });

  it('lists and searches of both doors show only readable models', async () => {
    const names = async (h: Record<string, string>) => {
      const native = (await call(r.app, 'GET', '/api/v1/models?limit=1000', undefined, h)).body.models.map((m: { name: string }) => m.name);
      const versions = (await call(r.app, 'GET', '/api/v1/versions?limit=1000', undefined, h)).body.versions.map((v: { name: string }) => v.name);
      const events = (await call(r.app, 'GET', '/api/v1/events?limit=1000', undefined, h)).body.events.map((e: { model: string | null }) => e.model);
      const ml = (await call(r.app, 'GET', `${ML}/registered-models/search?max_results=1000`, undefined, h)).body.registered_models?.map((m: { name: string }) => m.name) ?? [];
      const mv = (await call(r.app, 'GET', `${ML}/model-versions/search?${q({ filter: `name='${model}'` })}`, undefined, h)).body.model_versions?.map((v: { name: string }) => v.name) ?? [];
      return { native, versions, events, ml, mv };
    };
    for (const scope of SCOPES) {
      for (const role of ROLES) {
        const seen = await names(as(scope, role));
        const visible = effective(scope, role) !== null;
        for (const [where, list] of Object.entries(seen)) {
          expect(list.includes(model), `${scope}/${role} ${where}`).toBe(visible);
        }
      }
    }
  });

  it('pages of a filtered list stay full and their cursors name only visible models', async () => {
    const h = as('denied-glob', 'admin');
    const all: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Answer = await call(r.app, 'GET', `/api/v1/models?limit=1${cursor ? `&cursor=${cursor}` : ''}`, undefined, h);
      expect(page.status).toBe(200);
      all.push(...page.body.models.map((m: { name: string }) => m.name));
      cursor = page.body.next_cursor;
      if (cursor) expect(Buffer.from(cursor, 'base64url').toString()).not.toContain(prefix);
    } while (cursor);
    expect(all.some((n) => n.startsWith(prefix))).toBe(false);
    expect(all).toContain(other);
  });

  it('sees a grant change at once, and audits it', async () => {
    const h = as('global', 'viewer');
    expect((await call(r.app, 'GET', `/api/v1/models/${model}`, undefined, h)).status).toBe(200);
    const added = await call(r.app, 'POST', '/api/v1/grants', { principal_type: 'token', principal_name: `${prefix}-global-viewer`, scope: model, role: 'deny' }, admin);
    expect((await call(r.app, 'GET', `/api/v1/models/${model}`, undefined, h)).status).toBe(404);
    expect((await call(r.app, 'DELETE', `/api/v1/grants/${added.body.id}`, undefined, admin)).status).toBe(200);
    expect((await call(r.app, 'GET', `/api/v1/models/${model}`, undefined, h)).status).toBe(200);
    const events = (await call(r.app, 'GET', '/api/v1/events?type=grant.*&limit=1000', undefined, admin)).body.events;
    expect(events.filter((e: { details: { id: number } }) => e.details.id === added.body.id).map((e: { type: string }) => e.type).sort()).toEqual(['grant.added', 'grant.removed']);
    // Only admins manage grants.
    expect((await call(r.app, 'GET', '/api/v1/grants', undefined, as('global', 'deployer'))).status).toBe(403);
  });
});
