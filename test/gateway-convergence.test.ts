// Honest convergence with real replicas: one paused (SIGSTOP: a process that stopped, not one that
// left), one whose token is revoked, one the registry rejects for a while — each beside the
// registry's embedded gateway, which does converge. While such a replica still counts as live, a
// move cannot commit: it cannot answer the prepare (409 prepare_failed naming it, nothing changed).
// Once it has been silent past STALE_AFTER_MS (the registry's clock is moved by hand) the move is no
// longer held up by it — and it is still never counted as converged, where it used to drop out of
// the count and the embedded gateway alone made `status` say converged; `status --wait` fails naming it.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, serverExtensions } from '../src/server.js';
import { createLogger } from '../src/log.js';
import { runAgainst } from './cli-harness.js';
import { DATABASES, makeDeps, tempDir, uniqueName } from './databases.js';
import { eventually, registerOnnx, specFor, startReplica, waitConverged } from './gateway-fixtures.js';
import { call, createModel, promote } from './http.js';
import { manualClock } from './monitoring-traffic.js';
import { STALE_AFTER_MS } from '../src/serving/replicas/convergence.js';
import type { App } from '../src/http/app-types.js';
import type { Deps } from '../src/deps.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the status answer is what the tests assert on
type Status = any;

describe.each(DATABASES)('honest convergence on %s', (kind) => {
  let app: App;
  let deps: Deps;
  let url = '';
  const cleanups: Array<() => unknown> = [];
  let admin: Record<string, string> = {};

  const clock = manualClock(Date.now());
  beforeAll(async () => {
    // A short prepare deadline: the refusals below wait for it.
    deps = await makeDeps(kind, { prepareDeadlineMs: 1500 }, { clock });
    ({ app } = await buildServer(deps, serverExtensions({ serving: { gateway: { heartbeatMs: 100 } } }).pick('serving')));
    await app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
    await app.close();
    await deps.close();
  });

  const status = async (m: string): Promise<Status> => (await call(app, 'GET', `/api/v1/models/${m}/status`, undefined, admin)).body;
  const outsider = (s: Status) => s.replicas.find((r: { replica_id: string }) => !r.replica_id.startsWith('embedded-'));

  /**
   * Moves the registry's clock past STALE_AFTER_MS and waits until the embedded gateway has reported
   * the target since: the outsider, silent, is then all that stands between the model and "converged".
   */
  async function outsiderFallsSilent(m: string, target: number): Promise<Status> {
    clock.t += STALE_AFTER_MS + 1000;
    const fresh = (s: Status) => s.replicas.some((r: { replica_id: string; acknowledged: boolean; version: number }) => r.replica_id.startsWith('embedded-') && r.acknowledged && r.version === target);
    return eventually(() => status(m), fresh, 'the embedded gateway to report the target after the clock moved');
  }

  /**
   * A move while the outsider is live but cannot answer: prepare times out on it, nothing commits.
   * Then, once it is silent past STALE_AFTER_MS, the same move commits without waiting for it.
   */
  async function promoteAround(m: string, replica: string, headers: Record<string, string> = admin): Promise<void> {
    const refused = await promote(app, m, 2, 'Production', true, headers);
    expect(refused.status).toBe(409);
    expect(refused.body.error.details).toMatchObject({ reason: 'prepare_failed', to_version: 2 });
    expect(refused.body.error.details.replicas).toContainEqual(expect.objectContaining({ replica_id: replica, prepare: 'timeout' }));
    expect((await status(m)).target_version).toBe(1);
    await outsiderFallsSilent(m, 1);
    const moved = await promote(app, m, 2, 'Production', true, headers);
    expect(moved.status).toBe(200);
    expect(moved.body.phases.replicas).toContainEqual(expect.objectContaining({ replica_id: replica, prepare: 'not_asked' }));
    expect(moved.body.phases.replicas).toContainEqual(expect.objectContaining({ prepare: 'ready', confirm: 'serving' }));
  }

  async function twoVersions(): Promise<string> {
    const m = uniqueName('conv');
    await createModel(app, m, admin);
    for (const v of [1, 2]) await registerOnnx(app, m, specFor(v), {}, admin);
    await promote(app, m, 1, 'Production', true, admin);
    return m;
  }

  it('a paused replica is unknown once the target moves: status says so, --wait fails naming it; resumed, it converges', async () => {
    const m = await twoVersions();
    // One process (node with tsx's loader, not the tsx launcher, which would run it in a child).
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', path.resolve('src/main.ts'), '--url', url, 'gateway', '--port', '0', '--cache-dir', tempDir('conv-gw-')],
      { env: { ...process.env, STAGECRAFT_LOG_LEVEL: 'silent' }, stdio: 'ignore' },
    );
    cleanups.push(() => {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    });
    await eventually(() => status(m), (s) => s.converged && s.replicas.length === 2, 'both replicas to converge on v1', 1500);
    const replica = outsider(await status(m)).replica_id as string;

    child.kill('SIGSTOP');
    await promoteAround(m, replica);
    const s = await status(m);
    expect(s).toMatchObject({ target_version: 2, converged: false });
    expect(outsider(s)).toMatchObject({ replica_id: replica, state: 'unknown', unknown_reason: 'missed_heartbeats', version: 1, acknowledged: false });
    expect(outsider(s).why).toContain('last seen serving v1');

    const waited = await runAgainst(url, ['status', m, '--wait', '--timeout', '1']);
    expect(waited.stdout).toContain('last seen serving v1');
    expect(waited.code).not.toBe(0);
    expect(waited.stderr).toContain(`unknown (never counted as converged): ${replica}`);
    expect(waited.stdout).toMatch(/converged:\s+no \(1 replica unknown\)/);

    child.kill('SIGCONT');
    await waitConverged(app, m, 2, 1500);
    expect((await runAgainst(url, ['status', m, '--wait', '--timeout', '20'])).code).toBe(0);
  }, 90_000); // spawns a gateway process and the CLI three times: generous on a loaded machine

  it('a replica the registry rejects for a while is unknown meanwhile, logs it at error level, and reports it at its next contact', async () => {
    const m = await twoVersions();
    const proxy = await rejectingProxy(url);
    cleanups.push(() => proxy.close());
    const errors: string[] = [];
    const log = pino({ level: 'error' }, new Writable({ write: (chunk, _enc, done) => (errors.push(String(chunk)), done()) }));
    const gw = await startReplica({ registry: proxy.url, cacheDir: tempDir('conv-gw-'), retryMs: 50, heartbeatMs: 100 }, log);
    cleanups.push(() => gw.close());
    await waitConverged(app, m, 1);

    proxy.reject(true);
    await eventually(async () => errors.length, (n) => n > 0, 'the replica to log the rejection');
    expect(JSON.parse(errors[0])).toMatchObject({ level: 50, status: 401 });
    await promoteAround(m, gw.gateway.options.replicaId);
    // Rejected, it cannot follow the move nor report: unknown, however long we look.
    for (let i = 0; i < 5; i++) {
      expect((await status(m)).converged).toBe(false);
      await new Promise((res) => setTimeout(res, 100));
    }
    const silent = await status(m);
    expect(silent.converged).toBe(false);
    expect(outsider(silent)).toMatchObject({ state: 'unknown', version: 1 });

    proxy.reject(false);
    const s = await waitConverged(app, m, 2);
    expect(outsider(s).last_rejection).toMatchObject({ status: 401 });
    expect((outsider(s).last_rejection as { count: number }).count).toBeGreaterThan(0);
  }, 90_000);

  it('a replica whose token is revoked is never counted as converged (status answer and CLI exit code)', async () => {
    const root = (await call(app, 'POST', '/api/v1/tokens', { name: `root-${kind}`, role: 'admin' })).body.token as string;
    admin = { authorization: `Bearer ${root}` };
    const m = await twoVersions();
    const gwToken = (await call(app, 'POST', '/api/v1/tokens', { name: `gw-${kind}`, role: 'gateway' }, admin)).body.token as string;
    const gw = await startReplica({ registry: url, token: gwToken, cacheDir: tempDir('conv-gw-'), retryMs: 50, heartbeatMs: 100 }, createLogger('silent'));
    cleanups.push(() => gw.close());
    await eventually(() => status(m), (s) => s.converged && s.target_version === 1 && s.replicas.length === 2, 'both replicas to converge on v1');

    expect((await call(app, 'DELETE', `/api/v1/tokens/gw-${kind}`, undefined, admin)).status).toBe(204);
    await promoteAround(m, gw.gateway.options.replicaId);
    for (let i = 0; i < 5; i++) {
      const s = await status(m);
      expect(s.converged).toBe(false);
      expect(outsider(s)).toMatchObject({ state: 'unknown', acknowledged: false });
      await new Promise((res) => setTimeout(res, 100));
    }
    const waited = await runAgainst(url, ['--token', root, 'status', m, '--wait', '--timeout', '1']);
    expect(waited.code).not.toBe(0);
    expect(waited.stderr).toContain(`unknown (never counted as converged): ${gw.gateway.options.replicaId}`);
    const json = await runAgainst(url, ['--token', root, '--json', 'status', m]);
    expect(json.json.converged).toBe(false);
    expect(outsider(json.json)).toMatchObject({ state: 'unknown' });
  }, 90_000);
});

/** Forwards to the registry, or answers 401 to everything (and cuts open streams) while told to reject. */
async function rejectingProxy(target: string) {
  let rejecting = false;
  const open = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    if (rejecting) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'unauthenticated', message: 'unknown or revoked API token', id: 'proxy' } }));
      return;
    }
    const upstream = http.request(new URL(req.url!, target), { method: req.method, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode!, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    open.add(res);
    res.on('close', () => open.delete(res));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    reject(on: boolean) {
      rejecting = on;
      if (on) for (const res of open) res.destroy();
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
