// npm run bench:registry — registry latency over HTTP keep-alive, on SQLite and (when
// STAGECRAFT_TEST_PG_URL or --pg-url is given) PostgreSQL, against a bare Fastify route measured in
// the same run. Seeds 1,000 models x 100 versions (100,000) so searches run over a realistic table.
// Then the hot reads and a transition against real MLflow 2.17 and 3.x servers (registry-vs-mlflow.ts).
// `--part surface` or `--part mlflow` runs one of the two; `--part transition` profiles a transition
// in-process (registry-transition.ts; not part of `all`).
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import { buildServer } from '../src/server.js';
import type { Deps } from '../src/deps.js';
import { bareBaseline, benchDeps, flag, must, printLatencyTable } from './harness.js';
import { measure, request, type Stats } from './http-client.js';
import { benchTransitions } from './registry-transition.js';
import { compareRegistryWithMlflow } from './registry-vs-mlflow.js';

const MODELS = Number(flag('models', '1000'));
const PER_MODEL = Number(flag('versions-per-model', '100'));
const N = Number(flag('iterations', '500'));
const PG_ADMIN = flag('pg-url', process.env.STAGECRAFT_TEST_PG_URL ?? '');

const TEAMS = ['risk', 'growth', 'search', 'ads', 'fraud', 'ops', 'core', 'ml', 'infra', 'data'];

/** Bulk fixture rows (setup, not measured): model i has versions 1..PER_MODEL, the last in Production. */
async function seed(deps: Deps): Promise<void> {
  const now = Date.now();
  for (let start = 0; start < MODELS; start += 50) {
    await deps.db.transaction().execute(async (trx) => {
      const models = [];
      for (let m = start; m < Math.min(MODELS, start + 50); m++) {
        models.push({ id: `model-${m}`, name: `m-${m}`, description: '', created_at: now, updated_at: now, last_version: PER_MODEL, created_by: 'bench', deleted_at: null });
      }
      await trx.insertInto('models').values(models).execute();
      for (const model of models) {
        const versions = [];
        const tags = [];
        for (let v = 1; v <= PER_MODEL; v++) {
          const id = `${model.id}-v${v}`;
          versions.push({
            id, model_id: model.id, version: v, label: `r${v}.0`, description: '', source: `s3://bucket/${model.name}/${v}`, run_id: `run-${v}`,
            params: '{}', metrics: '{"auc":0.9}', dataset_digest: null, code_ref: null, signature: null, status: 'READY', status_message: null,
            stage: v === PER_MODEL ? 'Production' : v === PER_MODEL - 1 ? 'Archived' : 'None', health: 'unknown', health_reason: null,
            digest: `sha256:${v}`, size_bytes: 10, runtime: null, endpoint_url: null, created_by: 'bench', created_at: now, updated_at: now, deleted_at: null,
          });
          tags.push({ version_id: id, key: 'team', value: TEAMS[(Number(model.id.slice(6)) + v) % TEAMS.length] });
        }
        await trx.insertInto('versions').values(versions).execute();
        await trx.insertInto('version_tags').values(tags).execute();
      }
    });
  }
}

