// bench:registry's second part (issue 18.4): the hot registry reads and a stage transition on
// Stagecraft (SQLite, and PostgreSQL when given) and on real MLflow 2.17 and 3.x servers started here
// from ../shared/mlflow, all seeded the same way through MLflow's REST API, measured interleaved in
// rounds of 25 so the shared machine's load falls on every target alike. Native rows (Stagecraft's
// own API) are compared with the MLflow request that answers the same question. Stagecraft's rows
// also print the queries one request sends (a Kysely plugin counts them).
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import { QueryCounter } from '../src/db/query-counter.js';
import { buildServer, serverExtensions } from '../src/server.js';
import { startReferenceServer } from '../test/mlflow-clients/reference-server.js';
import { MLFLOW_DIR, PYTHON, type ClientVersion } from '../test/mlflow-clients/mlflow-dist.js';
import { benchDeps, flag, must } from './harness.js';
import { fmt, measureInterleaved, request, type Stats } from './http-client.js';

const REGISTERED = Number(flag('registered-models', '5'));
const PER_REGISTERED = Number(flag('versions-per-registered', '10'));
const ITER = Number(flag('vs-iterations', '200'));
const API = '/api/2.0/mlflow';

interface Target {
  name: string;
  base: string;
  /** Stagecraft only: counts the queries of one request. */
  counter?: QueryCounter;
  close(): Promise<void>;
}

interface Op {
  name: string;
  /** Carries the issue's aim (p50 <= 0.3 ms on SQLite, >= 20x MLflow 2.17). */
  aim: boolean;
  run(t: Target, i: number): Promise<unknown>;
}

const idx = (i: number, n: number) => Math.abs(i) % n;
const reg = (i: number) => `reg-${idx(i, REGISTERED)}`;
const q = (params: Record<string, string>) => new URLSearchParams(params).toString();
const get = (t: Target, path: string) => must(request(t.base, 'GET', path));
const post = (t: Target, path: string, body: unknown) => must(request(t.base, 'POST', path, body));
const native = (t: Target) => !!t.counter;

const OPS: Op[] = [
  { name: 'registered-models/get', aim: true, run: (t, i) => get(t, `${API}/registered-models/get?${q({ name: reg(i) })}`) },
  { name: 'model-versions/get', aim: true, run: (t, i) => get(t, `${API}/model-versions/get?${q({ name: reg(i), version: String(idx(i, PER_REGISTERED) + 1) })}`) },
  { name: 'registered-models/alias (get)', aim: true, run: (t, i) => get(t, `${API}/registered-models/alias?${q({ name: reg(i), alias: 'champion' })}`) },
  { name: 'get-latest-versions (per stage)', aim: true, run: (t, i) => post(t, `${API}/registered-models/get-latest-versions`, { name: reg(i), stages: ['Production'] }) },
  { name: 'model-versions/search: name, page', aim: false, run: (t, i) => get(t, `${API}/model-versions/search?${q({ filter: `name = '${reg(i)}'`, max_results: '100' })}`) },
  // Native reads; MLflow answers the same question with the request in brackets.
  { name: 'native get model [registered-models/get]', aim: true, run: (t, i) => (native(t) ? get(t, `/api/v1/models/${reg(i)}`) : get(t, `${API}/registered-models/get?${q({ name: reg(i) })}`)) },
  {
    name: 'native get version [model-versions/get]',
    aim: true,
    run: (t, i) => (native(t) ? get(t, `/api/v1/models/${reg(i)}/versions/${idx(i, PER_REGISTERED) + 1}`) : get(t, `${API}/model-versions/get?${q({ name: reg(i), version: String(idx(i, PER_REGISTERED) + 1) })}`)),
  },
  {
    name: 'native resolve @champion [alias get]',
    aim: true,
    run: (t, i) => (native(t) ? get(t, `/api/v1/resolve?${q({ uri: `models:/${reg(i)}@champion` })}`) : get(t, `${API}/registered-models/alias?${q({ name: reg(i), alias: 'champion' })}`)),
  },
  {
    name: 'native resolve /Production [latest]',
    aim: true,
    run: (t, i) => (native(t) ? get(t, `/api/v1/resolve?${q({ uri: `models:/${reg(i)}/Production` })}`) : post(t, `${API}/registered-models/get-latest-versions`, { name: reg(i), stages: ['Production'] })),
  },
  // Writes: versions 3 and 4 of the model take turns in Staging (no serving target, no archiving).
  { name: 'transition-stage (MLflow door)', aim: false, run: (t, i) => post(t, `${API}/model-versions/transition-stage`, { name: reg(i), version: String(3 + idx(i, 2)), stage: 'Staging', archive_existing_versions: true }) },
  {
    name: 'native stage transition [transition-stage]',
    aim: false,
    run: (t, i) =>
      native(t)
        ? post(t, `/api/v1/models/${reg(i)}/versions/${3 + idx(i, 2)}/stage`, { stage: 'Staging', archive_existing_versions: true })
        : post(t, `${API}/model-versions/transition-stage`, { name: reg(i), version: String(3 + idx(i, 2)), stage: 'Staging', archive_existing_versions: true }),
  },
];

