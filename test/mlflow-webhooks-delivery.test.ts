// MLflow webhooks delivered for real, on SQLite and PostgreSQL: a receiver on 127.0.0.1 gets a
// version created and an alias set through the MLflow door as MLflow sends them (envelope, payload,
// X-MLflow-* headers), and each X-MLflow-Signature is verified twice: by a TypeScript port of the
// receiver-side check MLflow documents, and by MLflow's own signing code from ../shared/mlflow/3.x
// run on /usr/bin/python3. `/test` delivers; the official 3.x client drives the whole API.
// Without ../shared/mlflow the Python parts are skipped, saying so, unless STAGECRAFT_REQUIRE_MLFLOW=1.
import { spawn } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverExtensions } from '../src/server.js';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { call } from './http.js';
import { MLFLOW_DIR } from './mlflow-clients/mlflow-dist.js';

// One place finds ../shared/mlflow (or STAGECRAFT_MLFLOW_DIR, which CI sets): mlflow-dist.ts.
const MLFLOW_HOME = MLFLOW_DIR;
const HAVE_MLFLOW = existsSync(path.join(MLFLOW_HOME, '3.x/mlflow/webhooks/delivery.py')) && existsSync('/usr/bin/python3');
if (!HAVE_MLFLOW) {
  if (process.env.STAGECRAFT_REQUIRE_MLFLOW === '1') throw new Error(`STAGECRAFT_REQUIRE_MLFLOW=1 but the MLflow 3.x package is not at ${MLFLOW_HOME} (run ../shared/mlflow/setup.sh)`);
  console.warn(`mlflow-webhooks-delivery: skipping the checks that run the real MLflow 3.x (${MLFLOW_HOME} or /usr/bin/python3 missing)`);
}
const withMlflow = HAVE_MLFLOW ? it : it.skip;

/** Runs a Python script with the bundled MLflow 3.x; asynchronous, so this process keeps serving the client. */
function python(script: string, env: Record<string, string> = {}, input = ''): Promise<{ stdout: string; stderr: string; status: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', ['-c', script], {
      env: {
        ...process.env,
        PYTHONPATH: ['3.x', 'deps3', 'deps'].map((d) => path.join(MLFLOW_HOME, d)).join(':'),
        PYTHONNOUSERSITE: '1',
        GIT_PYTHON_REFRESH: 'quiet',
        MLFLOW_DISABLE_TELEMETRY: 'true',
        DO_NOT_TRACK: 'true',
        MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0',
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill(), 120_000);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, status });
    });
    child.stdin.end(input);
  });
}

interface Received {
  path: string;
  body: string;
  headers: http.IncomingHttpHeaders;
}

/** The receiver-side check MLflow's webhook docs give (verify_mlflow_webhook_signature), in TypeScript. */
function verifySignature(body: string, signature: string | undefined, deliveryId: string, timestamp: string, secret: string): boolean {
  if (!signature || !signature.startsWith('v1,')) return false;
  const expected = createHmac('sha256', secret).update(`${deliveryId}.${timestamp}.${body}`, 'utf8').digest('base64');
  const given = Buffer.from(signature.slice(3));
  return given.length === Buffer.byteLength(expected) && timingSafeEqual(given, Buffer.from(expected));
}

