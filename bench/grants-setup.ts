// The servers bench:grants compares, built alike so only the access control differs: SQLite, the
// serving extension, 50 models and one served ONNX model; one open server (no tokens, no SSO) and
// two closed ones trusting a real OpenID Provider (test/helpers/oidc-provider.ts), one with a
// single grant (the person's group) and one with 1,000. Also the headered load generator.
import type { AddressInfo } from 'node:net';
import { defaultConfig } from '../src/config.js';
import { createDeps } from '../src/deps.js';
import { createLogger } from '../src/log.js';
import { buildServer, serverExtensions } from '../src/server.js';
import type { DenseModelSpec } from '../src/onnx/onnx-builder.js';
import { oidcConfigFor, type TestProvider } from '../test/helpers/oidc-provider.js';
import { benchTempDir, must, removeBenchTempDir, seedProduction } from './harness.js';
import { request } from './http-client.js';

export const SERVED = 'team3-scorer';
export const MODELS = 50;
export const modelName = (i: number) => `team${i % 10}-model-${i % MODELS}`;
const spec: DenseModelSpec = { weights: [0.1, -0.2, 0.3, 0.05, -0.4, 0.6, 0.7, -0.8], bias: 0.1, activation: 'sigmoid', doc: 'v1' };
export const INFER_BODY = JSON.stringify({ inputs: [{ name: 'input', shape: [1, 8], datatype: 'FP32', data: [0.5, 1.2, -0.3, 2.2, 0.1, -1.5, 0.9, 0.4] }] });
/** The person measured (test/helpers/oidc-provider.ts PEOPLE.alice: groups fraud-team and ml). */
export const PERSON = { login: 'alice', email: 'alice@example.com', group: 'fraud-team' };

export interface BenchServer {
  base: string;
  /** A deployer token's secret (closed servers only). */
  token?: string;
  close(): Promise<void>;
}

async function post(base: string, p: string, body: unknown, token: string): Promise<{ token?: string }> {
  const res = await fetch(new URL(p, base), { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${p}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { token?: string };
}

/**
 * The grants of the governed servers: the person's group may edit everything (the one grant of
 * the "few" server); with `total` > 1, the rest are users, groups and tokens on exact names and
 * globs, a fifth of them denies, ten on the measured token and ten on the measured person.
 */
export function grantSet(total: number): Array<Record<string, string>> {
  const grants: Array<Record<string, string>> = total > 0 ? [{ principal_type: 'group', principal_name: PERSON.group, scope: '*', role: 'editor' }] : [];
  for (let i = 1; i < total; i++) {
    const kind = i % 3 === 0 ? 'user' : i % 3 === 1 ? 'group' : 'token';
    if (i % 100 === 0) grants.push({ principal_type: 'token', principal_name: 'ci', scope: `team${i % 7}-*-${i}`, role: 'viewer' });
    else if (i % 100 === 50) grants.push({ principal_type: 'user', principal_name: PERSON.email, scope: `team${i % 7}-*-${i}`, role: 'viewer' });
    else grants.push({ principal_type: kind, principal_name: `${kind}-${i}@example.com`, scope: i % 2 ? `team${i % 10}-*` : modelName(i), role: i % 5 === 0 ? 'deny' : 'editor' });
  }
  return grants;
}

/**
 * A server with the serving extension; `closed`: with a deployer token and `grants` grants, and
 * with `idp`, trusting that provider for people too (single sign-on).
 */
export async function benchServer(opts: { closed?: boolean; idp?: Pick<TestProvider, 'issuer'>; grants?: number }): Promise<BenchServer> {
  const log = createLogger('silent');
  const dataDir = benchTempDir('sc-bench-grants-');
  const deps = await createDeps({ ...defaultConfig(), dataDir, logLevel: 'silent', oidc: opts.idp ? oidcConfigFor(opts.idp) : null }, { log });
  const ext = serverExtensions({ serving: { gateway: { heartbeatMs: 500 } } });
  const { app } = await buildServer(deps, ext.pick('serving'));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const close = async () => {
    await app.close();
    await deps.close();
    removeBenchTempDir(dataDir);
  };
  // Seeded while the server is still open (no tokens yet): the same models on every server.
  for (let m = 0; m < MODELS; m++) await must(request(base, 'POST', '/api/v1/models', { name: modelName(m) }));
  await seedProduction(base, SERVED, [spec]);
  for (let i = 0; ; i++) {
    const r = await request(base, 'POST', `/v2/models/${SERVED}/infer`, JSON.parse(INFER_BODY));
    if (r.status === 200) break;
    if (i > 1000) throw new Error(`${SERVED} never served: ${r.status} ${r.body}`);
    await new Promise((res) => setTimeout(res, 10));
  }
  if (!opts.closed) return { base, close };
  const bootstrap = await must(request(base, 'POST', '/api/v1/tokens', { name: 'root', role: 'admin' }));
  const admin = String(bootstrap.token);
  const token = (await post(base, '/api/v1/tokens', { name: 'ci', role: 'deployer' }, admin)).token!;
  for (const g of grantSet(opts.grants ?? 0)) await post(base, '/api/v1/grants', g, admin);
  return { base, token, close };
}

export interface Load {
  total: number;
  /** Seconds the run lasted (autocannon's own measure). */
  seconds: number;
  errors: number;
}

/** autocannon in its own process (as bench:serving runs it), with headers and any method. */
export async function headeredCannon(url: string, opts: { method: string; headers: Record<string, string>; body?: string; duration: number; connections: number }): Promise<Load> {
  const { execFile } = await import('node:child_process');
  const { createRequire } = await import('node:module');
  const bin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
  const args = [bin, '-j', '-c', String(opts.connections), '-d', String(opts.duration), '-m', opts.method];
  for (const [k, v] of Object.entries(opts.headers)) args.push('-H', `${k}=${v}`);
  if (opts.body) args.push('-b', opts.body);
  args.push(url);
  const out = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => (err ? reject(err) : resolve(stdout)));
  });
  const r = JSON.parse(out);
  return { total: r.requests.total, seconds: r.duration, errors: r.errors + r.non2xx };
}
