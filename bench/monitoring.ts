// npx tsx bench/monitoring.ts — monitoring and the guard, measured:
//  1. time from fault onset (the label that completes min_samples arrives) to rollback committed
//     and to the gateway answering from the good version again;
//  2. serving throughput with monitoring on vs off, in the same run (alternating rounds);
//  3. one million retained predictions: write rate, database size, process memory, and the
//     cost of one guard evaluation over them (SQLite; PostgreSQL too with --pg and STAGECRAFT_TEST_PG_URL).
// BENCH_TARGET_NODE_ARGS adds node flags to the serving processes (e.g. "--cpu-prof --cpu-prof-dir=/tmp/p").
// Flags: --runs N (fault runs, default 5), --duration S (whole seconds per throughput round, default 2),
//        --procs N (fresh on/off process pairs per comparison, default 8), --pairs N (round pairs per process pair, 4),
//        --connections N (8), --loadgen autocannon|wrk (wrk: the Debian package, a fifth of the CPU), --rows N (retained predictions, default 1000000), --pg,
//        --sections fault,throughput,throughput-mlp,cost,retained (the default), and not by default the
//        controls throughput-control (a thread burning CPU), throughput-aa (off vs off) and
//        throughput-parts (each part of monitoring alone; --parts registered,noop,discard), throughput-pg (with --pg: served from PostgreSQL),
//        --burn-us N (the control's CPU per request on a second thread, default 5).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { defaultConfig } from '../src/config.js';
import { createDeps, type Deps } from '../src/deps.js';
import { createLogger } from '../src/log.js';
import { measure } from '../src/observe/guard/measure.js';
import { findPredictions, saveLabels } from '../src/observe/records/labels-store.js';
import { DEMO_POLICY, FRAUD_FEATURES, FRAUD_V1, FRAUD_V2, fraudModel, transactions, v2InferBody } from '../src/observe/demo-scenario.js';
import { observeExtension } from '../src/observe/observe-extension.js';
import { buildServer, serverExtensions } from '../src/server.js';
import { DEFAULT_RETENTION, RecordWriter } from '../src/observe/records/record-writer.js';
import { validateRule } from '../src/observe/policies/policies.js';
import { benchTempDir, cannon, flag, wrkLoad } from './harness.js';
import { startTarget, type Target, type TargetUsage } from './targets.js';
import { requestId } from '../src/http/request-id.js';

