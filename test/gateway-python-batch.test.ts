// The Python runtime's throughput features with real Python and real MLflow: several workers per
// version (requests spread over them), adaptive micro-batching (each caller gets exactly its own
// rows back, and monitoring counts requests, not combined calls), and worker restarts counted in the
// live stats and Prometheus. The model (fixtures/make_row_echo_model.py) answers, per row, a value
// made of the row's own id, how many rows its predict call held and the pid of its worker.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASES, tempDir, uniqueName, useRegistry } from './databases.js';
import { eventually, waitConverged } from './gateway-fixtures.js';
import { call, createModel, promote, registerVersion } from './http.js';
import { dirFiles, PYTHON, PYTHON_SKIP, usePythonEnv } from './python-models.js';
import { createLogger } from '../src/log.js';
import { serverExtensions } from '../src/server.js';
import { defaultPythonOptions } from '../src/serving/gateway/runtimes/python-options.js';
import { loadPythonRuntime, type PythonRuntime } from '../src/serving/gateway/runtimes/python-runtime.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const TRIES = 3000;
let modelDir: string | null = null;

function echoModel(): string {
  if (modelDir) return modelDir;
  usePythonEnv();
  const dir = path.join(tempDir('stagecraft-echo-'), 'echo');
  execFileSync(PYTHON, [path.join(here, 'fixtures', 'make_row_echo_model.py'), dir], { env: process.env, stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000 });
  return (modelDir = dir);
}

interface Answer {
  echo: number;
  call_rows: number;
  pid: number;
}

describe.skipIf(PYTHON_SKIP !== null).each(DATABASES)('Python workers and micro-batching on %s', (kind) => {
  const ext = serverExtensions({
    serving: { gateway: { python: PYTHON, pythonLoadTimeoutMs: 120_000, pythonWorkers: 2, pythonBatchRows: 64, pythonBatchWaitMs: 5, concurrency: 32 } },
  });
  const r = useRegistry(kind, { extensions: ext.pick('serving', 'observe'), config: { prepareDeadlineMs: 120_000 } });
  let dir: string;
  let m: string;

  beforeAll(async () => {
    dir = echoModel();
    m = uniqueName('echo');
    await createModel(r.app, m);
    await registerVersion(r.app, m, dirFiles(dir, 'model/'));
    expect((await promote(r.app, m, 1)).status).toBe(200);
    await waitConverged(r.app, m, 1, TRIES);
  }, 300_000);

  const runtime = () => ext.serving.gateway().find(m)!.current!.runtime as PythonRuntime;
  /** Rows of caller `c`: ids unique to it, 1 to 3 rows. */
  const rowsOf = (c: number) => Array.from({ length: 1 + (c % 3) }, (_, i) => [c * 100 + i, (c % 7) / 8]);
  const ask = async (c: number) => {
    const rows = rowsOf(c);
    const res = await call(r.app, 'POST', `/models/${m}/invocations`, { dataframe_split: { columns: ['id', 'x'], data: rows } });
    return { c, rows, status: res.status, answers: res.body.predictions as Answer[] };
  };

  it('combines concurrent requests into one predict call and gives each caller exactly its own rows', async () => {
    const before = runtime().batcher.batches;
    const results = await Promise.all(Array.from({ length: 60 }, (_, c) => ask(c)));
    for (const res of results) {
      expect(res.status).toBe(200);
      expect(res.answers.map((a) => a.echo)).toEqual(res.rows.map(([id, x]) => id * 10 + x));
    }
    // Some calls held more rows than any one caller sent: requests were combined.
    expect(Math.max(...results.flatMap((res) => res.answers.map((a) => a.call_rows)))).toBeGreaterThan(3);
    expect(runtime().batcher.batches).toBeGreaterThan(before);
    // Monitoring counts each request, not each combined call.
    await eventually(
      async () => (await call(r.app, 'GET', `/api/v1/models/${m}/versions/1/monitoring?window_seconds=3600`)).body.live?.requests,
      (n) => n >= 60,
      'the requests to be counted',
      5000,
    );
  });

  it('spreads requests over its workers', async () => {
    const pids = runtime().pids;
    expect(pids.length).toBe(2);
    expect(new Set(pids).size).toBe(2);
    const results = await Promise.all(Array.from({ length: 40 }, (_, c) => ask(c)));
    const served = new Set(results.flatMap((res) => res.answers.map((a) => a.pid)));
    expect(served).toEqual(new Set(pids));
  });

  it('counts a worker restart in the live stats and in Prometheus, and keeps answering right', async () => {
    const rt = runtime();
    const [victim, other] = rt.pids;
    const restarts = rt.restarts;
    process.kill(victim!, 'SIGKILL');
    await eventually(async () => rt.pids[0], (p) => p !== null && p !== victim, 'the worker to be restarted', 5000);
    expect(rt.restarts).toBe(restarts + 1);
    expect(rt.pids[1]).toBe(other);
    const results = await Promise.all(Array.from({ length: 20 }, (_, c) => ask(c)));
    for (const res of results) expect(res.answers.map((a) => a.echo)).toEqual(res.rows.map(([id, x]) => id * 10 + x));
    const live = (await call(r.app, 'GET', `/api/v1/models/${m}/versions/1/monitoring?window_seconds=3600`)).body.live;
    expect(live.worker_restarts).toBe(restarts + 1);
    const metrics = await r.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toContain(`stagecraft_python_worker_restarts_total{model="${m}",version="1"} ${restarts + 1}`);
  });
});

