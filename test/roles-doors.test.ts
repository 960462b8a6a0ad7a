// Roles hold in every door: deletes through the MLflow door need admin as the native ones do;
// renaming a model a gateway serves needs deployer, and serving follows the new name without a
// failed request; webhook URLs (credentials, for Slack-style hooks) are shown whole to admins only.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import { serverExtensions } from '../src/server.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { registerOnnx, specFor, v2Body, waitConverged } from './gateway-fixtures.js';
import { call, createModel, promote } from './http.js';

const HOOK = 'https://hooks.slack.com/services/T0001/B0002/sEcReTsEcReT';

/** The first `webhook.created` event a stream replays to this reader. */
function streamedWebhookEvent(port: number, headers: Record<string, string>): Promise<{ details: { url: string } }> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error('no webhook.created event arrived'));
    }, 10_000);
    const req = http.get({ host: '127.0.0.1', port, path: '/api/v1/events/stream?type=webhook.created&after=0', headers }, (res) => {
      let buf = '';
      res.on('data', (chunk: Buffer) => {
        buf += chunk.toString();
        const data = buf.split('\n').find((l) => l.startsWith('data: '));
        if (!data) return;
        clearTimeout(timer);
        req.destroy();
        resolve(JSON.parse(data.slice(6)));
      });
    });
    req.on('error', () => {});
  });
}

