// bench:mlflow's second part: the same MLflow REST requests to Stagecraft (SQLite, and PostgreSQL
// when given) and to a real MLflow 3 server started here from ../shared/mlflow, each seeded the same
// way through the REST API (nothing written to either database directly, so neither side gets a
// head start). Reads carry the aim: at least 5x faster than MLflow 3 at p50. Requests to the targets
// are interleaved in rounds so that the machine's load (shared, noisy) falls on all of them alike.
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import type { Deps } from '../src/deps.js';
import { buildServer, serverExtensions } from '../src/server.js';
import { startReferenceServer } from '../test/mlflow-clients/reference-server.js';
import { MLFLOW_DIR, PYTHON } from '../test/mlflow-clients/mlflow-dist.js';
import { benchDeps, flag, must } from './harness.js';
import { fmt, measureInterleaved, request, type Stats } from './http-client.js';

const LOGGED = Number(flag('logged-models', '200'));
const REGISTERED = Number(flag('registered-models', '5'));
const PER_REGISTERED = Number(flag('versions-per-registered', '10'));
const ITER = Number(flag('vs-iterations', '200'));
const AIM = 5;
const API = '/api/2.0/mlflow';
const TEAMS = ['risk', 'growth', 'search', 'ads', 'fraud', 'ops', 'core', 'ml', 'infra', 'data'];
const RATES = ['0.1', '0.03', '0.01', '0.003'];

interface Target {
  name: string;
  base: string;
  /** What the seed left behind, read by the ops. */
  seeded: { experimentId: string; runId: string; modelIds: string[] };
  close(): Promise<void>;
}

interface Op {
  name: string;
  /** Reads carry the aim; writes are shown for scale. */
  read: boolean;
  run(t: Target, i: number): Promise<unknown>;
}

const q = (params: Record<string, string | string[]>) => {
  const s = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const one of Array.isArray(v) ? v : [v]) s.append(k, one);
  return s.toString();
};
const idx = (i: number, n: number) => Math.abs(i) % n;

