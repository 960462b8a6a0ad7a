// npm run bench:mlflow — latency through the MLflow REST surface over HTTP keep-alive, on SQLite and
// (when STAGECRAFT_TEST_PG_URL or --pg-url is given) PostgreSQL, against a bare Fastify route
// measured in the same run. Seeds 100 models x 100 versions (10,000) for the searches. Then the
// registry and logged-model requests against a real MLflow 3 server (bench/mlflow3-compare.ts).
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import type { Deps } from '../src/deps.js';
import { buildServer, serverExtensions } from '../src/server.js';
import { bareBaseline, benchDeps, flag, must, printLatencyTable } from './harness.js';
import { compareWithMlflow3 } from './mlflow3-compare.js';
import { measure, request, type Stats } from './http-client.js';

const MODELS = Number(flag('models', '100'));
const PER_MODEL = Number(flag('versions-per-model', '100'));
const N = Number(flag('iterations', '500'));
const PG_ADMIN = flag('pg-url', process.env.STAGECRAFT_TEST_PG_URL ?? '');
const TEAMS = ['risk', 'growth', 'search', 'ads', 'fraud', 'ops', 'core', 'ml', 'infra', 'data'];
const API = '/api/2.0/mlflow';

async function seed(deps: Deps): Promise<void> {
  const now = Date.now();
  await deps.db.transaction().execute(async (trx) => {
    for (let m = 0; m < MODELS; m++) {
      const model = { id: `model-${m}`, name: `m-${m}`, description: '', created_at: now, updated_at: now, last_version: PER_MODEL, created_by: 'bench', deleted_at: null };
      await trx.insertInto('models').values(model).execute();
      const versions = [];
      const tags = [];
      for (let v = 1; v <= PER_MODEL; v++) {
        const id = `${model.id}-v${v}`;
        versions.push({
          id, model_id: model.id, version: v, label: null, description: '', source: `s3://bucket/${model.name}/${v}`, run_id: `run${m}x${v}`,
          params: '{}', metrics: '{}', dataset_digest: null, code_ref: null, signature: null, status: 'READY', status_message: null,
          stage: v === PER_MODEL ? 'Production' : v === PER_MODEL - 1 ? 'Archived' : 'None', health: 'unknown', health_reason: null,
          digest: null, size_bytes: 0, runtime: null, endpoint_url: null, created_by: 'bench', created_at: now + v, updated_at: now + v, deleted_at: null,
        });
        tags.push({ version_id: id, key: 'team', value: TEAMS[(m + v) % TEAMS.length] });
      }
      await trx.insertInto('versions').values(versions).execute();
      await trx.insertInto('version_tags').values(tags).execute();
    }
  });
}

const q = (params: Record<string, string>) => new URLSearchParams(params).toString();

async function runOn(kind: 'sqlite' | 'postgres', baseline: Stats) {
  const deps = await benchDeps(kind, PG_ADMIN);
  const t0 = Date.now();
  await seed(deps);
  if (kind === 'postgres') await sql`ANALYZE`.execute(deps.db);
  const seedS = (Date.now() - t0) / 1000;
  const { app } = await buildServer(deps, serverExtensions().pick('mlflow'));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  // The model the MLflow client works on: created through the MLflow API itself.
  await must(request(base, 'POST', `${API}/registered-models/create`, { name: 'bench', tags: [{ key: 'team', value: 'risk' }] }));
  for (let v = 1; v <= 4; v++) await must(request(base, 'POST', `${API}/model-versions/create`, { name: 'bench', source: `s3://bucket/bench/${v}`, run_id: `r${v}` }));
  await must(request(base, 'POST', `${API}/model-versions/transition-stage`, { name: 'bench', version: '1', stage: 'Production', archive_existing_versions: true }));
  await must(request(base, 'POST', `${API}/registered-models/alias`, { name: 'bench', alias: 'champion', version: '2' }));

  const rows: Array<[string, Stats, string]> = [];
  rows.push(['registered-models/get', await measure(N, () => must(request(base, 'GET', `${API}/registered-models/get?name=bench`))), 'p50 <= 1 ms (SQLite)']);
  rows.push(['model-versions/get', await measure(N, (i) => must(request(base, 'GET', `${API}/model-versions/get?${q({ name: `m-${Math.abs(i) % MODELS}`, version: String((Math.abs(i) % PER_MODEL) + 1) })}`))), 'p50 <= 1 ms (SQLite)']);
  rows.push(['registered-models/alias (get)', await measure(N, () => must(request(base, 'GET', `${API}/registered-models/alias?name=bench&alias=champion`))), 'p50 <= 1 ms (SQLite)']);
  rows.push(['model-versions/create', await measure(Math.min(N, 300), (i) => must(request(base, 'POST', `${API}/model-versions/create`, { name: 'bench', source: `s3://bucket/bench/x${i}` }))), '']);
  rows.push(['model-versions/transition-stage', await measure(N, (i) => must(request(base, 'POST', `${API}/model-versions/transition-stage`, { name: 'bench', version: String((Math.abs(i) % 2) + 1), stage: 'Production', archive_existing_versions: true }))), '']);
  rows.push(['search: name = one model (100 of 10k)', await measure(N, (i) => must(request(base, 'GET', `${API}/model-versions/search?${q({ filter: `name='m-${Math.abs(i) % MODELS}'`, max_results: '10000' })}`))), '']);
  rows.push(['search: tag, first 100 of 10k', await measure(N, (i) => must(request(base, 'GET', `${API}/model-versions/search?${q({ filter: `tags.team = '${TEAMS[Math.abs(i) % TEAMS.length]}'`, max_results: '100' })}`))), '']);
  rows.push(['search: unfiltered, first 100 of 10k', await measure(N, () => must(request(base, 'GET', `${API}/model-versions/search?max_results=100`))), '']);

  printLatencyTable(`${kind}: ${MODELS * PER_MODEL} versions seeded in ${seedS.toFixed(1)} s; ${N} sequential requests per row over keep-alive`, baseline, rows);
  await app.close();
  await deps.close(); // benchDeps: also removes its data dir
}

// --part surface | mlflow3 runs one of the two parts (default: both)
const PART = flag('part', 'all');
if (PART !== 'mlflow3') {
  const baseline = await bareBaseline(N, { name: 'm-1', version: '1', current_stage: 'Production' });
  await runOn('sqlite', baseline);
  if (PG_ADMIN) await runOn('postgres', baseline);
  else console.log('\n(PostgreSQL skipped: set STAGECRAFT_TEST_PG_URL or pass --pg-url)');
}
if (PART !== 'surface') await compareWithMlflow3(PG_ADMIN);
