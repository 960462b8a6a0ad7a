// npm run bench:promotion — serving throughput through the gateway with a 10% canary and with a 10%
// shadow vs plain serving, in the same run on the same model shape (autocannon out of process);
// and the time from a failed canary analysis to all traffic back on the baseline, in-process.
// Flags: --duration S (autocannon seconds per run, default 3), --connections N (8), --rounds N (5), --aborts N (20).
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { defaultConfig } from '../src/config.js';
import { createDeps } from '../src/deps.js';
import { createLogger } from '../src/log.js';
import { abortRollout, startRollout } from '../src/experiments/rollouts-service.js';
import type { Analysis } from '../src/experiments/rollouts.js';
import { CanarySplit } from '../src/experiments/traffic-split.js';
import { buildServer, serverExtensions } from '../src/server.js';
import { createModel } from '../src/registry/models/models-service.js';
import { createVersion, markHealth } from '../src/registry/versions/versions-service.js';
import { transitionStage } from '../src/registry/targets/stages-service.js';
import { startShadow } from '../src/experiments/shadow-service.js';
import { denseModelOnnx, type DenseModelSpec } from '../src/onnx/onnx-builder.js';
import { fmt, percentile } from './http-client.js';
import { benchTempDir, flag, removeBenchTempDir } from './harness.js';

const DURATION = Number(flag('duration', '3'));
const CONNECTIONS = Number(flag('connections', '8'));
const ROUNDS = Number(flag('rounds', '5'));
const ABORTS = Number(flag('aborts', '20'));
const spec = (v: number): DenseModelSpec => ({ weights: [0.1 * v, -0.2, 0.3, 0.05, -0.4, 0.6, 0.7, -0.8], bias: v / 10, activation: 'sigmoid', doc: `v${v}` });
const BODY = JSON.stringify({ inputs: [{ name: 'input', shape: [1, 8], datatype: 'FP32', data: [0.5, 1.2, -0.3, 2.2, 0.1, -1.5, 0.9, 0.4] }] });

async function cannon(url: string, seconds = DURATION) {
  const bin = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
  const a = [bin, '-j', '-c', String(CONNECTIONS), '-d', String(seconds), '-m', 'POST', '-H', 'content-type=application/json', '-b', BODY, url];
  const out = await new Promise<string>((resolve, reject) => execFile(process.execPath, a, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => (err ? reject(err) : resolve(stdout))));
  const r = JSON.parse(out);
  return { rps: r.requests.average as number, p99: r.latency.p99 as number, errors: (r.errors + r.non2xx) as number };
}