/** MLflow's own signing code (mlflow.webhooks.delivery) decides whether each delivery's signature is right. */
async function verifiedByMlflow(secret: string, got: Received[]): Promise<boolean[]> {
  const script = `
import hmac, json, sys
from mlflow.webhooks.delivery import _generate_hmac_signature
out = []
for d in json.load(sys.stdin):
    expected = _generate_hmac_signature(d["secret"], d["id"], d["ts"], d["body"])
    out.append(hmac.compare_digest(expected, d["sig"]))
print(json.dumps(out))
`;
  const input = JSON.stringify(got.map((g) => ({ secret, id: g.headers['x-mlflow-delivery-id'], ts: g.headers['x-mlflow-timestamp'], body: g.body, sig: g.headers['x-mlflow-signature'] })));
  const r = await python(script, {}, input);
  if (r.status !== 0) throw new Error(`python failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as boolean[];
}

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe.each(DATABASES)('MLflow webhooks delivered on %s', (kind) => {
  const ext = serverExtensions({ notify: { webhooks: { retryDelaysMs: [20, 40] } } });
  const r = useRegistry(kind, { extensions: ext.pick('mlflow', 'notify') });
  const received: Received[] = [];
  const rx = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body, headers: req.headers });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks');
    });
  });
  const url = (p: string) => `http://127.0.0.1:${(rx.address() as AddressInfo).port}${p}`;
  const at = (p: string) => received.filter((x) => x.path === p);
  beforeAll(() => new Promise<void>((resolve) => rx.listen(0, '127.0.0.1', resolve)));
  afterAll(() => new Promise<void>((resolve) => rx.close(() => resolve())));

  it('delivers a version created and an alias set through the MLflow door as MLflow sends them, signed', async () => {
    const secret = 'whsec-' + uniqueName('s');
    const hook = await call(r.app, 'POST', '/api/2.0/mlflow/webhooks', {
      name: 'deliver',
      url: url('/mlflow'),
      secret,
      events: [
        { entity: 'MODEL_VERSION', action: 'CREATED' },
        { entity: 'MODEL_VERSION_ALIAS', action: 'CREATED' },
      ],
    });
    expect(hook.status, JSON.stringify(hook.body)).toBe(200);
    const name = uniqueName('hooked');
    await call(r.app, 'POST', '/api/2.0/mlflow/registered-models/create', { name });
    const mv = await call(r.app, 'POST', '/api/2.0/mlflow/model-versions/create', { name, source: `s3://bucket/${name}/1`, run_id: 'abc123', description: 'first', tags: [{ key: 'k', value: 'v' }] });
    expect(mv.status, JSON.stringify(mv.body)).toBe(200);
    await call(r.app, 'POST', '/api/2.0/mlflow/registered-models/alias', { name, alias: 'champion', version: '1' });
    const got = await until('both deliveries', () => at('/mlflow').length >= 2 && at('/mlflow'));
    expect(got).toHaveLength(2);

    // Deliveries of different events may arrive in either order.
    const parsed = got.map((g) => JSON.parse(g.body) as { entity: string; action: string; timestamp: string; data: unknown });
    const created = parsed.find((p) => p.entity === 'model_version');
    const alias = parsed.find((p) => p.entity === 'model_version_alias')!;
    expect(created).toEqual({
      entity: 'model_version',
      action: 'created',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+00:00$/),
      data: { name, version: '1', source: `s3://bucket/${name}/1`, run_id: 'abc123', tags: { k: 'v' }, description: 'first' },
    });
    expect(alias).toEqual({ entity: 'model_version_alias', action: 'created', timestamp: expect.any(String), data: { name, alias: 'champion', version: '1' } });
    // Written as Python's json.dumps writes it.
    expect(got[parsed.indexOf(alias)].body).toBe(`{"entity": "model_version_alias", "action": "created", "timestamp": "${alias.timestamp}", "data": {"name": "${name}", "alias": "champion", "version": "1"}}`);

    for (const g of got) {
      expect(g.headers['content-type']).toBe('application/json');
      expect(g.headers['x-mlflow-delivery-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(Math.abs(Number(g.headers['x-mlflow-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
      expect(verifySignature(g.body, g.headers['x-mlflow-signature'] as string, g.headers['x-mlflow-delivery-id'] as string, g.headers['x-mlflow-timestamp'] as string, secret)).toBe(true);
      expect(verifySignature(g.body, g.headers['x-mlflow-signature'] as string, g.headers['x-mlflow-delivery-id'] as string, g.headers['x-mlflow-timestamp'] as string, 'wrong')).toBe(false);
    }
    if (HAVE_MLFLOW) expect(await verifiedByMlflow(secret, got)).toEqual([true, true]);

    // One delivery log for every webhook: the native API (and `stagecraft webhooks deliveries`) shows these.
    const log = await until('the log', async () => {
      const d = (await call(r.app, 'GET', `/api/v1/webhooks/deliveries?webhook_id=${hook.body.webhook.webhook_id}`)).body.deliveries as Array<{ event_type: string; status: string }>;
      return d.length === 2 && d.every((x) => x.status === 'delivered') && d;
    });
    expect(log.map((d) => d.event_type).sort()).toEqual(['alias.set', 'version.created']);
    await call(r.app, 'DELETE', `/api/2.0/mlflow/webhooks/${hook.body.webhook.webhook_id}`);
  });

  it("follows Stagecraft's own events beside MLflow's, sends prompts as prompt events, and nothing to a disabled webhook", async () => {
    const hook = (await call(r.app, 'POST', '/api/2.0/mlflow/webhooks', { name: 'own', url: url('/own'), events: [{ entity: 'PROMPT_VERSION', action: 'CREATED' }], stagecraft_events: ['version.stage_changed'] })).body.webhook;
    const off = (await call(r.app, 'POST', '/api/2.0/mlflow/webhooks', { name: 'off', url: url('/off'), events: [{ entity: 'MODEL_VERSION', action: 'CREATED' }], status: 'DISABLED' })).body.webhook;
    const name = uniqueName('staged');
    await call(r.app, 'POST', '/api/2.0/mlflow/registered-models/create', { name });
    await call(r.app, 'POST', '/api/2.0/mlflow/model-versions/create', { name, source: `s3://bucket/${name}/1` });
    await call(r.app, 'POST', '/api/2.0/mlflow/model-versions/transition-stage', { name, version: '1', stage: 'Staging', archive_existing_versions: false });
    const prompt = uniqueName('prompt');
    await call(r.app, 'POST', '/api/2.0/mlflow/registered-models/create', { name: prompt, tags: [{ key: 'mlflow.prompt.is_prompt', value: 'true' }] });
    await call(r.app, 'POST', '/api/2.0/mlflow/model-versions/create', {
      name: prompt,
      source: 'dummy-source',
      tags: [
        { key: 'mlflow.prompt.is_prompt', value: 'true' },
        { key: 'mlflow.prompt.text', value: 'Hello {{name}}!' },
        { key: 'lang', value: 'en' },
      ],
    });
    const got = await until('both', () => at('/own').length >= 2 && at('/own'));
    const bodies = got.map((g) => JSON.parse(g.body) as { entity: string; action: string; data: Record<string, unknown> });
    const staged = bodies.find((b) => b.entity === 'stagecraft');
    expect(staged).toMatchObject({ action: 'version.stage_changed', data: { type: 'version.stage_changed', model: name, version: 1, to: 'Staging' } });
    expect(bodies.find((b) => b.entity === 'prompt_version')).toEqual({
      entity: 'prompt_version',
      action: 'created',
      timestamp: expect.any(String),
      data: { name: prompt, version: '1', template: 'Hello {{name}}!', tags: { lang: 'en' }, description: null },
    });
    // No secret, no signature (as MLflow), but the delivery id and timestamp are there.
    expect(got[0].headers['x-mlflow-signature']).toBeUndefined();
    expect(got[0].headers['x-mlflow-delivery-id']).toBeTruthy();
    expect(at('/off')).toHaveLength(0);
    await call(r.app, 'DELETE', `/api/2.0/mlflow/webhooks/${hook.webhook_id}`);
    await call(r.app, 'DELETE', `/api/2.0/mlflow/webhooks/${off.webhook_id}`);
  });

  it('/test sends MLflow’s example payload for the first (or the named) event, signed, and says how it went', async () => {
    const secret = 'test-secret';
    const hook = (await call(r.app, 'POST', '/api/2.0/mlflow/webhooks', { name: 'tested', url: url('/test'), secret, events: [{ entity: 'MODEL_VERSION_TAG', action: 'SET' }] })).body.webhook;
    const res = await call(r.app, 'POST', `/api/2.0/mlflow/webhooks/${hook.webhook_id}/test`, {});
    expect(res.body).toEqual({ result: { success: true, response_status: 200, response_body: 'thanks' } });
    const named = await call(r.app, 'POST', `/api/2.0/mlflow/webhooks/${hook.webhook_id}/test`, { event: { entity: 'REGISTERED_MODEL', action: 'CREATED' } });
    expect(named.body.result.success).toBe(true);
    const got = at('/test');
    expect(got.map((g) => JSON.parse(g.body) as { entity: string; data: unknown })).toMatchObject([
      { entity: 'model_version_tag', action: 'set', data: { name: 'example_model', version: '1', key: 'example_key', value: 'example_value' } },
      { entity: 'registered_model', action: 'created', data: { name: 'example_model', tags: { example_key: 'example_value' }, description: 'An example registered model' } },
    ]);
    for (const g of got) expect(verifySignature(g.body, g.headers['x-mlflow-signature'] as string, g.headers['x-mlflow-delivery-id'] as string, g.headers['x-mlflow-timestamp'] as string, secret)).toBe(true);
    if (HAVE_MLFLOW) expect(await verifiedByMlflow(secret, got)).toEqual([true, true]);
    const wrong = await call(r.app, 'POST', `/api/2.0/mlflow/webhooks/${hook.webhook_id}/test`, { event: { entity: 'MODEL_VERSION', action: 'SET' } });
    expect(wrong).toMatchObject({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: "Invalid action 'set' for entity 'model_version'. Valid actions are: ['created']" } });
    // A receiver that is not there: success false and the reason.
    const gone = (await call(r.app, 'POST', '/api/2.0/mlflow/webhooks', { name: 'gone', url: 'http://127.0.0.1:9/none', events: [{ entity: 'MODEL_VERSION', action: 'CREATED' }] })).body.webhook;
    const failed = await call(r.app, 'POST', `/api/2.0/mlflow/webhooks/${gone.webhook_id}/test`, {});
    expect(failed.body.result).toMatchObject({ success: false, error_message: expect.stringMatching(/^Failed to test webhook: /) });
    await call(r.app, 'DELETE', `/api/2.0/mlflow/webhooks/${hook.webhook_id}`);
    await call(r.app, 'DELETE', `/api/2.0/mlflow/webhooks/${gone.webhook_id}`);
  });

  withMlflow('the official MLflow 3 client manages webhooks against Stagecraft', { timeout: 120_000 }, async () => {
    if (!r.app.server.listening) await r.app.listen({ port: 0, host: '127.0.0.1' });
    const port = (r.app.server.address() as AddressInfo).port;
    const script = `
import json
from mlflow import MlflowClient
c = MlflowClient(tracking_uri="http://127.0.0.1:${port}", registry_uri="http://127.0.0.1:${port}")
w = c.create_webhook(name="py-hook", url="${url('/py')}", events=["model_version.created", "model_version_alias.created"], secret="py-secret", description="from python")
got = c.get_webhook(w.webhook_id)
listed = [x.webhook_id for x in c.list_webhooks()]
u = c.update_webhook(w.webhook_id, status="DISABLED", events=["registered_model.created"])
t = c.test_webhook(w.webhook_id)
t2 = c.test_webhook(w.webhook_id, event="model_version_alias.created")
c.delete_webhook(w.webhook_id)
try:
    c.get_webhook(w.webhook_id)
    gone = "still there"
except Exception as e:
    gone = getattr(e, "error_code", str(e))
print(json.dumps({
  "name": got.name, "description": got.description, "status": str(got.status), "events": [str(e) for e in got.events],
  "listed": w.webhook_id in listed, "updated": [str(u.status), [str(e) for e in u.events]],
  "test": [t.success, t.response_status, t.response_body], "test2": t2.success, "gone": gone,
}))
`;
    const out = await python(script);
    expect(out.status, out.stderr).toBe(0);
    const res = JSON.parse(out.stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
    expect(res).toEqual({
      name: 'py-hook',
      description: 'from python',
      status: 'ACTIVE',
      events: ['model_version.created', 'model_version_alias.created'],
      listed: true,
      updated: ['DISABLED', ['registered_model.created']],
      test: [true, 200, 'thanks'],
      test2: true,
      gone: 'RESOURCE_DOES_NOT_EXIST',
    });
    const tests = at('/py').map((g) => JSON.parse(g.body) as { entity: string });
    expect(tests.map((t) => t.entity)).toEqual(['registered_model', 'model_version_alias']);
    expect(await verifiedByMlflow('py-secret', at('/py'))).toEqual([true, true]);
  });
});
