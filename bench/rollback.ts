// npm run bench:rollback — prepare, commit, confirm timed under load: the registry's embedded gateway
// alone, and the registry (embedded gateway off) with three standalone replicas; each with the
// destination warm (the standby of the last move) and cold (standbys released, so prepare loads
// it). Every move is a rollback between versions 1 and 2 (force: the version rolled back from is
// marked failed, and the next rollback takes it back). The baseline, measured in the same run, is the
// same rollback with no gateway at all: commit only.
// Flags: --rollbacks N (default 20), --connections N (autocannon connections per serving URL,
// default 2), --db sqlite|postgres (postgres needs STAGECRAFT_TEST_PG_URL, an admin URL).
import os from 'node:os';
import type { AddressInfo } from 'node:net';
import type { ReplicaPhase } from '../src/registry/index.js';
import { buildGatewayApp, buildServer, serverExtensions, type GatewayApp } from '../src/server.js';
import type { Gateway } from '../src/serving/gateway/gateway.js';
import { createLogger } from '../src/log.js';
import type { DenseModelSpec } from '../src/onnx/onnx-builder.js';
import { benchDeps, benchTempDir, cannon, flag, type LoadResult, must, seedProduction } from './harness.js';
import { percentile, request } from './http-client.js';

const ROLLBACKS = Number(flag('rollbacks', '20'));
const CONNECTIONS = Number(flag('connections', '2'));
const DB = flag('db', 'sqlite') as 'sqlite' | 'postgres';
const PG_ADMIN = process.env.STAGECRAFT_TEST_PG_URL ?? '';
/** Seconds per autocannon run; runs follow each other until the rollbacks are done. */
const LOAD_CHUNK_S = 4;
/** Cold: a replaced version is released this long after it stops serving (the sweep runs as often). */
const COLD_STANDBY_MS = 200;
const HEARTBEAT_MS = Number(flag('heartbeat-ms', '2000'));
const log = createLogger('silent');
const spec = (v: number): DenseModelSpec => ({ weights: [0.1 * v, -0.2, 0.3, 0.05, -0.4, 0.6, 0.7, -0.8], bias: v / 10, activation: 'sigmoid', doc: `v${v}` });
const BODY = JSON.stringify({ inputs: [{ name: 'input', shape: [1, 8], datatype: 'FP32', data: [0.5, 1.2, -0.3, 2.2, 0.1, -1.5, 0.9, 0.4] }] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Setup {
  base: string;
  /** The gateways serving `bench` (their slots tell what is loaded) and the URLs they answer at. */
  gateways: Gateway[];
  urls: string[];
  close(): Promise<void>;
}

/** A registry with `bench` v1 then v2 in Production; its embedded gateway on or off. */
async function registry(embedded: boolean, standbyMs: number) {
  const deps = await benchDeps(DB, PG_ADMIN);
  const ext = serverExtensions({ serving: { embedded, gateway: { heartbeatMs: HEARTBEAT_MS, standbyMs } } });
  const { app } = await buildServer(deps, ext.pick('serving'));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  await seedProduction(base, 'bench', [spec(1), spec(2)]);
  const close = async () => {
    await app.close();
    await deps.close();
  };
  return { base, gateway: embedded ? ext.serving.gateway() : null, close };
}

async function embeddedSetup(standbyMs: number): Promise<Setup> {
  const reg = await registry(true, standbyMs);
  return { base: reg.base, gateways: [reg.gateway!], urls: [reg.base], close: reg.close };
}

async function replicaSetup(standbyMs: number): Promise<Setup> {
  const reg = await registry(false, standbyMs);
  const replicas: GatewayApp[] = [];
  for (let i = 0; i < 3; i++) {
    const cacheDir = benchTempDir('sc-bench-rb-gw-');
    const replica = buildGatewayApp({ registry: reg.base, cacheDir, retryMs: 100, heartbeatMs: HEARTBEAT_MS, standbyMs }, log);
    await replica.listen();
    replicas.push(replica);
  }
  const close = async () => {
    for (const r of replicas) await r.close();
    await reg.close();
  };
  return { base: reg.base, gateways: replicas.map((r) => r.gateway), urls: replicas.map((r) => r.url), close };
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const loaded = (gw: Gateway) => gw.slots.get('bench')?.loaded ?? new Map();

/** Every gateway serves v2 and, warm, holds v1 as standby; cold, holds nothing else. */
async function settle(s: Setup, warm: boolean): Promise<void> {
  await until('every gateway to serve v2', () => s.gateways.every((g) => g.slots.get('bench')?.current?.version === 2));
  await until(warm ? 'the v1 standby' : 'the standbys to be released', () => s.gateways.every((g) => (warm ? loaded(g).has(1) : loaded(g).size === 1)));
  // Each replica heartbeats its state before the first move counts it live.
  const status = async () => (await must(request(s.base, 'GET', '/api/v1/models/bench/status'))) as { replicas: unknown[]; converged: boolean };
  await until('every replica in status', async () => {
    const st = await status();
    return st.converged && st.replicas.length === s.gateways.length;
  });
}

interface Phases {
  prepare_ms: number;
  commit_ms: number;
  confirm_ms: number;
  confirmed: boolean;
  replicas: ReplicaPhase[];
}

interface Series {
  prepare: number[];
  commit: number[];
  confirm: number[];
  total: number[];
  /** Answers whose phases were not confirmed, or with a replica missing, not ready or not serving. */
  unconfirmed: string[];
}

/** Rolls Production back and forth between v1 and v2, `n` times; cold, waits for the destination to be released first. */
async function rollbacks(s: Setup | { base: string; gateways: Gateway[] }, n: number, warm: boolean): Promise<Series> {
  const out: Series = { prepare: [], commit: [], confirm: [], total: [], unconfirmed: [] };
  let current = 2;
  for (let i = 0; i < n; i++) {
    const to = current === 2 ? 1 : 2;
    if (warm) await until(`v${to} warm`, () => s.gateways.every((g) => loaded(g).has(to)));
    else await until(`v${to} released`, () => s.gateways.every((g) => !loaded(g).has(to)));
    const t0 = performance.now();
    const r = await request(s.base, 'POST', '/api/v1/models/bench/rollback', { to_version: to, from_version: current, force: true, reason: `bench ${i}` });
    const wall = performance.now() - t0;
    if (r.status !== 200) throw new Error(`rollback ${i} answered ${r.status}: ${r.body}`);
    const phases = (JSON.parse(r.body) as { phases: Phases }).phases;
    out.prepare.push(phases.prepare_ms);
    out.commit.push(phases.commit_ms);
    out.confirm.push(phases.confirm_ms);
    out.total.push(wall);
    const bad = phases.replicas.filter((p) => p.prepare !== 'ready' || p.confirm !== 'serving');
    if (!phases.confirmed || bad.length > 0 || phases.replicas.length !== s.gateways.length) {
      out.unconfirmed.push(`#${i} -> v${to}: confirmed=${phases.confirmed}, ${phases.replicas.length} replicas; ${bad.map((p) => `${p.replica_id} ${p.prepare}/${p.confirm} ${p.reason ?? ''}`).join('; ')}`);
    }
    current = to;
  }
  return out;
}

interface LoadTotals {
  total: number;
  failed: number;
  shed: number;
}

/** autocannon (in its own processes) on every serving URL, back to back, for as long as `work` runs. */
async function underLoad<T>(urls: string[], work: () => Promise<T>): Promise<{ result: T; load: LoadTotals }> {
  let done = false;
  const loops = urls.map(async (url) => {
    const runs: LoadResult[] = [];
    while (!done) runs.push(await cannon(`${url}/v2/models/bench/infer`, BODY, { duration: LOAD_CHUNK_S, connections: CONNECTIONS }));
    return runs;
  });
  await sleep(1000); // autocannon is up and the servers are busy
  let result: T;
  try {
    result = await work();
  } finally {
    done = true;
  }
  return { result, load: totals((await Promise.all(loops)).flat()) };
}

function totals(runs: LoadResult[]): LoadTotals {
  const t = { total: 0, failed: 0, shed: 0 };
  for (const r of runs) {
    const shed = r.statuses?.['503'] ?? 0;
    t.total += r.total;
    t.shed += shed;
    t.failed += r.errors - shed;
  }
  return t;
}

const ms = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-').padStart(7);
function triple(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  return `${ms(percentile(s, 50))}${ms(percentile(s, 99))}${ms(s[s.length - 1] ?? NaN)}`;
}

function printHeader(): void {
  const h = (name: string) => `${name.padStart(21)}`;
  console.log(`\n${'setup'.padEnd(34)}${h('prepare p50/p99/max')}${h('commit p50/p99/max')}${h('confirm p50/p99/max')}${h('total p50/p99/max')}  unconfirmed  inference ok / failed / 503`);
}

function printRow(name: string, s: Series, load: LoadTotals | null): void {
  const inference = load ? `${load.total - load.failed - load.shed} / ${load.failed} / ${load.shed}` : '(no load)';
  console.log(`${name.padEnd(34)}${triple(s.prepare)}${triple(s.commit)}${triple(s.confirm)}${triple(s.total)}  ${String(s.unconfirmed.length).padStart(11)}  ${inference}`);
  for (const u of s.unconfirmed) console.log(`    not confirmed everywhere: ${u}`);
}

async function main() {
  if (DB === 'postgres' && !PG_ADMIN) throw new Error('--db postgres needs STAGECRAFT_TEST_PG_URL (a PostgreSQL admin URL)');
  console.log(`bench:rollback — ${os.cpus().length} CPUs, node ${process.version}, ${DB}, ${ROLLBACKS} rollbacks per row, autocannon ${CONNECTIONS} connections per serving URL`);
  console.log('times in ms; prepare/commit/confirm from the answer\'s phases, total = client wall time of POST /rollback');
  printHeader();

  // Baseline: no gateway anywhere (embedded off, no replica) — the move is its commit.
  const bare = await registry(false, COLD_STANDBY_MS);
  const baseline = await rollbacks({ base: bare.base, gateways: [] }, ROLLBACKS, true);
  await bare.close();
  printRow('baseline: no gateway (commit only)', baseline, null);

  const rows: Array<{ name: string; replicas: number; warm: boolean; s: Series; load: LoadTotals }> = [];
  for (const [name, make] of [
    ['embedded gateway', embeddedSetup],
    ['3 replicas (embedded off)', replicaSetup],
  ] as const) {
    for (const warm of [true, false]) {
      const setup = await make(warm ? 30 * 60_000 : COLD_STANDBY_MS);
      try {
        await settle(setup, warm);
        const { result, load } = await underLoad(setup.urls, () => rollbacks(setup, ROLLBACKS, warm));
        const row = { name: `${name}, ${warm ? 'warm' : 'cold'}`, replicas: setup.gateways.length, warm, s: result, load };
        rows.push(row);
        printRow(row.name, row.s, row.load);
      } finally {
        await setup.close();
      }
    }
  }

  const p99 = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 99);
  const base = p99(baseline.total);
  console.log('\ntotal p99 / baseline total p99 (what prepare + confirm add to the commit):');
  for (const r of rows) console.log(`  ${r.name.padEnd(32)} ${(p99(r.s.total) / base).toFixed(1)}x`);
  const aim = rows.find((r) => r.replicas === 3 && r.warm)!;
  const failed = rows.reduce((n, r) => n + r.load.failed, 0);
  const pass = p99(aim.s.total) <= 250 && aim.s.unconfirmed.length === 0;
  console.log(`\naim: warm rollback confirmed on three replicas <= 250 ms p99: ${p99(aim.s.total).toFixed(1)} ms, ${aim.s.unconfirmed.length} unconfirmed -> ${pass ? 'PASS' : 'FAIL'}`);
  console.log(`failed inference requests during the rollbacks (aim 0): ${failed}${failed === 0 ? '' : ' -> FAIL'}; load-shed 503s: ${rows.reduce((n, r) => n + r.load.shed, 0)}`);
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
