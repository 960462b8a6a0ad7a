// MLflow's webhooks API over HTTP, black-box on SQLite and PostgreSQL: each route, the answers a
// real MLflow 3 server gives (field names, statuses, events as enum names, paging) and its
// validation errors (status, error_code and message), plus the deliberate differences listed in
// docs/mlflow-compat.md ("Webhooks"). Deliveries are in test/mlflow-webhooks-delivery.test.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../http/app-types.js';
import { DATABASES, uniqueName, useRegistry } from '../../test/databases.js';
import { call } from '../../test/http.js';
import { serverExtensions } from '../server.js';

type Params = Record<string, unknown>;
const MV_CREATED = { entity: 'MODEL_VERSION', action: 'CREATED' };
const URL = 'https://hooks.example.com/services/T0/B0/sEcReT';

async function ml(app: App, method: 'GET' | 'POST' | 'PATCH' | 'DELETE', rpc: string, params: Params = {}, headers: Record<string, string> = {}, prefix = '/api/2.0/mlflow') {
  if (method === 'GET') {
    const qs = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]));
    return call(app, 'GET', `${prefix}/${rpc}${qs.size ? `?${qs}` : ''}`, undefined, headers);
  }
  return call(app, method, `${prefix}/${rpc}`, params, headers);
}

const bad = (message: string | RegExp) => ({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message } });

