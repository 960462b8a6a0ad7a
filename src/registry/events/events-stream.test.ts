// Event streams are capped per API token and per client address: one more is a 429 with
// Retry-After, and a closed stream frees its place.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { DATABASES, useRegistry } from '../../../test/databases.js';
import { call } from '../../../test/http.js';

interface Opened {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Promise<string>;
  close(): void;
}

function openStream(port: number, headers: Record<string, string> = {}): Promise<Opened> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/api/v1/events/stream', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      const body = new Promise<string>((done) => {
        res.on('data', (c: string) => (text += c));
        res.on('end', () => done(text));
        res.on('close', () => done(text));
      });
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body, close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}

/** Retries until the server has seen the close and freed the place (bounded). */
async function openWhenFree(port: number, headers: Record<string, string> = {}): Promise<Opened> {
  for (let i = 0; i < 50; i++) {
    const s = await openStream(port, headers);
    if (s.status === 200) return s;
    s.close();
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error('the stream place was never freed');
}

describe.each(DATABASES)('event stream caps on %s', (kind) => {
  const r = useRegistry(kind, { config: { streamsPerAddress: 3, streamsPerToken: 2 } });

  async function port(): Promise<number> {
    if (!r.app.server.listening) await r.app.listen({ host: '127.0.0.1', port: 0 });
    return (r.app.server.address() as AddressInfo).port;
  }

  it('refuses one stream more than an address may hold with 429 and Retry-After, and frees places on close', async () => {
    const p = await port();
    const open = [await openStream(p), await openStream(p), await openStream(p)];
    expect(open.map((s) => s.status)).toEqual([200, 200, 200]);
    const refused = await openStream(p);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toBe('10');
    expect(JSON.parse(await refused.body).error).toMatchObject({ code: 'too_many_requests', message: expect.stringContaining('3 per client address') });
    open[0].close();
    const again = await openWhenFree(p);
    expect(again.status).toBe(200);
    for (const s of [...open, again]) s.close();
  });

  it('caps streams per API token, whatever the address', async () => {
    const p = await port();
    const admin = await call(r.app, 'POST', '/api/v1/tokens', { name: 'root', role: 'admin' });
    const viewer = await call(r.app, 'POST', '/api/v1/tokens', { name: 'watcher', role: 'viewer' }, { authorization: `Bearer ${admin.body.token}` });
    const a = { authorization: `Bearer ${admin.body.token}` };
    const v = { authorization: `Bearer ${viewer.body.token}` };
    // The previous test's streams may still be closing on the server side.
    const first = await openWhenFree(p, a);
    const second = await openWhenFree(p, a);
    const third = await openStream(p, a);
    expect(third.status).toBe(429);
    expect(JSON.parse(await third.body).error.message).toContain('2 per API token');
    // Another token from the same address still has room until the address cap.
    const other = await openStream(p, v);
    expect(other.status).toBe(200);
    const overAddress = await openStream(p, v);
    expect(overAddress.status).toBe(429);
    expect(JSON.parse(await overAddress.body).error.message).toContain('per client address');
    for (const s of [first, second, other]) s.close();
  });
});