/** What log_model uploads, in miniature: an MLmodel file and the pickled model, through the artifact proxy. */
async function uploadFiles(base: string, location: string, i: number): Promise<void> {
  const m = /^mlflow-artifacts:(?:\/\/[^/]*)?\/*(.+)$/.exec(location);
  if (!m) throw new Error(`the logged model's artifact_uri is not proxied: ${location}`);
  const files: Array<[string, Buffer]> = [
    ['MLmodel', Buffer.from(`artifact_path: model-${i}\nflavors:\n  python_function:\n    loader_module: mlflow.sklearn\n`)],
    ['model.pkl', Buffer.alloc(1024, i % 256)],
  ];
  for (const [name, bytes] of files) await must(request(base, 'PUT', `/api/2.0/mlflow-artifacts/artifacts/${m[1]}/${name}`, bytes));
}

/** One experiment, one run, LOGGED logged models (3 params, 2 tags, 1 metric, 2 files, READY), REGISTERED models x PER_REGISTERED versions from them. */
async function seed(base: string): Promise<Target['seeded']> {
  const post = (rpc: string, body: unknown) => must(request(base, 'POST', `${API}/${rpc}`, body));
  const { experiment_id: experimentId } = await post('experiments/create', { name: 'bench-logged-models' });
  const now = Date.now();
  const { run } = await post('runs/create', { experiment_id: experimentId, start_time: now, run_name: 'bench-run' });
  const runId: string = run.info.run_id;
  const modelIds: string[] = [];
  for (let i = 0; i < LOGGED; i++) {
    const { model } = await post('logged-models', {
      experiment_id: experimentId,
      name: `model-${i}`,
      source_run_id: runId,
      params: [{ key: 'lr', value: RATES[i % RATES.length] }, { key: 'depth', value: String(i % 8) }, { key: 'seed', value: String(i) }],
      tags: [{ key: 'team', value: TEAMS[i % TEAMS.length] }, { key: 'owner', value: 'bench' }],
    });
    const id: string = model.info.model_id;
    await uploadFiles(base, model.info.artifact_uri, i);
    await post('runs/log-metric', { run_id: runId, key: 'accuracy', value: 0.5 + (i % 50) / 100, timestamp: now + i, step: 0, model_id: id });
    await must(request(base, 'PATCH', `${API}/logged-models/${id}`, { model_id: id, status: 'LOGGED_MODEL_READY' }));
    modelIds.push(id);
  }
  for (let r = 0; r < REGISTERED; r++) {
    const name = `reg-${r}`;
    await post('registered-models/create', { name, tags: [{ key: 'team', value: TEAMS[r % TEAMS.length] }] });
    for (let v = 0; v < PER_REGISTERED; v++) {
      const id = modelIds[(r * PER_REGISTERED + v) % modelIds.length];
      await post('model-versions/create', { name, source: `models:/${id}`, model_id: id, run_id: runId });
    }
    await post('model-versions/transition-stage', { name, version: '1', stage: 'Production', archive_existing_versions: false });
    await post('model-versions/transition-stage', { name, version: '2', stage: 'Staging', archive_existing_versions: false });
    await post('registered-models/alias', { name, alias: 'champion', version: '1' });
  }
  await post('registered-models/create', { name: 'bench-writes' });
  return { experimentId, runId, modelIds };
}

const get = (t: Target, path: string) => must(request(t.base, 'GET', `${API}/${path}`));
const post = (t: Target, path: string, body: unknown) => must(request(t.base, 'POST', `${API}/${path}`, body));
const reg = (i: number) => `reg-${idx(i, REGISTERED)}`;

const OPS: Op[] = [
  { name: 'logged-models/get', read: true, run: (t, i) => get(t, `logged-models/${t.seeded.modelIds[idx(i, t.seeded.modelIds.length)]}`) },
  // one clause each: this MLflow 3 server refuses any filter with AND (its sqlparse grouping; see docs/benchmarks.md)
  {
    name: 'logged-models/search: params filter',
    read: true,
    run: (t, i) => post(t, 'logged-models/search', { experiment_ids: [t.seeded.experimentId], filter: `params.lr = '${RATES[idx(i, RATES.length)]}'`, max_results: 50 }),
  },
  {
    name: 'logged-models/search: metric filter, by metric',
    read: true,
    run: (t) => post(t, 'logged-models/search', { experiment_ids: [t.seeded.experimentId], filter: 'metrics.accuracy > 0.9', order_by: [{ field_name: 'metrics.accuracy', ascending: false }], max_results: 50 }),
  },
  { name: 'logged-models/search: first 50', read: true, run: (t) => post(t, 'logged-models/search', { experiment_ids: [t.seeded.experimentId], max_results: 50 }) },
  { name: 'registered-models/get', read: true, run: (t, i) => get(t, `registered-models/get?${q({ name: reg(i) })}`) },
  { name: 'model-versions/get', read: true, run: (t, i) => get(t, `model-versions/get?${q({ name: reg(i), version: String(idx(i, PER_REGISTERED) + 1) })}`) },
  { name: 'registered-models/alias (get)', read: true, run: (t, i) => get(t, `registered-models/alias?${q({ name: reg(i), alias: 'champion' })}`) },
  { name: 'registered-models/get-latest-versions', read: true, run: (t, i) => post(t, 'registered-models/get-latest-versions', { name: reg(i) }) },
  { name: 'registered-models/search', read: true, run: (t) => get(t, `registered-models/search?${q({ filter: "name LIKE 'reg-%'", max_results: '100' })}`) },
  { name: 'model-versions/search: name', read: true, run: (t, i) => get(t, `model-versions/search?${q({ filter: `name = '${reg(i)}'`, max_results: '100' })}`) },
  {
    name: 'logged-models create',
    read: false,
    run: (t, i) => post(t, 'logged-models', { experiment_id: t.seeded.experimentId, name: `w-${i}`, source_run_id: t.seeded.runId, params: [{ key: 'lr', value: '0.1' }], tags: [{ key: 'team', value: 'w' }] }),
  },
  {
    name: 'model-versions/create from models:/m-…',
    read: false,
    run: (t, i) => {
      const id = t.seeded.modelIds[idx(i, t.seeded.modelIds.length)];
      return post(t, 'model-versions/create', { name: 'bench-writes', source: `models:/${id}`, model_id: id, run_id: t.seeded.runId });
    },
  },
];


/** The answers' sizes must agree, or the comparison would not be of the same work. */
async function checkSameAnswers(targets: Target[]): Promise<void> {
  for (const op of OPS.filter((o) => o.read)) {
    const counts = await Promise.all(
      targets.map(async (t) => {
        const body = (await op.run(t, 3)) as Record<string, unknown>;
        const list = body.models ?? body.registered_models ?? body.model_versions;
        return Array.isArray(list) ? list.length : 1;
      }),
    );
    if (new Set(counts).size > 1) console.warn(`  ! ${op.name}: result counts differ: ${targets.map((t, k) => `${t.name}=${counts[k]}`).join(', ')}`);
  }
}

async function stagecraftTarget(name: string, kind: 'sqlite' | 'postgres', pgAdmin: string): Promise<Target> {
  const deps: Deps = await benchDeps(kind, pgAdmin);
  const { app } = await buildServer(deps, serverExtensions().pick('mlflow'));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  return {
    name,
    base,
    seeded: { experimentId: '', runId: '', modelIds: [] },
    async close() {
      await app.close();
      await deps.close(); // benchDeps: also removes its data dir
    },
  };
}

function mlflowMissing(): string | null {
  if (!fs.existsSync(`${MLFLOW_DIR}/3.x/mlflow/__init__.py`)) return `no MLflow 3 at ${MLFLOW_DIR}/3.x (run bash ../shared/mlflow/setup.sh or set STAGECRAFT_MLFLOW_DIR)`;
  if (!fs.existsSync(PYTHON)) return `${PYTHON} is missing`;
  return null;
}

function printTable(targets: Target[], results: Array<[Op, Stats[]]>): void {
  const ref = targets.length - 1; // MLflow 3 is last
  const w = 46;
  const head = targets.map((t) => `${`${t.name} p50`.padStart(18)} ${'p99'.padStart(10)}`).join(' ');
  const ratios = targets.slice(0, ref).map((t) => `${`ratio ${t.name.replace('Stagecraft ', '')}`.padStart(17)}`).join(' ');
  console.log(`${'operation'.padEnd(w)} ${head} ${ratios}  aim: read >= ${AIM}x faster than MLflow 3 at p50`);
  let fails = 0;
  for (const [op, stats] of results) {
    const cells = stats.map((s) => `${fmt(s.p50).padStart(18)} ${fmt(s.p99).padStart(10)}`).join(' ');
    const rs = stats.slice(0, ref).map((s) => stats[ref].p50 / s.p50);
    const verdict = op.read ? rs.map((r, k) => `${targets[k].name.replace('Stagecraft ', '')} ${r >= AIM ? 'PASS' : 'FAIL'}`).join(', ') : '(write, no aim)';
    if (op.read) fails += rs.filter((r) => r < AIM).length;
    console.log(`${op.name.padEnd(w)} ${cells} ${rs.map((r) => `${r.toFixed(1)}x`.padStart(17)).join(' ')}  ${verdict}`);
  }
  console.log(fails ? `\n${fails} read(s) below ${AIM}x MLflow 3 at p50` : `\nevery registry and logged-model read >= ${AIM}x faster than MLflow 3 at p50`);
}

/** The comparison with a real MLflow 3; everything it starts is stopped and removed, also on error. */
export async function compareWithMlflow3(pgAdmin: string): Promise<void> {
  const missing = mlflowMissing();
  if (missing) {
    console.log(`\n(MLflow 3 comparison skipped: ${missing})`);
    return;
  }
  const targets: Target[] = [];
  const stopAll = async () => {
    for (const t of targets.splice(0).reverse()) await t.close().catch((e: unknown) => console.error(`closing ${t.name}: ${String(e)}`));
  };
  const onSignal = () => void stopAll().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    targets.push(await stagecraftTarget('Stagecraft SQLite', 'sqlite', pgAdmin));
    if (pgAdmin) targets.push(await stagecraftTarget('Stagecraft PG', 'postgres', pgAdmin));
    const t0 = Date.now();
    const mlflow = await startReferenceServer('3.x');
    targets.push({ name: 'MLflow 3', base: mlflow.url, seeded: { experimentId: '', runId: '', modelIds: [] }, close: () => mlflow.stop() });
    console.log(`\nMLflow 3 server (${MLFLOW_DIR}/3.x, SQLite backend, 1 worker) up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    for (const t of targets) {
      const s0 = Date.now();
      t.seeded = await seed(t.base);
      console.log(`  seeded ${t.name} through the REST API in ${((Date.now() - s0) / 1000).toFixed(1)} s`);
    }
    await checkSameAnswers(targets);
    const results: Array<[Op, Stats[]]> = [];
    for (const op of OPS) results.push([op, await measureInterleaved(targets, (t, i) => op.run(t, i), ITER)]);
    console.log(
      `\nvs MLflow 3: ${LOGGED} logged models (3 params, 2 tags, 1 metric), ${REGISTERED} registered models x ${PER_REGISTERED} versions from logged models; ` +
        `${ITER} sequential requests per op and target over keep-alive, interleaved in rounds of 25`,
    );
    printTable(targets, results);
  } finally {
    await stopAll();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