describe.each(DATABASES)('MLflow webhooks API on %s', (kind) => {
  const ext = serverExtensions();
  const r = useRegistry(kind, { extensions: ext.pick('mlflow', 'notify') });
  const as: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    const admin = (await call(r.app, 'POST', '/api/v1/tokens', { name: uniqueName('root'), role: 'admin' })).body.token as string;
    as.admin = { authorization: `Bearer ${admin}` };
    for (const role of ['viewer', 'editor']) {
      const res = await call(r.app, 'POST', '/api/v1/tokens', { name: uniqueName(role), role }, as.admin);
      as[role] = { authorization: `Bearer ${res.body.token}` };
    }
  });

  it('creates a webhook as MLflow answers it: enum names, ACTIVE by default, timestamps, no secret', async () => {
    const res = await ml(r.app, 'POST', 'webhooks', { name: 'h1', url: URL, events: [MV_CREATED, { entity: 'MODEL_VERSION_ALIAS', action: 'CREATED' }], secret: 'abc' }, as.admin);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const w = res.body.webhook;
    expect(Object.keys(w)).toEqual(['webhook_id', 'name', 'url', 'events', 'status', 'creation_timestamp', 'last_updated_timestamp']);
    expect(w).toMatchObject({ name: 'h1', url: URL, events: [MV_CREATED, { entity: 'MODEL_VERSION_ALIAS', action: 'CREATED' }], status: 'ACTIVE' });
    expect(w.webhook_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(w.creation_timestamp).toBe(w.last_updated_timestamp);
    const disabled = await ml(r.app, 'POST', 'webhooks', { name: 'h1', url: URL, events: [MV_CREATED], status: 'DISABLED', description: 'd' }, as.admin);
    expect(disabled.body.webhook).toMatchObject({ name: 'h1', description: 'd', status: 'DISABLED' });
    // Enum numbers are proto JSON too.
    const numbered = await ml(r.app, 'POST', 'webhooks', { name: 'n', url: URL, events: [{ entity: 3, action: 4 }] }, as.admin);
    expect(numbered.body.webhook.events).toEqual([{ entity: 'MODEL_VERSION_TAG', action: 'SET' }]);
    // The same answers under /ajax-api (MLflow's UI).
    const ajax = await ml(r.app, 'GET', `webhooks/${w.webhook_id}`, {}, as.admin, '/ajax-api/2.0/mlflow');
    expect(ajax.body.webhook).toEqual(w);
  });

  it('refuses what MLflow refuses, with its messages', async () => {
    const post = (p: Params) => ml(r.app, 'POST', 'webhooks', p, as.admin);
    const missing = (n: string) => bad(`Missing value for required parameter '${n}'. See the API docs for more information about request parameters.`);
    expect(await post({ url: URL, events: [MV_CREATED] })).toMatchObject(missing('name'));
    expect(await post({ name: 'h', events: [MV_CREATED] })).toMatchObject(missing('url'));
    expect(await post({ name: 'h', url: URL })).toMatchObject(missing('events'));
    expect(await post({ name: 'h', url: URL, events: [] })).toMatchObject(bad('Webhook events must be a non-empty list of WebhookEvent objects: [].'));
    expect(await post({ name: '-bad', url: URL, events: [MV_CREATED] })).toMatchObject(
      bad("Webhook name '-bad' is invalid. It must start and end with a letter or digit, be less than 63 characters long, and contain only letters, digits, dots (.), underscores (_), and hyphens (-)."),
    );
    expect(await post({ name: 'a'.repeat(64), url: URL, events: [MV_CREATED] })).toMatchObject({ status: 400 });
    expect(await post({ name: 'h', url: 'ftp://127.0.0.1:9/x', events: [MV_CREATED] })).toMatchObject(bad("Invalid webhook URL scheme: 'ftp'. Allowed schemes are: http, https."));
    expect(await post({ name: 'h', url: 'http:///x', events: [MV_CREATED] })).toMatchObject(bad("Webhook URL must include a hostname: 'http:///x'"));
    expect(await post({ name: 'h', url: '  ', events: [MV_CREATED] })).toMatchObject(bad("Webhook URL cannot be empty or just whitespace: '  '"));
    expect(await post({ name: 'h', url: URL, events: [{ entity: 'MODEL_VERSION', action: 'SET' }] })).toMatchObject(bad("Invalid action 'set' for entity 'model_version'. Valid actions are: ['created']"));
    expect(await post({ name: 'h', url: URL, events: [{ entity: 'MODEL_VERSION_TAG', action: 'CREATED' }] })).toMatchObject(
      bad("Invalid action 'created' for entity 'model_version_tag'. Valid actions are: ['deleted', 'set']"),
    );
    expect(await post({ name: 5, url: URL, events: [MV_CREATED] })).toMatchObject(bad(/^Invalid value 5 for parameter 'name' supplied:\s+Hint: Value was of type 'int'\./));
    expect(await post({ name: 'h', url: URL, events: MV_CREATED })).toMatchObject(
      bad(`Invalid value {"action":"CREATED","entity":"MODEL_VERSION"} for parameter 'events' supplied:  Hint: Value was of type 'dict'. See the API docs for more information about request parameters.`),
    );
    // Deliberate: MLflow 3 answers these with a 500 (or silently makes the webhook ACTIVE).
    expect(await post({ name: 'h', url: URL, events: [{ entity: 'FOO', action: 'CREATED' }] })).toMatchObject(bad(/parameter 'events\[0\]\.entity'.*REGISTERED_MODEL, MODEL_VERSION/));
    expect(await post({ name: 'h', url: URL, events: [{ entity: 'MODEL_VERSION' }] })).toMatchObject(bad(/parameter 'events\[0\]\.action'/));
    expect(await post({ name: 'h', url: URL, events: [MV_CREATED], status: 'PAUSED' })).toMatchObject(bad(`Invalid value "PAUSED" for parameter 'status' supplied: use ACTIVE or DISABLED.`));
    expect(await post({ name: 'h', url: URL, stagecraft_events: ['version.stage_change'] })).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
  });

  it('gets, updates (only what is given), and deletes; an unknown id is RESOURCE_DOES_NOT_EXIST 404', async () => {
    const created = (await ml(r.app, 'POST', 'webhooks', { name: 'upd', url: URL, events: [MV_CREATED], secret: 'one' }, as.admin)).body.webhook;
    const id = created.webhook_id as string;
    expect((await ml(r.app, 'GET', `webhooks/${id}`, {}, as.admin)).body.webhook).toEqual(created);
    const notFound = { status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Webhook with ID nope not found.' } };
    expect(await ml(r.app, 'GET', 'webhooks/nope', {}, as.admin)).toMatchObject(notFound);
    expect(await ml(r.app, 'PATCH', 'webhooks/nope', { name: 'x' }, as.admin)).toMatchObject(notFound);
    expect(await ml(r.app, 'DELETE', 'webhooks/nope', {}, as.admin)).toMatchObject(notFound);
    expect(await ml(r.app, 'POST', 'webhooks/nope/test', {}, as.admin)).toMatchObject(notFound);

    expect(await ml(r.app, 'PATCH', `webhooks/${id}`, { name: '-x' }, as.admin)).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE' } });
    expect(await ml(r.app, 'PATCH', `webhooks/${id}`, { url: 'ftp://a' }, as.admin)).toMatchObject(bad("Invalid webhook URL scheme: 'ftp'. Allowed schemes are: http, https."));
    await new Promise((res) => setTimeout(res, 5));
    const upd = await ml(r.app, 'PATCH', `webhooks/${id}`, { status: 'DISABLED', description: 'new', events: [{ entity: 'REGISTERED_MODEL', action: 'CREATED' }] }, as.admin);
    expect(upd.body.webhook).toMatchObject({ name: 'upd', description: 'new', status: 'DISABLED', events: [{ entity: 'REGISTERED_MODEL', action: 'CREATED' }] });
    expect(upd.body.webhook.last_updated_timestamp).toBeGreaterThan(created.creation_timestamp);
    // Empty values count as not given; a PATCH without status leaves it (MLflow 3 re-activates: a bug).
    const same = await ml(r.app, 'PATCH', `webhooks/${id}`, { description: '', events: [] }, as.admin);
    expect(same.body.webhook).toMatchObject({ description: 'new', status: 'DISABLED', events: [{ entity: 'REGISTERED_MODEL', action: 'CREATED' }] });

    expect(await ml(r.app, 'DELETE', `webhooks/${id}`, {}, as.admin)).toMatchObject({ status: 200, body: {} });
    expect(await ml(r.app, 'DELETE', `webhooks/${id}`, {}, as.admin)).toMatchObject({ status: 404, body: { message: `Webhook with ID ${id} not found.` } });
  });

  it('lists newest first in pages, checks max_results and page tokens as MLflow does', async () => {
    for (let i = 0; i < 3; i++) {
      await ml(r.app, 'POST', 'webhooks', { name: `page${i}`, url: URL, events: [MV_CREATED] }, as.admin);
      await new Promise((res) => setTimeout(res, 3));
    }
    const all = (await ml(r.app, 'GET', 'webhooks', {}, as.admin)).body.webhooks as Array<{ name: string; creation_timestamp: number }>;
    expect(all.length).toBeGreaterThanOrEqual(3);
    expect(all.slice(0, 3).map((w) => w.name)).toEqual(['page2', 'page1', 'page0']);
    const first = await ml(r.app, 'GET', 'webhooks', { max_results: 1 }, as.admin);
    expect(first.body.webhooks).toHaveLength(1);
    expect(first.body.next_page_token).toBe(Buffer.from('{"offset": 1}').toString('base64'));
    const second = await ml(r.app, 'GET', 'webhooks', { max_results: 1, page_token: first.body.next_page_token }, as.admin);
    expect(second.body.webhooks[0].name).toBe('page1');
    expect((await ml(r.app, 'GET', 'webhooks', { max_results: 0 }, as.admin)).body.webhooks.length).toBe(all.length);
    expect(await ml(r.app, 'GET', 'webhooks', { max_results: 1001 }, as.admin)).toMatchObject(bad('max_results must be between 1 and 1000.'));
    expect(await ml(r.app, 'GET', 'webhooks', { max_results: 'abc' }, as.admin)).toMatchObject(bad(/^Invalid value "abc" for parameter 'max_results' supplied:\s+Hint: Value was of type 'str'/));
    expect(await ml(r.app, 'GET', 'webhooks', { page_token: 'garbage!!' }, as.admin)).toMatchObject(bad('Invalid page token, could not base64-decode'));
  });

  it('keeps native webhooks out of the MLflow door; MLflow ones show in the native list with their format', async () => {
    const native = await call(r.app, 'POST', '/api/v1/webhooks', { url: URL, secret: 'long-enough', events: ['model.created'] }, as.admin);
    expect(await ml(r.app, 'GET', `webhooks/${native.body.id}`, {}, as.admin)).toMatchObject({ status: 404 });
    const m = (await ml(r.app, 'POST', 'webhooks', { name: 'both', url: URL, events: [MV_CREATED], stagecraft_events: ['rollback', 'guard.*'] }, as.admin)).body.webhook;
    expect(m.stagecraft_events).toEqual(['rollback', 'guard.*']);
    const list = (await call(r.app, 'GET', '/api/v1/webhooks', undefined, as.admin)).body.webhooks as Array<{ id: string; format: string; status: string; events: string[] }>;
    expect(list.find((w) => w.id === native.body.id)).toMatchObject({ format: 'stagecraft', status: 'active' });
    expect(list.find((w) => w.id === m.webhook_id)).toMatchObject({ format: 'mlflow', status: 'active', events: ['version.created', 'rollback', 'guard.*'] });
    // Stagecraft events alone are enough.
    const own = await ml(r.app, 'POST', 'webhooks', { name: 'own', url: URL, stagecraft_events: ['version.stage_changed'] }, as.admin);
    expect(own.body.webhook).toMatchObject({ events: [], stagecraft_events: ['version.stage_changed'] });
    await call(r.app, 'DELETE', `/api/v1/webhooks/${native.body.id}`, undefined, as.admin);
  });

  it('takes what native webhook management takes: admin to manage, read to list (URLs whole for admins only)', async () => {
    const created = (await ml(r.app, 'POST', 'webhooks', { name: 'perm', url: URL, events: [MV_CREATED] }, as.admin)).body.webhook;
    for (const who of ['viewer', 'editor']) {
      expect(await ml(r.app, 'POST', 'webhooks', { name: 'x', url: URL, events: [MV_CREATED] }, as[who])).toMatchObject({ status: 403, body: { error_code: 'PERMISSION_DENIED' } });
      expect((await ml(r.app, 'PATCH', `webhooks/${created.webhook_id}`, { name: 'y' }, as[who])).status).toBe(403);
      expect((await ml(r.app, 'DELETE', `webhooks/${created.webhook_id}`, {}, as[who])).status).toBe(403);
      expect((await ml(r.app, 'POST', `webhooks/${created.webhook_id}/test`, {}, as[who])).status).toBe(403);
    }
    const seen = await ml(r.app, 'GET', `webhooks/${created.webhook_id}`, {}, as.viewer);
    expect(seen.body.webhook.url).toBe('https://hooks.example.com/…');
    const listed = (await ml(r.app, 'GET', 'webhooks', {}, as.viewer)).body.webhooks as Array<{ url: string }>;
    expect(listed.every((w) => !w.url.includes('sEcReT'))).toBe(true);
    expect((await ml(r.app, 'GET', 'webhooks', {})).status).toBe(401);
  });
});