async function runOn(kind: 'sqlite' | 'postgres', baseline: Stats) {
  const deps = await benchDeps(kind, PG_ADMIN);
  const t0 = Date.now();
  await seed(deps);
  // Fresh planner statistics, as autovacuum would gather on a real server after such a load.
  if (kind === 'postgres') await sql`ANALYZE`.execute(deps.db);
  const seedS = (Date.now() - t0) / 1000;
  const { app } = await buildServer(deps);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  // A model to move around: versions 1..4 with real (tiny) artifacts.
  await must(request(base, 'POST', '/api/v1/models', { name: 'bench' }));
  for (let v = 1; v <= 4; v++) {
    const blob = await must(request(base, 'POST', '/api/v1/blobs', Buffer.from(`weights ${v}`)));
    await must(request(base, 'POST', '/api/v1/models/bench/versions', { files: [{ path: 'model.bin', sha256: blob.sha256 }] }));
  }
  await must(request(base, 'PUT', '/api/v1/models/bench/aliases/champion', { version: 2 }));

  const results: Array<[string, Stats, string]> = [];
  results.push(['get version', await measure(N, (i) => must(request(base, 'GET', `/api/v1/models/m-${Math.abs(i) % MODELS}/versions/${(Math.abs(i) % PER_MODEL) + 1}`))), 'p50 <= 1 ms (SQLite)']);
  results.push(['resolve alias', await measure(N, () => must(request(base, 'GET', `/api/v1/resolve?uri=${encodeURIComponent('models:/bench@champion')}`))), 'p50 <= 1 ms (SQLite)']);
  results.push([
    'create version (small file)',
    await measure(Math.min(N, 300), async () => {
      const blob = await must(request(base, 'POST', '/api/v1/blobs', randomBytes(256)));
      return must(request(base, 'POST', '/api/v1/models/bench/versions', { files: [{ path: 'model.bin', sha256: blob.sha256 }] }));
    }),
    '',
  ]);
  results.push(['stage transition', await measure(N, (i) => must(request(base, 'POST', `/api/v1/models/bench/versions/${(Math.abs(i) % 2) + 1}/stage`, { stage: 'Production', archive_existing_versions: true }))), '']);
  // Rollback: each measured rollback follows an (unmeasured) promotion that gives it something to undo.
  const rollbacks: number[] = [];
  for (let i = 0; i < Math.min(N, 200); i++) {
    await must(request(base, 'POST', `/api/v1/models/bench/versions/${3 + (i % 2)}/stage`, { stage: 'Production', archive_existing_versions: true }));
    const t = process.hrtime.bigint();
    await must(request(base, 'POST', '/api/v1/models/bench/rollback', { reason: 'bench', to_version: 1 + (i % 2), force: true }));
    rollbacks.push(Number(process.hrtime.bigint() - t) / 1e6);
    // The rolled-back version is marked failed; clear it so the next promotion is allowed.
    await must(request(base, 'POST', `/api/v1/models/bench/versions/${3 + (i % 2)}/health`, { health: 'unknown' }));
  }
  rollbacks.sort((a, b) => a - b);
  results.push(['rollback', { n: rollbacks.length, p50: rollbacks[Math.floor(rollbacks.length / 2)], p99: rollbacks[Math.floor(rollbacks.length * 0.99)] }, 'p50 <= 5 ms']);
  results.push(['search: stage+tag over 100k', await measure(N, (i) => must(request(base, 'GET', `/api/v1/versions?stage=Production&tag=team=${TEAMS[Math.abs(i) % TEAMS.length]}&limit=100`))), 'p50 <= 20 ms']);
  results.push(['search: name substring over 100k', await measure(N, (i) => must(request(base, 'GET', `/api/v1/versions?search=m-${Math.abs(i) % 100}&stage=Production&limit=100`))), 'p50 <= 20 ms']);

  printLatencyTable(`${kind}: ${MODELS * PER_MODEL} versions seeded in ${seedS.toFixed(1)} s; ${N} sequential requests per row over keep-alive`, baseline, results, 34);
  await app.close();
  await deps.close();
}

const PART = flag('part', 'all');
if (PART === 'transition') {
  await benchTransitions();
  process.exit(0);
}
if (PART !== 'mlflow') {
  const baseline = await bareBaseline(N, { name: 'm-1', version: 1, stage: 'Production' });
  await runOn('sqlite', baseline);
  if (PG_ADMIN) await runOn('postgres', baseline);
  else console.log('\n(PostgreSQL skipped: set STAGECRAFT_TEST_PG_URL or pass --pg-url)');
}
if (PART !== 'surface') await compareRegistryWithMlflow(PG_ADMIN);
