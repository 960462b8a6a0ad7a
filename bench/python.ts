// npm run bench:python — the same scikit-learn model (iris, LogisticRegression, saved by
// mlflow.sklearn.save_model) through Stagecraft's Python runtime and through `mlflow models serve`
// (../shared/mlflow, --env-manager local; its default of 1 worker, and 2), all started here in the
// same run. MLflow's /invocations with dataframe_split, 1-row and 100-row bodies, at 4 and 16
// connections (autocannon in its own process); req/s, p50, p99 and Stagecraft's ratios to each.
// All four servers are up together and each load runs against each of them in turn.
// Then the gateway's overhead over the worker's own predict time (the gateway's handling time, from
// its observer, against the predict time the worker reports in each frame; p50 of each, serial
// 1-row requests), and rollbacks between two warm Python versions: from the rollback call's return
// to the first answer from the old version ("flip").
// Flags: --duration S (per load run, default 5), --rollbacks N (default 20),
// --stagecraft-workers N (default 1; Stagecraft also runs with 2). 127.0.0.1 only; every process
// and temp directory it starts is gone when it ends.
// Needs STAGECRAFT_PYTHON (default /usr/bin/python3) and ../shared/mlflow (its setup.sh).
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { buildServer, serverExtensions } from '../src/server.js';
import type { InferenceObservation } from '../src/serving/gateway/observer.js';
import type { PythonRuntime } from '../src/serving/gateway/runtimes/python-runtime.js';
import { defaultConfig } from '../src/config.js';
import { createDeps } from '../src/deps.js';
import { createLogger } from '../src/log.js';
import { benchTempDir, cannon, flag, type LoadResult, must, removeBenchTempDir } from './harness.js';
import { percentile, request } from './http-client.js';
import { MLFLOW_DIR } from '../test/mlflow-clients/mlflow-dist.js';
import { freePort } from '../test/free-port.js';

