// npm run bench:grants — what per-model grants cost on the request path: two servers in one run
// (SQLite), the same token (deployer) and models, one with no grants and one with 1,000 (users,
// groups, globs, and a few on the token itself), measured interleaved over keep-alive so the
// machine's noise falls on both alike. Reads of one model (get model, get version) and the models
// list (filtered per model). Quote medians and ratios with the load average.
import os from 'node:os';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildServer } from '../src/server.js';
import { benchDeps, flag } from './harness.js';
import { fmt, measureInterleaved } from './http-client.js';

const N = Number(flag('iterations', '2000'));
const GRANTS = Number(flag('grants', '1000'));
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

function get(base: string, path: string, token: string): Promise<number> {
  const url = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'GET', agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode === 200 ? resolve(200) : reject(new Error(`${path}: ${res.statusCode}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

async function post(base: string, path: string, body: unknown, token?: string): Promise<{ token?: string }> {
  const res = await fetch(new URL(path, base), { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });
  if (res.status >= 300) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { token?: string };
}

async function server(grants: number) {
  const deps = await benchDeps('sqlite', '');
  const { app } = await buildServer(deps, []);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  for (let m = 0; m < 50; m++) await post(base, '/api/v1/models', { name: `team${m % 10}-model-${m}` });
  const admin = (await post(base, '/api/v1/tokens', { name: 'root', role: 'admin' })).token!;
  const token = (await post(base, '/api/v1/tokens', { name: 'ci', role: 'deployer' }, admin)).token!;
  for (let i = 0; i < grants; i++) {
    const kind = i % 3 === 0 ? 'user' : i % 3 === 1 ? 'group' : 'token';
    const mine = i % 100 === 0; // ten grants on the measured token itself
    const g = mine
      ? { principal_type: 'token', principal_name: 'ci', scope: `team${i % 7}-*-${i}`, role: 'viewer' }
      : { principal_type: kind, principal_name: `${kind}-${i}@example.com`, scope: i % 2 ? `team${i % 10}-*` : `team${i % 10}-model-${i % 50}`, role: i % 5 === 0 ? 'deny' : 'editor' };
    await post(base, '/api/v1/grants', g, admin);
  }
  return { base, token, close: async () => { await app.close(); await deps.close(); } };
}

const targets = [await server(0), await server(GRANTS)];
const ops: Array<[string, (t: (typeof targets)[number], i: number) => Promise<unknown>]> = [
  ['get model', (t, i) => get(t.base, `/api/v1/models/team${Math.abs(i) % 10}-model-${Math.abs(i) % 50}`, t.token)],
  ['models list (filtered)', (t) => get(t.base, '/api/v1/models?limit=100', t.token)],
];
console.log(`per-model grants: ${N} sequential requests per row per server, interleaved; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`${'request'.padEnd(26)} ${'p50 none'.padStart(11)} ${`p50 ${GRANTS}`.padStart(11)} ${'added p50'.padStart(11)} ${'p50 ratio'.padStart(12)}`);
for (const [name, op] of ops) {
  const [none, many] = await measureInterleaved(targets, op, N);
  // Sequential closed loop on one connection: requests per second follow the latency; the p50 ratio (none / 1,000) stands in for it robustly.
  const ratio = none.p50 / many.p50;
  console.log(`${name.padEnd(26)} ${fmt(none.p50).padStart(11)} ${fmt(many.p50).padStart(11)} ${fmt(many.p50 - none.p50).padStart(11)} ${ratio.toFixed(3).padStart(12)}`);
}
for (const t of targets) await t.close();
agent.destroy();
