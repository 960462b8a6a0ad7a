// Webhooks against a real receiver on 127.0.0.1: every delivery is signed with HMAC-SHA256 of the
// raw body, a failing receiver is retried with backoff, and every attempt is in the delivery log.
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, uniqueName, useRegistry } from './databases.js';
import { call, createModel, registerVersion } from './http.js';
import { serverExtensions } from '../src/server.js';

interface Received {
  path: string;
  body: string;
  headers: http.IncomingHttpHeaders;
}

function receiver() {
  const received: Received[] = [];
  let failuresLeft = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', body, headers: req.headers });
      if (req.url === '/flaky' && failuresLeft > 0) {
        failuresLeft -= 1;
        res.writeHead(500).end('down');
      } else res.writeHead(204).end();
    });
  });
  return {
    received,
    server,
    failNext(n: number) {
      failuresLeft = n;
    },
    url: (path: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`,
  };
}

async function until<T>(what: string, fn: () => Promise<T | undefined | null | false>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe.each(DATABASES)('webhooks on %s', (kind) => {
  const ext = serverExtensions({ observe: { guard: { tickMs: 0 } }, notify: { webhooks: { retryDelaysMs: [20, 40] } } });
  const r = useRegistry(kind, { extensions: ext.pick('observe', 'notify') });
  const rx = receiver();
  beforeAll(() => new Promise<void>((resolve) => rx.server.listen(0, '127.0.0.1', resolve)));
  afterAll(() => new Promise<void>((resolve) => rx.server.close(() => resolve())));

  it('posts each matching event as JSON with a signature that verifies with the secret', async () => {
    const hook = await call(r.app, 'POST', '/api/v1/webhooks', { url: rx.url('/signed'), secret: 's3cret-value', events: ['model.created'] });
    expect(hook.status).toBe(201);
    expect(hook.body).not.toHaveProperty('secret');
    const name = uniqueName('hooked');
    await createModel(r.app, name);
    const got = await until('the delivery', async () => rx.received.find((x) => x.path === '/signed' && x.body.includes(name)));
    const expected = `sha256=${createHmac('sha256', 's3cret-value').update(got.body).digest('hex')}`;
    expect(got.headers['stagecraft-signature']).toBe(expected);
    expect(got.headers['content-type']).toBe('application/json');
    expect(JSON.parse(got.body)).toMatchObject({ type: 'model.created', model: name });
    // Only the event types it asked for.
    await call(r.app, 'PATCH', `/api/v1/models/${name}`, { description: 'x' });
    const list = await call(r.app, 'GET', '/api/v1/webhooks');
    expect(list.body.webhooks.map((w: { id: string }) => w.id)).toContain(hook.body.id);
    await call(r.app, 'DELETE', `/api/v1/webhooks/${hook.body.id}`);
    expect(rx.received.filter((x) => x.path === '/signed').every((x) => JSON.parse(x.body).type === 'model.created')).toBe(true);
  });

  it('retries a failing receiver with backoff and logs every attempt', async () => {
    const hook = await call(r.app, 'POST', '/api/v1/webhooks', { url: rx.url('/flaky'), secret: 'another-secret', events: ['model.created'] });
    rx.failNext(2);
    const name = uniqueName('retried');
    await createModel(r.app, name);
    const log = await until('the third attempt', async () => {
      const d = (await call(r.app, 'GET', `/api/v1/webhooks/deliveries?webhook_id=${hook.body.id}`)).body.deliveries;
      return d.some((x: { status: string }) => x.status === 'delivered') && d;
    });
    expect(log.map((d: { attempt: number; status: string; status_code: number }) => [d.attempt, d.status, d.status_code])).toEqual([
      [3, 'delivered', 204],
      [2, 'failed', 500],
      [1, 'failed', 500],
    ]);
    expect(rx.received.filter((x) => x.path === '/flaky' && x.body.includes(name))).toHaveLength(3);
    await call(r.app, 'DELETE', `/api/v1/webhooks/${hook.body.id}`);
  });

  it('gives up after its retries and says so in the log', async () => {
    const hook = await call(r.app, 'POST', '/api/v1/webhooks', { url: rx.url('/flaky'), secret: 'third-secret', events: ['model.created'] });
    rx.failNext(10);
    await createModel(r.app, uniqueName('lost'));
    const log = await until('giving up', async () => {
      const d = (await call(r.app, 'GET', `/api/v1/webhooks/deliveries?webhook_id=${hook.body.id}`)).body.deliveries;
      return d.some((x: { status: string }) => x.status === 'gave_up') && d;
    });
    expect(log.map((d: { status: string }) => d.status)).toEqual(['gave_up', 'failed', 'failed']);
    rx.failNext(0);
    await call(r.app, 'DELETE', `/api/v1/webhooks/${hook.body.id}`);
  });

  it('takes a domain such as model.* and refuses an event type that does not exist, instead of never firing', async () => {
    const typo = await call(r.app, 'POST', '/api/v1/webhooks', { url: rx.url('/typo'), secret: 'long-enough', events: ['model.created', 'version.stage_change'] });
    expect(typo.status).toBe(400);
    expect(typo.body.error.message).toContain('"version.stage_change" is not an event type');
    expect(typo.body.error.message).toContain('version.stage_changed');
    // Webhook changes are never delivered, so subscribing to them is a mistake too.
    expect((await call(r.app, 'POST', '/api/v1/webhooks', { url: rx.url('/typo'), secret: 'long-enough', events: ['webhook.*'] })).status).toBe(400);
    expect((await call(r.app, 'GET', '/api/v1/webhooks')).body.webhooks.some((w: { url: string }) => w.url.endsWith('/typo'))).toBe(false);

    const hook = await call(r.app, 'POST', '/api/v1/webhooks', { url: rx.url('/domain'), secret: 'long-enough', events: ['model.*'] });
    expect(hook.status).toBe(201);
    const all = await call(r.app, 'POST', '/api/v1/webhooks', { url: rx.url('/all'), secret: 'long-enough', events: ['*'] });
    const name = uniqueName('domain');
    await createModel(r.app, name);
    await call(r.app, 'PATCH', `/api/v1/models/${name}`, { description: 'x' });
    await registerVersion(r.app, name, { 'model.bin': 'weights' });
    const typesOf = (path: string) => rx.received.filter((x) => x.path === path && x.body.includes(name)).map((x) => JSON.parse(x.body).type as string).sort();
    // Once the catch-all has all three, the domain hook has had its chance at the version event.
    await until('every event at the catch-all', async () => typesOf('/all').length >= 3);
    await until('both model events', async () => typesOf('/domain').length >= 2);
    await call(r.app, 'DELETE', `/api/v1/webhooks/${hook.body.id}`);
    await call(r.app, 'DELETE', `/api/v1/webhooks/${all.body.id}`);
    expect(typesOf('/all')).toEqual(['model.created', 'model.updated', 'version.created']);
    expect(typesOf('/domain')).toEqual(['model.created', 'model.updated']);
  });

  it('filters the audit log by type or domain, and refuses an unknown type', async () => {
    const name = uniqueName('audit');
    await createModel(r.app, name);
    await call(r.app, 'PATCH', `/api/v1/models/${name}`, { description: 'x' });
    const byDomain = await call(r.app, 'GET', `/api/v1/events?model=${name}&type=model.*&order=asc`);
    expect(byDomain.body.events.map((e: { type: string }) => e.type)).toEqual(['model.created', 'model.updated']);
    const exact = await call(r.app, 'GET', `/api/v1/events?model=${name}&type=model.updated`);
    expect(exact.body.events.map((e: { type: string }) => e.type)).toEqual(['model.updated']);
    const all = await call(r.app, 'GET', `/api/v1/events?model=${name}&type=*&order=asc`);
    expect(all.body.events.map((e: { id: number }) => e.id)).toEqual((await call(r.app, 'GET', `/api/v1/events?model=${name}&order=asc`)).body.events.map((e: { id: number }) => e.id));
    const typo = await call(r.app, 'GET', `/api/v1/events?model=${name}&type=model.update`);
    expect(typo.status).toBe(400);
    expect(typo.body.error.message).toContain('"model.update" is not an event type');
  });

  it('rejects a webhook that is not http(s)', async () => {
    const res = await call(r.app, 'POST', '/api/v1/webhooks', { url: 'ftp://example.com/x', secret: 'long-enough' });
    expect(res.status).toBe(400);
  });
});