describe.each(DATABASES)('roles in every door on %s', (kind) => {
  const ext = serverExtensions();
  const r = useRegistry(kind, { extensions: ext.pick('serving', 'mlflow', 'notify') });
  const as: Record<string, Record<string, string>> = {};

  beforeAll(async () => {
    const admin = (await call(r.app, 'POST', '/api/v1/tokens', { name: uniqueName('root'), role: 'admin' })).body.token as string;
    as.admin = { authorization: `Bearer ${admin}` };
    for (const role of ['viewer', 'editor', 'deployer']) {
      const res = await call(r.app, 'POST', '/api/v1/tokens', { name: uniqueName(role), role }, as.admin);
      as[role] = { authorization: `Bearer ${res.body.token}` };
    }
  });

  it('refuses deletes through the MLflow door below admin, in MLflow error shape', async () => {
    const name = uniqueName('mlflow-del');
    await createModel(r.app, name, as.admin);
    await registerOnnx(r.app, name, specFor(1), {}, as.admin);
    for (const role of ['editor', 'deployer']) {
      const v = await call(r.app, 'DELETE', '/api/2.0/mlflow/model-versions/delete', { name, version: '1' }, as[role]);
      expect(v.status).toBe(403);
      expect(v.body).toMatchObject({ error_code: 'PERMISSION_DENIED', message: expect.stringContaining('needs admin') });
      const m = await call(r.app, 'DELETE', '/api/2.0/mlflow/registered-models/delete', { name }, as[role]);
      expect(m.status).toBe(403);
      expect(m.body.error_code).toBe('PERMISSION_DENIED');
      const a = await r.app.inject({ method: 'DELETE', url: '/api/2.0/mlflow-artifacts/artifacts/run/model.onnx', headers: as[role] });
      expect(a.statusCode).toBe(403);
    }
    expect((await call(r.app, 'GET', `/api/v1/models/${name}/versions/1`, undefined, as.viewer)).status).toBe(200);
    expect((await call(r.app, 'DELETE', '/api/2.0/mlflow/model-versions/delete', { name, version: '1' }, as.admin)).status).toBe(200);
    expect((await call(r.app, 'DELETE', '/api/2.0/mlflow/registered-models/delete', { name }, as.admin)).status).toBe(200);
    expect((await call(r.app, 'GET', `/api/v1/models/${name}`, undefined, as.viewer)).status).toBe(404);
  });

  it('needs deployer to rename a model a gateway serves, in both doors; editors rename the rest', async () => {
    const served = uniqueName('served');
    await createModel(r.app, served, as.admin);
    await registerOnnx(r.app, served, specFor(1), {}, as.admin);
    await promote(r.app, served, 1, 'Production', true, as.admin);
    const native = await call(r.app, 'PATCH', `/api/v1/models/${served}`, { name: `${served}-x` }, as.editor);
    expect(native.status).toBe(403);
    expect(native.body.error.message).toMatch(/can be served \(Production v1\).*needs deployer/);
    const mlflow = await call(r.app, 'POST', '/api/2.0/mlflow/registered-models/rename', { name: served, new_name: `${served}-y` }, as.editor);
    expect(mlflow.status).toBe(403);
    expect(mlflow.body.error_code).toBe('PERMISSION_DENIED');
    expect((await call(r.app, 'GET', `/api/v1/models/${served}`, undefined, as.viewer)).status).toBe(200);

    const draft = uniqueName('draft');
    await createModel(r.app, draft, as.admin);
    await registerOnnx(r.app, draft, specFor(1), {}, as.admin);
    expect((await call(r.app, 'PATCH', `/api/v1/models/${draft}`, { name: `${draft}-renamed` }, as.editor)).status).toBe(200);
  });

  it('keeps serving across a rename by a deployer: no request fails, the gateway follows the new name', async () => {
    const before = uniqueName('fraud');
    const after = `${before}-renamed`;
    await createModel(r.app, before, as.admin);
    await registerOnnx(r.app, before, specFor(1), {}, as.admin);
    await promote(r.app, before, 1, 'Production', true, as.admin);
    await waitConverged(r.app, before, 1, 500, as.viewer);

    let current = before;
    let renamed = false;
    const answers: Array<{ name: string; status: number }> = [];
    const infer = async (name: string) => {
      const res = await r.app.inject({ method: 'POST', url: `/v2/models/${name}/infer`, headers: { 'content-type': 'application/json', ...as.viewer }, payload: JSON.stringify(v2Body([[1, 2, 3]])) });
      answers.push({ name, status: res.statusCode });
    };
    // Callers who learn the new name switch to it; others keep the old one. Both must be served.
    const load = (async () => {
      for (let i = 0; i < 400 && !(renamed && answers.filter((a) => a.name === after).length >= 50); i++) {
        await Promise.all([infer(current), infer(before)]);
      }
    })();
    await new Promise((res) => setTimeout(res, 30));
    const rename = await call(r.app, 'PATCH', `/api/v1/models/${before}`, { name: after }, as.deployer);
    expect(rename.status).toBe(200);
    current = after;
    renamed = true;
    await load;
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    expect(answers.filter((a) => a.name === after).length).toBeGreaterThanOrEqual(50);
    await waitConverged(r.app, after, 1, 500, as.viewer);
    expect(ext.serving.gateway().slots.has(before)).toBe(false);
    // The old name leads to the model only until another model takes it.
    await createModel(r.app, before, as.admin);
    const reused = await r.app.inject({ method: 'POST', url: `/v2/models/${before}/infer`, headers: { 'content-type': 'application/json', ...as.viewer }, payload: JSON.stringify(v2Body([[1, 2, 3]])) });
    // The new model has no version yet: nothing is served under the name (503), and not the renamed model.
    expect(reused.statusCode).toBe(503);
    expect(ext.serving.gateway().find(before)?.name).toBe(before);
  });

  it('shows a webhook URL in full to admins only: scheme and host to others, in events, the stream and the list', async () => {
    const created = await call(r.app, 'POST', '/api/v1/webhooks', { url: HOOK, secret: 'shh-12345', events: ['rollback'] }, as.admin);
    expect(created.status).toBe(201);
    const redacted = 'https://hooks.slack.com/…';

    const eventUrl = async (who: string) => (await call(r.app, 'GET', '/api/v1/events?type=webhook.created', undefined, as[who])).body.events[0].details.url;
    expect(await eventUrl('viewer')).toBe(redacted);
    expect(await eventUrl('deployer')).toBe(redacted);
    expect(await eventUrl('admin')).toBe(HOOK);

    const list = await call(r.app, 'GET', '/api/v1/webhooks', undefined, as.viewer);
    expect(list.status).toBe(200);
    expect(list.body.webhooks.map((w: { url: string }) => w.url)).toEqual([redacted]);
    expect((await call(r.app, 'GET', '/api/v1/webhooks', undefined, as.admin)).body.webhooks[0].url).toBe(HOOK);

    await r.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (r.app.server.address() as AddressInfo).port;
    const viewerSees = await streamedWebhookEvent(port, as.viewer);
    expect(viewerSees.details.url).toBe(redacted);
    expect(JSON.stringify(viewerSees)).not.toContain('sEcReT');
    expect((await streamedWebhookEvent(port, as.admin)).details.url).toBe(HOOK);
  });
});