async function main() {
  const dataDir = benchTempDir('stagecraft-bench-promo-');
  const deps = await createDeps({ ...defaultConfig(), dataDir, databaseUrl: null, logLevel: 'silent' }, { log: createLogger('silent') });
  const ext = serverExtensions({ experiments: { tickMs: 0 } });
  const gw = ext.serving;
  const { app } = await buildServer(deps, ext.pick('serving', 'experiments'));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  const upload = async (bytes: Buffer) => (await deps.blobs.put(bytes)).sha256;
  async function model(name: string, versions: number) {
    await createModel(deps, 'bench', { name });
    for (let v = 1; v <= versions; v++) await createVersion(deps, 'bench', name, { files: [{ path: 'model.onnx', sha256: await upload(denseModelOnnx(spec(v))) }] });
    await transitionStage(deps, 'bench', name, 1, { stage: 'Production' });
  }
  const settle = async (name: string, check: () => boolean) => {
    for (let i = 0; i < 2000 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
    if (!check()) throw new Error(`${name} did not settle`);
  };
  for (const m of ['plain', 'canary', 'shadow']) await model(m, 2);
  await settle('plain', () => ['plain', 'canary', 'shadow'].every((m) => gw.gateway().slots.get(m)?.current?.version === 1));
  await startRollout(deps, 'bench', 'canary', { version: 2, steps: [10, 100], step_minutes: 60 });
  await startShadow(deps, new Map(), 'bench', 'shadow', { version: 2, percent: 10 });
  await settle('canary', () => !!gw.gateway().slots.get('canary')?.traffic && !!gw.gateway().slots.get('canary')?.loaded.has(2));
  await settle('shadow', () => !!gw.gateway().slots.get('shadow')?.traffic && !!gw.gateway().slots.get('shadow')?.loaded.has(2));

  const results: Record<string, Array<{ rps: number; p99: number; errors: number }>> = { plain: [], canary: [], shadow: [] };
  // Warm-up (JIT, ORT arenas, sockets) for every configuration before anything is measured.
  for (const m of ['plain', 'canary', 'shadow']) await cannon(`${base}/v2/models/${m}/infer`, 2);
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate the order each round so warm-up and thermal drift do not favour one configuration.
    const order = round % 2 ? ['shadow', 'canary', 'plain'] : ['plain', 'canary', 'shadow'];
    for (const m of order) results[m].push(await cannon(`${base}/v2/models/${m}/infer`));
  }
  const avg = (m: string) => results[m].reduce((s, r) => s + r.rps, 0) / results[m].length;
  // Per-round ratios (the three runs of a round are back to back), then their median: on a shared
  // machine this is steadier than a ratio of averages.
  const medianRatio = (m: string) => results[m].map((r, i) => r.rps / results.plain[i].rps).sort((a, b) => a - b)[Math.floor(ROUNDS / 2)];
  console.log(`serving throughput (${ROUNDS} rounds x ${DURATION}s, ${CONNECTIONS} connections, OIP v2, 8-feature logistic regression):`);
  for (const m of ['plain', 'canary', 'shadow']) {
    const ratio = medianRatio(m);
    const errors = results[m].reduce((s, r) => s + r.errors, 0);
    const p99 = Math.max(...results[m].map((r) => r.p99));
    console.log(`  ${m.padEnd(7)} ${avg(m).toFixed(0).padStart(7)} req/s  median ratio to plain ${ratio.toFixed(3)} (loss ${((1 - ratio) * 100).toFixed(1)}%)  p99 ${p99} ms  errors ${errors}${m === 'canary' ? '  (aim <= 3% loss)' : m === 'shadow' ? '  (aim <= 10% loss)' : ''}`);
  }
  const shadowReport = JSON.parse((await app.inject({ method: 'GET', url: '/api/v1/models/shadow/shadow' })).body).report;
  console.log(`  shadow mirrored ${shadowReport.mirrored_requests} requests (${shadowReport.dropped_requests} dropped by the in-flight bound), candidate p95 ${shadowReport.candidate_latency_p95_ms?.toFixed(2)} ms, agreement ${(shadowReport.agreement_rate * 100).toFixed(1)}%`);
  // The canary's own cost on the request path, free of machine noise: one routing decision.
  const split = new CanarySplit(2, 10, 'x-user');
  const hdrs = Array.from({ length: 1000 }, (_, i) => ({ 'x-user': `user-${i}` }));
  let hits = 0;
  const t = performance.now();
  for (let i = 0; i < 1_000_000; i++) if (split.route(hdrs[i % 1000]) !== null) hits++;
  console.log(`  canary routing decision: ${(((performance.now() - t) * 1e6) / 1_000_000).toFixed(0)} ns per request (sticky hash; ${(hits / 10_000).toFixed(1)}% routed to the candidate)`);

  // Failed analysis -> the abort commits -> the feed carries rollout.aborted -> the gateway drops the split.
  await abortRollout(deps, 'bench', 'canary', 'bench reset');
  const times: number[] = [];
  const evidence: Analysis = { step: 0, weight: 10, outcome: 'failed', reasons: ['bench'], candidate: { version: 2, requests: 0, errors: 0, error_rate: 1, p95_ms: 0 }, baseline: { version: 1, requests: 0, errors: 0, error_rate: 0, p95_ms: 0 }, at: new Date().toISOString() };
  const slot = () => gw.gateway().slots.get('canary')!;
  for (let i = 0; i < ABORTS; i++) {
    await markHealth(deps, 'bench', 'canary', 2, 'unknown', undefined);
    await startRollout(deps, 'bench', 'canary', { version: 2, steps: [10, 100], step_minutes: 60 });
    await settle('split', () => slot().traffic !== null);
    const t0 = performance.now();
    const aborting = abortRollout(deps, 'bench', 'canary', 'analysis failed (bench)', evidence);
    for (let k = 0; k < 100_000 && slot().traffic !== null; k++) await new Promise((r) => setImmediate(r));
    times.push(performance.now() - t0);
    await aborting;
  }
  times.sort((a, b) => a - b);
  console.log(`failed analysis -> all traffic on baseline (in-process, ${ABORTS} aborts): p50 ${fmt(percentile(times, 50))}, max ${fmt(times[times.length - 1])} (aim <= 50 ms)`);

  await app.close();
  await deps.close();
  removeBenchTempDir(dataDir);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