async function seed(t: Target): Promise<void> {
  for (let r = 0; r < REGISTERED; r++) {
    const name = `reg-${r}`;
    await post(t, `${API}/registered-models/create`, { name, tags: [{ key: 'team', value: 'risk' }] });
    for (let v = 0; v < PER_REGISTERED; v++) await post(t, `${API}/model-versions/create`, { name, source: `s3://bucket/${name}/${v}`, run_id: `run${v}` });
    await post(t, `${API}/model-versions/transition-stage`, { name, version: '1', stage: 'Production', archive_existing_versions: false });
    await post(t, `${API}/model-versions/transition-stage`, { name, version: '2', stage: 'Staging', archive_existing_versions: false });
    await post(t, `${API}/registered-models/alias`, { name, alias: 'champion', version: '1' });
  }
}

async function stagecraftTarget(name: string, kind: 'sqlite' | 'postgres', pgAdmin: string): Promise<Target> {
  const deps = await benchDeps(kind, pgAdmin);
  const counter = new QueryCounter();
  const { app } = await buildServer({ ...deps, db: deps.db.withPlugin(counter) }, serverExtensions().pick('mlflow'));
  await app.listen({ host: '127.0.0.1', port: 0 });
  return {
    name,
    base: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    counter,
    async close() {
      await app.close();
      await deps.close(); // benchDeps: also removes its data dir
    },
  };
}

async function mlflowTarget(version: ClientVersion): Promise<Target> {
  const t0 = Date.now();
  const server = await startReferenceServer(version);
  console.log(`MLflow ${version} server (SQLite backend, 1 worker) up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return { name: version === '3.x' ? 'MLflow 3' : 'MLflow 2.17', base: server.url, close: () => server.stop() };
}


async function queriesPerRequest(t: Target, op: Op): Promise<string> {
  if (!t.counter) return '';
  // The least of three: a background task (the event feed's poll, webhook delivery) may query meanwhile.
  let least = Infinity;
  for (let k = 0; k < 3; k++) {
    t.counter.reset();
    await op.run(t, 7);
    least = Math.min(least, t.counter.count);
  }
  return String(least);
}

function printTable(targets: Target[], rows: Array<[Op, Stats[], string[]]>): void {
  const ours = targets.filter((t) => t.counter);
  const refs = targets.filter((t) => !t.counter);
  const w = 44;
  console.log(
    `${'operation'.padEnd(w)} ${targets.map((t) => `${`${t.name} p50`.padStart(16)} ${'p99'.padStart(9)}`).join(' ')} ` +
      `${ours.flatMap((o) => refs.map((r) => `${o.name.replace('Stagecraft ', '')}/${r.name.replace('MLflow ', 'M')}`.padStart(13))).join(' ')}  queries`,
  );
  for (const [op, stats, counts] of rows) {
    const ratios = ours.flatMap((o) => refs.map((r) => `${(stats[targets.indexOf(r)].p50 / stats[targets.indexOf(o)].p50).toFixed(1)}x`.padStart(13)));
    const cells = stats.map((s) => `${fmt(s.p50).padStart(16)} ${fmt(s.p99).padStart(9)}`).join(' ');
    console.log(`${`${op.name}${op.aim ? ' *' : ''}`.padEnd(w)} ${cells} ${ratios.join(' ')}  ${counts.filter(Boolean).join(' / ')}`);
  }
  console.log('* aim (issue 18.4): SQLite p50 <= 0.3 ms, p99 <= 1 ms, >= 20x MLflow 2.17; transitions p50 <= 2 ms, p99 <= 5 ms');
}

/** Stagecraft vs real MLflow 2.17 and 3.x; everything started here is stopped, also on error. */
export async function compareRegistryWithMlflow(pgAdmin: string): Promise<void> {
  if (!fs.existsSync(PYTHON) || !fs.existsSync(`${MLFLOW_DIR}/2.17.2`) || !fs.existsSync(`${MLFLOW_DIR}/3.x`)) {
    console.log(`\n(MLflow comparison skipped: no MLflow 2.17.2 and 3.x under ${MLFLOW_DIR}, or no ${PYTHON})`);
    return;
  }
  const targets: Target[] = [];
  try {
    targets.push(await stagecraftTarget('Stagecraft SQLite', 'sqlite', pgAdmin));
    if (pgAdmin) targets.push(await stagecraftTarget('Stagecraft PG', 'postgres', pgAdmin));
    targets.push(await mlflowTarget('2.17.2'));
    targets.push(await mlflowTarget('3.x'));
    for (const t of targets) await seed(t);
    const rows: Array<[Op, Stats[], string[]]> = [];
    for (const op of OPS) {
      const stats = await measureInterleaved(targets, (t, i) => op.run(t, i), ITER);
      rows.push([op, stats, await Promise.all(targets.map((t) => queriesPerRequest(t, op)))]);
    }
    console.log(`\nvs MLflow: ${REGISTERED} registered models x ${PER_REGISTERED} versions; ${ITER} sequential requests per op and target over keep-alive, interleaved in rounds of 25`);
    printTable(targets, rows);
  } finally {
    for (const t of targets.reverse()) await t.close().catch((e: unknown) => console.error(`closing ${t.name}: ${String(e)}`));
  }
}