const DURATION = Number(flag('duration', '5'));
const ROLLBACKS = Number(flag('rollbacks', '20'));
/** --only stagecraft: skip mlflow models serve and the 2-worker run (quick look at overhead and rollback). */
const ONLY = flag('only', null);
/** Micro-batching settings to try (default: the gateway's defaults; 0 turns it off). */
const BATCH = { rows: flag('batch-rows', null), waitMs: flag('batch-wait-ms', null) };
const PYTHON = process.env.STAGECRAFT_PYTHON ?? '/usr/bin/python3';
const MLFLOW_HOME = MLFLOW_DIR; // ../shared/mlflow or STAGECRAFT_MLFLOW_DIR (one locator: mlflow-dist.ts)
const ENV = {
  PYTHONPATH: [`${MLFLOW_HOME}/3.x`, `${MLFLOW_HOME}/deps3`, `${MLFLOW_HOME}/deps`].join(':'),
  PYTHONNOUSERSITE: '1',
  GIT_PYTHON_REFRESH: 'quiet',
  MLFLOW_DISABLE_TELEMETRY: 'true',
  DO_NOT_TRACK: 'true',
};
Object.assign(process.env, ENV); // the gateway's workers inherit it
const COLUMNS = ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)'];
const row = (i: number) => [4.3 + (i % 36) / 10, 2 + (i % 24) / 10, 1 + (i % 59) / 10, 0.1 + (i % 24) / 10];
const body = (n: number) => JSON.stringify({ dataframe_split: { columns: COLUMNS, data: Array.from({ length: n }, (_, i) => row(i)) } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tmp = benchTempDir('stagecraft-bench-py-');
const children = new Set<ChildProcess>();

function models(): string {
  execFileSync(PYTHON, [path.resolve('test/fixtures/make_python_models.py'), path.join(tmp, 'models')], { env: { ...process.env }, stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
  return path.join(tmp, 'models');
}

function filesOf(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true }).map(String).filter((f) => fs.statSync(path.join(dir, f)).isFile());
}

/** `mlflow models serve` in its own process group, ready once /ping answers. */
async function mlflowServe(dir: string, workers: number): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  // mlflow models serve runs `uvicorn` from PATH; Debian's python3-uvicorn ships the module only.
  const bin = path.join(tmp, 'bin');
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(path.join(bin, 'uvicorn'), `#!/bin/sh\nexec ${PYTHON} -m uvicorn "$@"\n`, { mode: 0o755 });
  const child = spawn(PYTHON, ['-m', 'mlflow', 'models', 'serve', '-m', dir, '--env-manager', 'local', '-h', '127.0.0.1', '-p', String(port), '-w', String(workers)], {
    env: { ...process.env, ...ENV, PATH: `${bin}:${process.env.PATH ?? ''}` },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  children.add(child);
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mlflow models serve exited: ${err}`);
    if (Date.now() > deadline) throw new Error(`mlflow models serve did not answer /ping: ${err}`);
    const ok = await request(url, 'GET', '/ping').then((r) => r.status === 200, () => false);
    if (ok) break;
    await sleep(250);
  }
  const stop = async () => {
    const gone = new Promise((r) => child.once('exit', r));
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      // gone already
    }
    await Promise.race([gone, sleep(5000)]);
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
    children.delete(child);
  };
  return { url, stop };
}

async function register(base: string, name: string, dir: string): Promise<void> {
  const files = [];
  for (const f of filesOf(dir)) {
    const { sha256 } = await must(request(base, 'POST', '/api/v1/blobs', fs.readFileSync(path.join(dir, f))));
    files.push({ path: `model/${f}`, sha256 });
  }
  await must(request(base, 'POST', `/api/v1/models/${name}/versions`, { files }));
}

async function promote(base: string, name: string, version: number): Promise<void> {
  await must(request(base, 'POST', `/api/v1/models/${name}/versions/${version}/stage`, { stage: 'Production', archive_existing_versions: true }));
}

/** A registry with its embedded gateway serving `iris` v1 (iris_a) then v2 (iris_c), both warm. */
async function stagecraft(dir: string, workers: number) {
  // A Python load takes seconds on a busy machine: the move waits for it.
  const deps = await createDeps({ ...defaultConfig(), dataDir: path.join(tmp, `data-${workers}`), logLevel: 'silent', prepareDeadlineMs: 120_000 }, { log: createLogger('silent') });
  const handled: number[] = [];
  const observer = { observe: (o: InferenceObservation) => void handled.push(o.latencyMs) };
  const ext = serverExtensions({ serving: { gateway: { python: PYTHON, pythonWorkers: workers, pythonDir: path.join(tmp, `py-${workers}`),
        ...(BATCH.rows !== null && { pythonBatchRows: Number(BATCH.rows) }),
        ...(BATCH.waitMs !== null && { pythonBatchWaitMs: Number(BATCH.waitMs) }),
      },
    },
  });
  const { app } = await buildServer(deps, [...ext.pick('serving', 'observe'), { name: 'bench-latency', observers: [observer] }]);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  await must(request(base, 'POST', '/api/v1/models', { name: 'iris' }));
  await register(base, 'iris', path.join(dir, 'iris_a'));
  await register(base, 'iris', path.join(dir, 'iris_c'));
  await promote(base, 'iris', 2);
  await promote(base, 'iris', 1);
  const slot = () => ext.serving.gateway().find('iris')!;
  while (slot()?.current?.version !== 1 || !slot().loaded.has(2)) await sleep(50);
  const close = async () => {
    await app.close();
    await deps.close();
  };
  return { base, url: `${base}/models/iris/invocations`, handled, runtime: () => slot().current!.runtime as PythonRuntime, close };
}

const LOADS: Array<[rows: number, connections: number]> = [
  [1, 4],
  [1, 16],
  [100, 4],
  [100, 16],
];

/** The gateway's handling time against the worker's own predict time, p50 of each, serial 1-row requests. */
async function overhead(s: Awaited<ReturnType<typeof stagecraft>>): Promise<{ handled: number; predict: number; worker: number; client: number }> {
  const one = body(1);
  for (let i = 0; i < 200; i++) await request(s.base, 'POST', '/models/iris/invocations', one);
  s.handled.length = 0;
  const rt = s.runtime();
  const from = rt.predictCount;
  const client: number[] = [];
  for (let i = 0; i < 2000; i++) {
    const t0 = performance.now();
    await request(s.base, 'POST', '/models/iris/invocations', one);
    client.push(performance.now() - t0);
  }
  const predict: number[] = [];
  const worker: number[] = [];
  for (let k = Math.max(from, rt.predictCount - rt.predictMs.length); k < rt.predictCount; k++) {
    predict.push(rt.predictMs[k % rt.predictMs.length]);
    worker.push(rt.workerMs[k % rt.workerMs.length]);
  }
  predict.sort((a, b) => a - b);
  worker.sort((a, b) => a - b);
  const handled = [...s.handled].sort((a, b) => a - b);
  return { handled: percentile(handled, 50), predict: percentile(predict, 50), worker: percentile(worker, 50), client: percentile(client.sort((a, b) => a - b), 50) };
}

/** Rollbacks between the two warm versions: the call, and from its return to the first answer from the version rolled back to. */
async function rollbacks(s: Awaited<ReturnType<typeof stagecraft>>): Promise<{ call: number[]; flip: number[]; stale: number }> {
  const call: number[] = [];
  const flip: number[] = [];
  let stale = 0;
  let current = 1;
  for (let i = 0; i < ROLLBACKS; i++) {
    const to = current === 1 ? 2 : 1;
    const t0 = performance.now();
    const r = await request(s.base, 'POST', '/api/v1/models/iris/rollback', { to_version: to, from_version: current, force: true, reason: `bench ${i}` });
    const t1 = performance.now();
    if (r.status !== 200) throw new Error(`rollback answered ${r.status}: ${r.body}`);
    for (;;) {
      const v = await versionAnswering(s.base);
      if (v === to) break;
      stale++;
    }
    flip.push(performance.now() - t1);
    call.push(t1 - t0);
    current = to;
  }
  return { call, flip, stale };
}

async function versionAnswering(base: string): Promise<number> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const u = new URL('/models/iris/invocations', base);
    const payload = body(1);
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(Number(res.headers['stagecraft-model-version'])));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

const f1 = (x: number) => x.toFixed(1);
const f3 = (x: number) => x.toFixed(3);
const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);

function table(results: Array<[string, LoadResult[]]>): void {
  console.log(`\n${'server'.padEnd(34)} ${'load'.padEnd(16)} ${'req/s'.padStart(9)} ${'p50 ms'.padStart(8)} ${'p99 ms'.padStart(8)} ${'errors'.padStart(7)}`);
  for (const [name, rs] of results) {
    rs.forEach((r, i) => {
      const [rows, c] = LOADS[i];
      console.log(`${name.padEnd(34)} ${`${rows} row${rows > 1 ? 's' : ''}, ${c} conn`.padEnd(16)} ${f1(r.rps).padStart(9)} ${f1(r.p50).padStart(8)} ${f1(r.p99).padStart(8)} ${String(r.errors).padStart(7)}`);
    });
  }
}

function ratios(ours: [string, LoadResult[]], theirs: Array<[string, LoadResult[]]>): void {
  for (const [name, rs] of theirs) {
    console.log(`\n${ours[0]} / ${name}: throughput ×, p99 ×  (aim: ≥ 2× throughput, p99 ≤ 1×)`);
    rs.forEach((r, i) => {
      const [rows, c] = LOADS[i];
      const o = ours[1][i];
      console.log(`  ${`${rows} row${rows > 1 ? 's' : ''}, ${c} conn`.padEnd(16)} ${`${(o.rps / r.rps).toFixed(2)}×`.padStart(8)} ${`${(o.p99 / r.p99).toFixed(2)}×`.padStart(8)}`);
    });
  }
}

async function main(): Promise<void> {
  console.log(`bench:python — ${os.cpus().length} CPUs, node ${process.version}, ${PYTHON}, ${DURATION} s per load run (autocannon), 127.0.0.1`);
  const dir = models();
  const sc = [await stagecraft(dir, 1)];
  let extra: { overhead: Awaited<ReturnType<typeof overhead>>; roll: Awaited<ReturnType<typeof rollbacks>> };
  const mlflow: Array<Awaited<ReturnType<typeof mlflowServe>>> = [];
  try {
    extra = { overhead: await overhead(sc[0]), roll: await rollbacks(sc[0]) };
    if (ONLY !== 'stagecraft') {
      sc.push(await stagecraft(dir, 2));
      for (const w of [1, 2]) mlflow.push(await mlflowServe(path.join(dir, 'iris_a'), w));
    }
    // Every server is up at once (idle ones cost next to nothing) and each load runs against all of
    // them back to back: on a shared machine whose load wanders over minutes, the servers a ratio
    // compares then ran within seconds of each other, not minutes apart.
    const targets: Array<[string, string]> = [
      ...sc.map((s, i): [string, string] => [`Stagecraft python (${i + 1} worker${i ? 's' : ''})`, s.url]),
      ...mlflow.map((m, i): [string, string] => [`mlflow models serve (${i + 1} worker${i ? 's' : ', default'})`, `${m.url}/invocations`]),
    ];
    const before = sc.map((s) => ({ b: s.runtime().batcher.batches, r: s.runtime().batcher.batchedRequests }));
    const results: Array<[string, LoadResult[]]> = targets.map(([name]) => [name, []]);
    for (const [rows, connections] of LOADS) {
      for (const [i, [, url]] of targets.entries()) {
        await cannon(url, body(rows), { duration: 1, connections }); // warm
        results[i][1].push(await cannon(url, body(rows), { duration: DURATION, connections }));
      }
    }
    sc.forEach((s, i) => console.log(`  Stagecraft ${i + 1} worker(s): ${s.runtime().batcher.batches - before[i].b} combined predict calls carried ${s.runtime().batcher.batchedRequests - before[i].r} requests`));
    table(results);
    if (results.length === 4) {
      ratios(results[0], [results[2], results[3]]);
      ratios(results[1], [results[3]]);
    }
  } finally {
    for (const m of mlflow) await m.stop();
    for (const s of sc) await s.close();
  }
  {
    const o = extra.overhead;
    console.log(`\noverhead, serial 1-row requests (p50): client round trip ${f3(o.client)} ms; gateway handling ${f3(o.handled)} ms; worker predict ${f3(o.predict)} ms; gateway over predict ${f3(o.handled - o.predict)} ms (aim < 0.2 ms), of which inside the worker around predict (decode, DataFrame, encode) ${f3(o.worker - o.predict)} ms and Node + pipe ${f3(o.handled - o.worker)} ms`);
    const r = extra.roll;
    console.log(`rollback between two warm Python versions (${ROLLBACKS}): call p50 ${f1(median(r.call))} ms, max ${f1(Math.max(...r.call))} ms; flip (call returned → old version answering) p50 ${f3(median(r.flip))} ms, max ${f3(Math.max(...r.flip))} ms (aim < 5 ms); answers from the version rolled back from after the call returned: ${r.stale}`);
  }
}

async function cleanup(): Promise<void> {
  for (const c of children) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }
  removeBenchTempDir(tmp);
}

main().then(
  async () => {
    await cleanup();
    process.exit(0);
  },
  async (err) => {
    console.error(err);
    await cleanup();
    process.exit(1);
  },
);
