// Shutdown must finish: a connection that never sent a request, or a request that never ends,
// cannot hold close() (and with it a restart or a deploy) open, while requests in flight still
// get their answers.
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createDeps } from '../deps.js';
import { createLogger } from '../log.js';
import { buildServer } from '../server.js';
import { testConfig } from '../../test/databases.js';
import { registerGracefulClose } from './graceful-close.js';

const port = (app: { server: http.Server }) => (app.server.address() as AddressInfo).port;

function get(p: number, path: string): Promise<{ status: number; body: string } | { error: string }> {
  return new Promise((resolve) => {
    http
      .get({ host: '127.0.0.1', port: p, path }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      })
      .on('error', (err) => resolve({ error: (err as NodeJS.ErrnoException).code ?? err.message }));
  });
}

describe('graceful close', () => {
  it('closes the server although a client holds a connection it never sent a request on', async () => {
    const deps = await createDeps(await testConfig('sqlite'), { log: createLogger('silent') });
    const { app } = await buildServer(deps);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const socket = net.connect(port(app), '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    const closedByServer = new Promise((r) => socket.once('close', r));
    // Without the reaper Node keeps this connection until headersTimeout (60 s): the test times out.
    await app.close();
    await closedByServer;
    await deps.close();
  }, 8_000);

  it('lets a request in flight finish, and cuts one that never ends after the grace', async () => {
    const app = Fastify();
    registerGracefulClose(app, 1_500);
    let started = 0;
    let bothStarted: () => void;
    const arrived = new Promise<void>((r) => (bothStarted = r));
    const begin = () => ++started === 2 && bothStarted();
    app.get('/slow', async () => {
      begin();
      await new Promise((r) => setTimeout(r, 200));
      return { ok: true };
    });
    app.get('/never', () => {
      begin();
      return new Promise(() => {});
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const p = port(app);
    const slow = get(p, '/slow');
    const never = get(p, '/never');
    // Close once both are being handled (not merely sent), as at a real shutdown mid-traffic.
    await arrived;
    await app.close();
    expect(await slow).toEqual({ status: 200, body: '{"ok":true}' });
    expect(await never).toEqual({ error: 'ECONNRESET' });
  }, 8_000);
});
