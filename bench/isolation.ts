// npm run bench:isolation — one gateway serving two models: how much saturating one (A, a CPU-bound
// MLP answering batches) raises the other's (B, a small logistic regression) latency. B's p50/p99 is
// measured alone, then while autocannon (another process, 127.0.0.1 only) keeps A saturated; the
// ratio of B's p50s is the figure (aim <= 1.20). A second load phase sends A more connections than
// its concurrency + queue hold, so the gateway sheds: B's ratio there too, and the shed counts
// /metrics reports.
// Flags: --duration S (each load phase, default 8), --connections N (A's saturating load, default 32),
// --over N (connections of the shedding phase, default 96; 0 skips it), --rows N (rows per A request, default 32),
// --n N (B's sequential requests per measurement, default 1500), --inline-max-ms X (gateway option
// inlineMaxMs; unset: the default), --pool N, --model-workers N, --nice N (gateway options poolSize,
// modelWorkers, poolNice; unset: the defaults).
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import { defaultConfig } from '../src/config.js';
import { createDeps } from '../src/deps.js';
import { createLogger } from '../src/log.js';
import { denseModelOnnx, mlpModelOnnx } from '../src/onnx/onnx-builder.js';
import { buildServer, serverExtensions } from '../src/server.js';
import { benchTempDir, cannon, flag, must } from './harness.js';
import { fmt, request, type Stats } from './http-client.js';

const DURATION = Number(flag('duration', '8'));
const CONNECTIONS = Number(flag('connections', '32'));
const OVER = Number(flag('over', '96'));
const ROWS = Number(flag('rows', '32'));
const N = Number(flag('n', '1500'));
const inlineMax = flag('inline-max-ms', null);
const poolSize = flag('pool', null);
const nice = flag('nice', null);
const modelWorkers = flag('model-workers', null);

const HOT_FEATURES = 16;
const hotBody = JSON.stringify({ inputs: [{ name: 'input', shape: [ROWS, HOT_FEATURES], datatype: 'FP32', data: Array.from({ length: ROWS * HOT_FEATURES }, (_, i) => Math.sin(i)) }] });
const quietBody = { inputs: [{ name: 'input', shape: [1, 8], datatype: 'FP32', data: [0.5, 1.2, -0.3, 2.2, 0.1, -1.5, 0.9, 0.4] }] };

async function gatewayWithTwoModels() {
  const dataDir = benchTempDir('sc-bench-isolation-');
  const deps = await createDeps({ ...defaultConfig(), dataDir, logLevel: 'silent' }, { log: createLogger('silent') });
  const gateway: Record<string, number> = { heartbeatMs: 500 };
  if (inlineMax !== null) gateway.inlineMaxMs = Number(inlineMax);
  if (poolSize !== null) gateway.poolSize = Number(poolSize);
  if (nice !== null) gateway.poolNice = Number(nice);
  if (modelWorkers !== null) gateway.modelWorkers = Number(modelWorkers);
  const ext = serverExtensions({ serving: { gateway } });
  const { app } = await buildServer(deps, ext.pick('serving', 'observe'));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const models: Array<[string, Buffer]> = [
    ['hot', mlpModelOnnx({ inputs: HOT_FEATURES, hidden: [1024, 1024], seed: 7 })],
    ['quiet', denseModelOnnx({ weights: [0.1, -0.2, 0.3, 0.05, -0.4, 0.6, 0.7, -0.8], bias: 0.1, activation: 'sigmoid' })],
  ];
  for (const [name, bytes] of models) {
    await must(request(base, 'POST', '/api/v1/models', { name }));
    const blob = await must(request(base, 'POST', '/api/v1/blobs', bytes));
    await must(request(base, 'POST', `/api/v1/models/${name}/versions`, { files: [{ path: 'model.onnx', sha256: blob.sha256 }] }));
    await must(request(base, 'POST', `/api/v1/models/${name}/versions/1/stage`, { stage: 'Production' }));
  }
  for (const name of ['hot', 'quiet']) {
    const body = name === 'hot' ? hotBody : quietBody;
    for (let i = 0; i < 500 && (await request(base, 'POST', `/v2/models/${name}/infer`, body)).status !== 200; i++) await new Promise((r) => setTimeout(r, 10));
  }
  return { app, deps, base };
}

