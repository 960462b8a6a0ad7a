// The serving thread's share of monitoring per request, for the demo fraud model's request shape
// (one row of 4 float32 features, one probability): building the observation the gateway hands its
// observers, observe() on the default server's observers (monitoring's record writer, the rollouts'
// per-version stats), and folding the live tallies. Counted in process CPU time over many requests
// (GC helper threads included; the writer thread is idle then), so other load on the box moves it
// little, unlike wall time or the throughput sections of bench/monitoring.ts.
//   npx tsx bench/observe-cost.ts [--build served|plain] [--rounds 7] [--n 100000]
// --build served (default): the gateway's own observation, carrying the request's tensors.
// --build plain: plain columns and predictions built per request, as the gateway did before (and as
// replicas' shipped observations arrive), through the same observers.
import os from 'node:os';
import { defaultConfig } from '../src/config.js';
import { createDeps } from '../src/deps.js';
import { columnarInputs } from '../src/serving/gateway/observed-features.js';
import type { InferenceObservation, InferenceObserver } from '../src/serving/gateway/observer.js';
import { rowPredictions } from '../src/serving/gateway/protocols/outputs.js';
import type { Tensors } from '../src/serving/gateway/runtimes/runtime.js';
import { ServedObservation } from '../src/serving/gateway/served-observation.js';
import { requestId } from '../src/http/request-id.js';
import { createLogger } from '../src/log.js';
import { FRAUD_FEATURES, transactions } from '../src/observe/demo-scenario.js';
import { observeExtension } from '../src/observe/observe-extension.js';
import { DEFAULT_RETENTION, RecordWriter } from '../src/observe/records/record-writer.js';
import { VersionStats } from '../src/experiments/version-stats.js';
import { benchTempDir, flag } from './harness.js';

const ROUNDS = Number(flag('rounds', '7'));
const N = Number(flag('n', '100000'));
const BUILD = flag('build', 'served');

const spec = { featureNames: FRAUD_FEATURES };
const binding = 'stage:Production';
function build(feeds: Tensors, result: Tensors, id: string, time: number): InferenceObservation {
  if (BUILD === 'served') return new ServedObservation('fraud', 1, binding, id, time, 1.5, 'ok', feeds, null, spec, result);
  return { model: 'fraud', version: 1, binding, requestId: id, time, latencyMs: 1.5, outcome: 'ok', inputs: columnarInputs(feeds, null, spec.featureNames), predictions: rowPredictions(result) };
}

const deps = await createDeps({ ...defaultConfig(), dataDir: benchTempDir('stagecraft-bench-observe-'), logLevel: 'silent' }, { log: createLogger('silent') });
const mon = observeExtension();
const writer = new RecordWriter(deps, { ...DEFAULT_RETENTION, flushMs: 1_000_000 });
mon.attach(writer);
const versions = new VersionStats();

/** CPU us per request over N requests: build + observe on each observer + the tallies' fold. */
async function round(observers: InferenceObserver[]): Promise<number> {
  const txs = transactions(1000, 3);
  // The parser's feeds and the runtime's outputs exist before observe(): made outside the timing.
  const feeds: Tensors[] = txs.map((t) => ({ input: { type: 'float32', dims: [1, 4], data: Float32Array.from(t.features) } }));
  const results: Tensors[] = txs.map((t) => ({ probability: { type: 'float32', dims: [1, 1], data: Float32Array.of(t.fraud ? 0.8 : 0.1) } }));
  const ids = Array.from({ length: N }, () => requestId());
  const time = Date.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const o = build(feeds[i % feeds.length], results[i % results.length], ids[i], time);
    for (const observer of observers) observer.observe(o);
  }
  writer.foldPending();
  const c = process.cpuUsage(c0);
  const us = (c.user + c.system) / N;
  await writer.flush();
  return us;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sets: Array<[string, InferenceObserver[]]> = [
  ['monitoring + rollout stats (the default server)', [mon.observer, versions]],
  ['monitoring only', [mon.observer]],
  ['rollout stats only', [versions]],
];
console.log(`observation cost per request, --build ${BUILD}: node ${process.version}, ${os.cpus().length} CPUs; CPU time per request, ${N.toLocaleString('en')} requests × ${ROUNDS} rounds (after a warm-up)`);
for (const [name, observers] of sets) {
  await round(observers);
  const us: number[] = [];
  for (let r = 0; r < ROUNDS; r++) us.push(await round(observers));
  console.log(`   ${name.padEnd(48)} median ${median(us).toFixed(2)} us, min ${Math.min(...us).toFixed(2)} us  (rounds: ${us.map((x) => x.toFixed(2)).join(', ')})`);
}
await writer.stop();
await deps.close();