describe.skipIf(PYTHON_SKIP !== null)('a Python worker past its memory limit', () => {
  it('is replaced, answers what it holds, and closes; every request is answered right and the recycle is counted', async () => {
    const dir = echoModel();
    const files = Object.entries(dirFiles(dir)).map(([p, b]) => ({ path: p, sha256: createHash('sha256').update(b).digest('hex'), size: b.length }));
    const spec = { model: 'echo', version: 1, runtime: 'python' as const, endpointUrl: null, signature: null, featureNames: null, modelFile: null, python: { root: '', files } };
    const restarted: number[] = [];
    // A limit of 1 MiB: every worker is past it at the first sample.
    const rt = await loadPythonRuntime(
      spec,
      { ...defaultPythonOptions(), python: PYTHON, pythonDir: tempDir('stagecraft-rss-'), pythonWorkerMaxRssBytes: 1024 ** 2 },
      { saveFile: async (_s, f, target) => fs.copyFileSync(path.join(dir, f.path), target), log: createLogger('silent'), onRestart: (_m, v) => restarted.push(v) },
    );
    try {
      const first = rt.pid!;
      const feeds = (id: number) => ({ id: { type: 'float64', dims: [1], data: Float64Array.from([id]) }, x: { type: 'float64', dims: [1], data: Float64Array.from([0.5]) } });
      let stop = false;
      const wrong: unknown[] = [];
      let answered = 0;
      const client = async (c: number) => {
        for (let i = 0; !stop; i++) {
          const id = c * 1000 + i;
          const out = await rt.run(feeds(id));
          answered++;
          const echo = (out.echo.data as Float64Array)[0];
          if (echo !== id * 10 + 0.5) wrong.push({ id, echo });
        }
      };
      const clients = [client(1), client(2)];
      await eventually(async () => rt.pid, (p) => p !== null && p !== first, 'the worker to be replaced', 15_000);
      const at = answered;
      await eventually(async () => answered, (n) => n > at + 10, 'answers from the fresh worker', 10_000);
      stop = true;
      await Promise.all(clients);
      expect(wrong).toEqual([]);
      expect(rt.recycles).toBeGreaterThanOrEqual(1);
      expect(rt.restarts).toBeGreaterThanOrEqual(rt.recycles);
      expect(restarted[0]).toBe(1);
      await eventually(async () => { try { process.kill(first, 0); return true; } catch { return false; } }, (alive) => !alive, 'the old worker to close', 10_000);
    } finally {
      await rt.close();
    }
  }, 120_000);
});