// B's client runs in its own process: in the gateway's process its timings would include the
// gateway's own event-loop stalls twice over, or hide them (a client and server sharing one loop).
const CLIENT = `
const http = require('node:http');
const [url, n, body] = process.argv.slice(1);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const u = new URL(url);
const one = () => new Promise((resolve, reject) => {
  const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
    res.resume();
    res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error('status ' + res.statusCode))));
  });
  req.on('error', reject);
  req.end(body);
});
(async () => {
  for (let i = 0; i < 50; i++) await one();
  const times = [];
  for (let i = 0; i < Number(n); i++) { const t0 = process.hrtime.bigint(); await one(); times.push(Number(process.hrtime.bigint() - t0) / 1e6); }
  times.sort((a, b) => a - b);
  const at = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))];
  process.stdout.write(JSON.stringify({ n: times.length, p50: at(0.5), p99: at(0.99) }));
})().catch((e) => { console.error(e); process.exit(1); });
`;

async function measureQuiet(base: string, n: number): Promise<Stats> {
  const { execFile } = await import('node:child_process');
  const out = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ['-e', CLIENT, `${base}/v2/models/quiet/infer`, String(n), JSON.stringify(quietBody)], (err, stdout) => (err ? reject(err) : resolve(stdout))),
  );
  return JSON.parse(out) as Stats;
}

/** Shed answers per model and reason, from /metrics. */
async function sheds(base: string): Promise<Record<string, number>> {
  const text = (await request(base, 'GET', '/metrics')).body;
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^stagecraft_inference_shed_total\{([^}]*)\} (\d+)/gm)) {
    const labels = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    const key = `${labels.model}/${labels.reason}`;
    out[key] = (out[key] ?? 0) + Number(m[2]);
  }
  return out;
}

/** B measured sequentially while A is under `connections` of autocannon load. */
async function underLoad(base: string, connections: number) {
  const load = cannon(`${base}/v2/models/hot/infer`, hotBody, { duration: DURATION, connections });
  await new Promise((r) => setTimeout(r, 1500));
  const quiet = await measureQuiet(base, N);
  const hot = await load;
  return { quiet, hot };
}

async function main() {
  console.log(`bench:isolation — ${os.cpus().length} CPUs, node ${process.version}; A: 16-1024-1024-1 MLP, ${ROWS} rows per request; B: 8-feature logistic regression, one row`);
  const gw = await gatewayWithTwoModels();
  const alone1 = await measureQuiet(gw.base, N);
  const loaded = await underLoad(gw.base, CONNECTIONS);
  const alone2 = await measureQuiet(gw.base, N);
  const alone = alone1.p50 <= alone2.p50 ? alone1 : alone2;
  const over = OVER > 0 ? await underLoad(gw.base, OVER) : null;
  const shed = await sheds(gw.base);
  const row = (name: string, s: Stats) => `  ${name.padEnd(44)} p50 ${fmt(s.p50).padStart(10)}  p99 ${fmt(s.p99).padStart(10)}  (n ${s.n})`;
  console.log(row('B alone (best of before/after)', alone));
  console.log(row(`B while A saturated (${CONNECTIONS} connections)`, loaded.quiet));
  if (over) console.log(row(`B while A overloaded (${OVER} connections)`, over.quiet));
  console.log(`  A saturated : ${loaded.hot.rps.toFixed(0)} req/s, p50 ${loaded.hot.p50} ms, p99 ${loaded.hot.p99} ms, non-2xx/errors ${loaded.hot.errors}`);
  if (over) console.log(`  A overloaded: ${over.hot.rps.toFixed(0)} req/s, p50 ${over.hot.p50} ms, p99 ${over.hot.p99} ms, non-2xx/errors ${over.hot.errors}`);
  console.log(`  ratio B p50 saturated/alone : ${(loaded.quiet.p50 / alone.p50).toFixed(2)} (aim <= 1.20)`);
  if (over) console.log(`  ratio B p50 overloaded/alone: ${(over.quiet.p50 / alone.p50).toFixed(2)}`);
  console.log(`  sheds (/metrics, model/reason): ${JSON.stringify(shed)}`);
  await gw.app.close();
  await gw.deps.close();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