const RUNS = Number(flag('runs', '5'));
const DURATION = Number(flag('duration', '2'));
const PAIRS = Number(flag('pairs', '4'));
const PROCS = Number(flag('procs', '8'));
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const CONNECTIONS = Number(flag('connections', '8'));
const ROWS = Number(flag('rows', '1000000'));
const LOADGEN = flag('loadgen', 'autocannon');
const WITH_PG = process.argv.includes('--pg') && !!process.env.STAGECRAFT_TEST_PG_URL;
const INTERVAL_S = 1;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tmp = () => benchTempDir('stagecraft-bench-mon-');
const ms = (x: number) => `${x.toFixed(0)} ms`;
const mb = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MB`;

async function call(base: string, method: string, url: string, body?: unknown, type = 'application/json') {
  const res = await fetch(base + url, { method, headers: body === undefined ? {} : { 'content-type': type }, body: body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? (body as string) : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function startServer(monitoringOn: boolean) {
  const deps = await createDeps({ ...defaultConfig(), dataDir: tmp(), logLevel: 'silent' }, { log: createLogger('silent') });
  // The guard's timer ticks every 100 ms; each policy is evaluated on its own interval.
  const ext = serverExtensions({ observe: { guard: { tickMs: 100 } } });
  const { app } = await buildServer(deps, monitoringOn ? ext.pick('serving', 'observe') : ext.pick('serving'));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return { base, deps, close: async () => (await app.close(), await deps.close()) };
}

async function setUpModel(base: string, name: string) {
  await call(base, 'POST', '/api/v1/models', { name });
  for (const [v, w] of [[1, FRAUD_V1], [2, FRAUD_V2]] as const) {
    const blob = await call(base, 'POST', '/api/v1/blobs', fraudModel(w, `${name} v${v}`), 'application/octet-stream');
    await call(base, 'POST', `/api/v1/models/${name}/versions`, { files: [{ path: 'model.onnx', sha256: blob.sha256 }], tags: { 'stagecraft.feature_names': FRAUD_FEATURES.join(',') } });
  }
}

async function servingVersion(base: string, name: string, version: number, timeoutMs = 20_000) {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    try {
      const r = await call(base, 'POST', `/v2/models/${name}/infer`, v2InferBody(transactions(1, 1)[0]));
      if (Number(r.model_version) === version) return performance.now();
    } catch {
      // loading
    }
    await sleep(5);
  }
  throw new Error(`${name} never served v${version}`);
}

async function faultToRollback() {
  const s = await startServer(true);
  const decided: number[] = [];
  const served: number[] = [];
  try {
    for (let run = 0; run < RUNS; run++) {
      const name = `fraud-${run}`;
      await setUpModel(s.base, name);
      await call(s.base, 'POST', `/api/v1/models/${name}/versions/1/stage`, { stage: 'Production' });
      await call(s.base, 'PUT', `/api/v1/models/${name}/policy`, { ...DEMO_POLICY, interval_seconds: INTERVAL_S });
      await call(s.base, 'POST', `/api/v1/models/${name}/versions/2/stage`, { stage: 'Production', archive_existing_versions: true });
      await servingVersion(s.base, name, 2);
      const txs = transactions(300, 100 + run);
      const items = [];
      for (const t of txs) items.push({ request_id: (await call(s.base, 'POST', `/v2/models/${name}/infer`, v2InferBody(t))).id, label: t.fraud });
      const min = DEMO_POLICY.rules[0].min_samples;
      await call(s.base, 'POST', `/api/v1/models/${name}/feedback`, { items: items.slice(0, min - 1) });
      await sleep(INTERVAL_S * 1000 * 1.5); // the guard sees too few labels: inconclusive, no action
      // Fault onset: the label that completes min_samples arrives.
      await call(s.base, 'POST', `/api/v1/models/${name}/feedback`, { items: items.slice(min - 1, min) });
      const t0 = performance.now();
      const wall0 = Date.now();
      let event: { time_ms: number } | undefined;
      for (let i = 0; i < 2000 && !event; i++) {
        event = (await call(s.base, 'GET', `/api/v1/events?model=${name}&type=rollback`)).events[0];
        if (!event) await sleep(5);
      }
      if (!event) throw new Error('no rollback');
      decided.push(event.time_ms - wall0);
      served.push((await servingVersion(s.base, name, 1)) - t0);
    }
  } finally {
    await s.close();
  }
  const sorted = (xs: number[]) => xs.slice().sort((a, b) => a - b);
  console.log(`\n1. Fault onset -> rollback (${RUNS} runs, policy interval ${INTERVAL_S} s, guard timer 100 ms, min_samples 100)`);
  console.log(`   rollback committed : median ${ms(sorted(decided)[Math.floor(RUNS / 2)])}, max ${ms(Math.max(...decided))}`);
  console.log(`   gateway on v1 again: median ${ms(sorted(served)[Math.floor(RUNS / 2)])}, max ${ms(Math.max(...served))}  (aim: <= interval + 1 s = ${ms(INTERVAL_S * 1000 + 1000)})`);
}

type MonitoringUsage = TargetUsage & { retained: number; dropped: number };

/** A serving process (bench/monitoring-target.ts) with monitoring on or off. */
async function startMonitoringTarget(side: string, model: 'logreg' | 'mlp', databaseUrl = '') {
  return startTarget<MonitoringUsage>(import.meta.url, 'monitoring-target', [side, model, databaseUrl], process.env.BENCH_TARGET_NODE_ARGS?.split(' ').filter(Boolean) ?? []);
}

/**
 * treatment: 'on' (monitoring), or a mode of bench/monitoring-target.ts that takes it apart ('off' is an A/A run).
 * Two identical processes can differ by several per cent for as long as they live (an A/A run with one
 * process pair read 0.964 once and 1.067 another time), so the sides are started afresh PROCS times, in
 * alternating order, and each process pair runs PAIRS pairs of rounds.
 */
async function throughput(model: 'logreg' | 'mlp', treatment = 'on', pg = false) {
  const rounds: Record<'on' | 'off', Array<{ rps: number; cpuUsPerReq: number; mainUsPerReq: number; gcUsPerReq: number }>> = { on: [], off: [] };
  const perProcs: number[] = [];
  let retained = { retained: 0, dropped: 0 };
  const body = JSON.stringify(v2InferBody(transactions(1, 5)[0]));
  for (let p = 0; p < PROCS; p++) {
    // On PostgreSQL each side gets its own fresh database on the same server.
    const start = async (side: 'on' | 'off') => startMonitoringTarget(side === 'on' ? treatment : 'off', model, pg ? await freshPg() : '');
    const targets = {} as Record<'on' | 'off', Target<MonitoringUsage>>;
    for (const side of (p % 2 ? ['on', 'off'] : ['off', 'on']) as Array<'on' | 'off'>) targets[side] = await start(side);
    try {
      const load = async (side: 'on' | 'off', duration: number) => {
        const before = await targets[side].usage();
        const r = await (LOADGEN === 'wrk' ? wrkLoad : cannon)(`${targets[side].base}/v2/models/fraud/infer`, body, { duration, connections: CONNECTIONS });
        const after = await targets[side].usage();
        if (r.errors) throw new Error(`errors during load: ${r.errors}`);
        if (side === 'on') retained = { retained: retained.retained + after.retained - before.retained, dropped: retained.dropped + after.dropped - before.dropped };
        // Per thread: the main (serving) thread, and the rest (SQLite writer, V8 and ONNX Runtime helpers).
        const mainUs = ((after.threads.main - before.threads.main) * 1000) / r.total;
        return { rps: r.rps, cpuUsPerReq: ((after.cpuMs - before.cpuMs) * 1000) / r.total, mainUsPerReq: mainUs, gcUsPerReq: ((after.gcMs - before.gcMs) * 1000) / r.total };
      };
      // Warm both (JIT, runtime sessions), then pairs in alternating order (on-off, off-on, …) so a
      // change in the shared machine's load hits both sides of most pairs alike.
      await load('off', 2);
      await load('on', 2);
      const first = rounds.on.length;
      for (let i = 0; i < PAIRS; i++) {
        for (const side of (i % 2 ? ['off', 'on'] : ['on', 'off']) as Array<'on' | 'off'>) rounds[side].push(await load(side, DURATION));
      }
      perProcs.push(median(rounds.on.slice(first).map((r, i) => r.rps / rounds.off[first + i].rps)));
    } finally {
      await targets.on.close();
      await targets.off.close();
    }
  }
  const ratios = rounds.on.map((r, i) => r.rps / rounds.off[i].rps);
  const fmtRps = (side: 'on' | 'off') => rounds[side].map((r) => r.rps.toFixed(0)).join(', ');
  const section = treatment !== 'on' ? '2d' : pg ? '2e' : model === 'mlp' ? '2c' : '2';
  console.log(`\n${section}. Serving throughput${pg ? ' on PostgreSQL (same box)' : ''}, ${model === 'mlp' ? 'a 4-1024-1024-1 MLP' : 'the demo logistic regression'}, ${LOADGEN} with ${CONNECTIONS} connections; ${PROCS} process pairs (started afresh, alternating order) × ${PAIRS} pairs of ${DURATION} s rounds (alternating order, after a warm-up)`);
  if (treatment.startsWith('burn:')) console.log(`   control: "on" is monitoring OFF plus a second thread burning ${treatment.slice(5)} us of CPU per request (what the prediction writer spends per row)`);
  if (treatment === 'off') console.log('   A/A: both sides monitoring OFF — the spread of the ratios is the noise floor of this machine');
  if (treatment === 'registered') console.log('   "on" registers the monitoring module (guard, webhooks, idle writer thread) but observes nothing');
  if (treatment === 'noop') console.log('   "on" builds every observation for an observer that does nothing with it');
  if (treatment === 'discard') console.log('   "on" is monitoring on, but the writer discards each batch instead of writing it');
  console.log(`   monitoring off: median ${median(rounds.off.map((r) => r.rps)).toFixed(0)} req/s  (${fmtRps('off')}); server CPU ${median(rounds.off.map((r) => r.cpuUsPerReq)).toFixed(1)} us/request (main thread ${median(rounds.off.map((r) => r.mainUsPerReq)).toFixed(1)}, GC pauses ${median(rounds.off.map((r) => r.gcUsPerReq)).toFixed(2)})`);
  console.log(`   monitoring on : median ${median(rounds.on.map((r) => r.rps)).toFixed(0)} req/s  (${fmtRps('on')}); server CPU ${median(rounds.on.map((r) => r.cpuUsPerReq)).toFixed(1)} us/request (main thread ${median(rounds.on.map((r) => r.mainUsPerReq)).toFixed(1)}, GC pauses ${median(rounds.on.map((r) => r.gcUsPerReq)).toFixed(2)})`);
  console.log(`   ratio on/off per pair: ${ratios.map((x) => x.toFixed(3)).join(', ')}`);
  console.log(`   median ratio per process pair: ${perProcs.map((x) => x.toFixed(3)).join(', ')}`);
  console.log(`   median ratio on/off  : ${median(ratios).toFixed(3)}  (aim: >= 0.95); predictions retained ${retained.retained.toLocaleString('en')}, dropped ${retained.dropped.toLocaleString('en')}`);
}

/** CPU the monitoring path adds per request, measured directly (immune to other load on the box). */
async function perRequestCost() {
  const deps = await createDeps({ ...defaultConfig(), dataDir: tmp(), logLevel: 'silent' }, { log: createLogger('silent') });
  const mon = observeExtension();
  const writer = new RecordWriter(deps, { ...DEFAULT_RETENTION, flushMs: 1_000_000 });
  mon.attach(writer);
  const N = 50_000;
  const txs = transactions(1000, 3);
  let observeUs = 0;
  let writeUs = 0;
  for (let round = 0; round < 3; round++) {
    // Built before timing: the gateway hands observe() a ready observation.
    const observations = Array.from({ length: N }, (_, i) => {
      const t = txs[i % txs.length];
      return {
        model: 'fraud', version: 1, binding: 'stage:Production', requestId: requestId(), time: Date.now(), latencyMs: 1.5, outcome: 'ok' as const,
        inputs: Object.fromEntries(FRAUD_FEATURES.map((f, j) => [f, [t.features[j]]])), predictions: [0.3],
      };
    });
    const t0 = performance.now();
    for (const o of observations) mon.observer.observe(o);
    // Folding the live stats and Prometheus tallies belongs to the serving thread's share: it runs
    // when a batch seals (inside observe()) and for the last, partial batch here.
    writer.foldPending();
    const t1 = performance.now();
    await writer.flush();
    // The last round counts: the first ones warm the JIT.
    observeUs = ((t1 - t0) * 1000) / N;
    writeUs = ((performance.now() - t1) * 1000) / N;
  }
  await writer.stop();
  await deps.close();
  console.log(`\n2b. Monitoring cost per request (SQLite, 4 features, 1 prediction; measured directly over ${N.toLocaleString('en')} requests)`);
  console.log(`   serving thread: ${observeUs.toFixed(2)} us per request (observe() appends to the batch; the live stats and Prometheus tallies are folded from it); batched write (SQLite: in a worker thread): ${writeUs.toFixed(1)} us wall per row`);
}

async function freshPg(): Promise<string> {
  const admin = new pg.Client({ connectionString: process.env.STAGECRAFT_TEST_PG_URL });
  await admin.connect();
  const db = `sc_bench_${randomBytes(4).toString('hex')}`;
  await admin.query(`CREATE DATABASE ${db}`);
  await admin.end();
  const url = new URL(process.env.STAGECRAFT_TEST_PG_URL!);
  url.pathname = `/${db}`;
  return url.toString();
}

async function retained(kind: 'sqlite' | 'postgres') {
  const dataDir = tmp();
  const deps: Deps = await createDeps({ ...defaultConfig(), dataDir, databaseUrl: kind === 'postgres' ? await freshPg() : null, logLevel: 'silent' }, { log: createLogger('silent') });
  const writer = new RecordWriter(deps, { ...DEFAULT_RETENTION, flushMs: 1_000_000, batchSize: 1000 });
  const rssBefore = process.memoryUsage().rss;
  let peakRss = rssBefore;
  const start = Date.now() - ROWS; // one prediction per millisecond, ending now
  const txs = transactions(10_000, 77);
  // Ground truth will come for 20,000 predictions of the last 600 s: their ids are kept.
  const labels = Math.min(20_000, ROWS);
  const labeled = new Map<number, string>();
  for (let k = 0; k < labels; k++) labeled.set(ROWS - 1 - Math.floor((k * Math.min(ROWS, 600_000)) / labels), '');
  const t0 = performance.now();
  for (let i = 0; i < ROWS; i++) {
    const t = txs[i % txs.length];
    // Server-issued ids (UUIDv7, their arrival time in them), as the gateway hands out.
    const id = requestId(start + i);
    if (labeled.has(i)) labeled.set(i, id);
    writer.push({
      model: 'fraud', version: 1, binding: 'stage:Production', requestId: id, time: start + i, latencyMs: 2.5, outcome: 'ok',
      inputs: Object.fromEntries(FRAUD_FEATURES.map((f, j) => [f, [t.features[j]]])),
      predictions: [t.fraud ? 0.9 : 0.1],
    });
    if (i % 10_000 === 9_999) {
      await writer.flush();
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }
  }
  await writer.flush();
  const writeS = (performance.now() - t0) / 1000;
  let size = 0;
  if (kind === 'sqlite') {
    for (const f of fs.readdirSync(dataDir)) if (f.startsWith('registry.sqlite')) size += fs.statSync(path.join(dataDir, f)).size;
  } else {
    const c = new pg.Client({ connectionString: deps.config.databaseUrl! });
    await c.connect();
    size = Number((await c.query(`select pg_total_relation_size('mon_segments') + pg_total_relation_size('mon_request_ids') as s`)).rows[0].s);
    await c.end();
  }
  // The labels arrive, each found by its request id as feedback finds it.
  const f0 = performance.now();
  // As POST /feedback does: up to 10,000 items per request, found first, then written in one transaction.
  const pending = [...labeled];
  for (let k = 0; k < pending.length; k += 10_000) {
    const part = pending.slice(k, k + 10_000);
    const refs = await findPredictions(deps.db, 'fraud', part.map(([, id]) => ({ request_id: id, row: 0 })));
    if (refs.some((r) => !r)) throw new Error('a retained prediction was not found');
    await deps.db.transaction().execute((trx) => saveLabels(trx, 'fraud', refs.map((ref, j) => ({ ref: ref!, label: txs[part[j][0] % txs.length].fraud ? 1 : 0 })), 'bench', Date.now()));
  }
  const f1 = performance.now();
  const evals: string[] = [];
  for (const metric of ['recall', 'error_rate', 'latency_p99_ms'] as const) {
    const rule = validateRule({ metric, ...(metric === 'recall' ? { min: 0.8 } : { max: 1000 }), window_seconds: 600 }, 0);
    const e0 = performance.now();
    await measure(deps, 'fraud', 1, rule, Date.now());
    evals.push(`${metric} ${ms(performance.now() - e0)}`);
  }
  await writer.stop();
  await deps.close();
  console.log(`\n3. ${ROWS.toLocaleString('en')} retained predictions on ${kind} (4 features each)`);
  console.log(`   write: ${writeS.toFixed(1)} s (${(ROWS / writeS).toFixed(0)} rows/s, batched 1,000 per insert, off the request path)`);
  console.log(`   on disk: ${mb(size)} (${(size / ROWS).toFixed(0)} bytes/prediction incl. indexes, before labels); process RSS growth while writing: ${mb(peakRss - rssBefore)} (the write buffer is bounded; retained rows live in the database)`);
  console.log(`   feedback: ${labels.toLocaleString('en')} labels (requests of 10,000) joined to their predictions by request id in ${ms(f1 - f0)} (${(labels / ((f1 - f0) / 1000)).toFixed(0)} labels/s)`);
  console.log(`   one guard evaluation over a 600 s window (${Math.min(ROWS, 600_000).toLocaleString('en')} predictions in it, ${labels.toLocaleString('en')} labeled): ${evals.join(', ')}`);
}

console.log(`Stagecraft monitoring benchmark — node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'})`);
const SECTIONS = flag('sections', 'fault,throughput,throughput-mlp,cost,retained').split(',');
if (SECTIONS.includes('fault')) await faultToRollback();
if (SECTIONS.includes('throughput')) await throughput('logreg');
if (SECTIONS.includes('throughput-mlp')) await throughput('mlp');
// Not run by default: how much a second thread's CPU costs serving on this machine.
if (SECTIONS.includes('throughput-control')) await throughput('logreg', `burn:${flag('burn-us', '5')}`);
if (SECTIONS.includes('throughput-aa')) await throughput('logreg', 'off');
if (SECTIONS.includes('throughput-pg') && WITH_PG) await throughput('logreg', 'on', true);
// Where the cost is: each part of monitoring alone, against off.
if (SECTIONS.includes('throughput-parts')) for (const part of (flag('parts', 'registered,noop,discard')).split(',')) await throughput('logreg', part);
if (SECTIONS.includes('cost')) await perRequestCost();
if (SECTIONS.includes('retained')) {
  await retained('sqlite');
  if (WITH_PG) await retained('postgres');
}
