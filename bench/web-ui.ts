// npm run bench:web — the web UI in real Chromium over 1,000 models × 100 versions (SQLite, or
// PostgreSQL with --pg): time to the first rows of the models list, to scroll through all 1,000
// (10 keyset pages, virtualized), and to a model page with its 100 versions; DOM rows kept; each
// against the API's own first-page latency measured in the same run (the baseline).
import type { AddressInfo } from 'node:net';
import { defaultConfig } from '../src/config.js';
import { createDeps, type Deps } from '../src/deps.js';
import { createLogger } from '../src/log.js';
import { buildServer, serverExtensions } from '../src/server.js';
import { ensureWebBuilt, launchChromium, requireChromium } from '../test/e2e/browser.js';
import { freshPostgresUrl } from '../test/databases.js';
import { fmt, measure, request } from './http-client.js';
import { benchTempDir } from './harness.js';

const MODELS = 1000;
const PER_MODEL = 100;
const RUNS = Number(process.argv[process.argv.indexOf('--runs') + 1]) || 10;
const usePg = process.argv.includes('--pg');

/** Bulk fixture rows (setup, not measured): model i has versions 1..100, the last in Production. */
async function seed(deps: Deps): Promise<void> {
  const now = Date.now();
  for (let start = 0; start < MODELS; start += 50) {
    await deps.db.transaction().execute(async (trx) => {
      const models = [];
      for (let m = start; m < Math.min(MODELS, start + 50); m++) {
        models.push({ id: `model-${m}`, name: `model-${String(m).padStart(4, '0')}`, description: `bench model ${m}`, created_at: now, updated_at: now, last_version: PER_MODEL, created_by: 'bench', deleted_at: null });
      }
      await trx.insertInto('models').values(models).execute();
      for (const model of models) {
        const versions = [];
        for (let v = 1; v <= PER_MODEL; v++) {
          versions.push({
            id: `${model.id}-v${v}`, model_id: model.id, version: v, label: `r${v}`, description: '', source: `s3://bucket/${model.name}/${v}`, run_id: `run-${v}`,
            params: '{}', metrics: '{"auc":0.9}', dataset_digest: null, code_ref: null, signature: null, status: 'READY', status_message: null,
            stage: v === PER_MODEL ? 'Production' : v === PER_MODEL - 1 ? 'Staging' : 'None', health: 'unknown', health_reason: null,
            digest: `sha256:${v}`, size_bytes: 10, runtime: null, endpoint_url: null, created_by: 'bench', created_at: now, updated_at: now, deleted_at: null,
          });
        }
        await trx.insertInto('versions').values(versions).execute();
      }
    });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  requireChromium();
  const root = ensureWebBuilt();
  const dataDir = benchTempDir('sc-bench-web-');
  const deps = await createDeps({ ...defaultConfig(), dataDir, databaseUrl: usePg ? await freshPostgresUrl() : null, logLevel: 'silent' }, { log: createLogger('silent') });
  const t0 = Date.now();
  await seed(deps);
  console.log(`${usePg ? 'postgres' : 'sqlite'}: seeded ${MODELS} models × ${PER_MODEL} versions in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const { app } = await buildServer(deps, serverExtensions({ ui: { root } }).pick('ui'));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const api = await measure(50, () => request(base, 'GET', '/api/v1/models?limit=100'));
  const apiVersions = await measure(50, () => request(base, 'GET', '/api/v1/models/model-0500/versions?limit=100'));

  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
  const firstRows: number[] = [];
  const scrollAll: number[] = [];
  const modelPage: number[] = [];
  let domRows = 0;
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    await page.goto(`${base}/`);
    await page.locator('[aria-label="Models"] li').first().waitFor();
    firstRows.push(performance.now() - t);
    domRows = Math.max(domRows, await page.locator('[aria-label="Models"] li').count());

    // Scroll to the bottom until all 1,000 are loaded (bounded: 10 pages, with headroom).
    t = performance.now();
    for (let step = 0; step < 200; step++) {
      const text = (await page.locator('p[aria-live="polite"]').innerText()).trim();
      if (text.startsWith(`${MODELS} models shown`) && !text.includes('scroll')) break;
      await page.locator('.model-scroll').evaluate((el) => el.scrollTo(0, el.scrollHeight));
      await page.waitForTimeout(5);
    }
    scrollAll.push(performance.now() - t);
    domRows = Math.max(domRows, await page.locator('[aria-label="Models"] li').count());

    t = performance.now();
    await page.goto(`${base}/models/model-0500`);
    await page.locator('table.versions tbody tr').nth(PER_MODEL - 1).waitFor();
    modelPage.push(performance.now() - t);
  }

  // Live: a rollback through the API until the open page shows the new Production version.
  const live: number[] = [];
  await page.goto(`${base}/models/model-0500`);
  await page.getByText('Live', { exact: true }).waitFor();
  for (let i = 0; i < RUNS; i++) {
    await page.getByTestId('production-version').filter({ hasText: 'v100' }).waitFor();
    const t = performance.now();
    await request(base, 'POST', '/api/v1/models/model-0500/rollback', { reason: 'bench', to_version: 99 });
    await page.getByTestId('production-version').filter({ hasText: 'v99' }).waitFor();
    live.push(performance.now() - t);
    await request(base, 'POST', '/api/v1/models/model-0500/versions/100/health', { health: 'unknown' });
    await request(base, 'POST', '/api/v1/models/model-0500/versions/100/stage', { stage: 'Production', archive_existing_versions: true });
  }
  await browser.close();

  const rows: [string, number, string][] = [
    ['models list: first rows visible', median(firstRows), `${(median(firstRows) / api.p50).toFixed(1)}x API first page`],
    ['models list: scroll through 1,000', median(scrollAll), `${(median(scrollAll) / (api.p50 * 10)).toFixed(1)}x 10 API pages`],
    ['model page: 100 versions shown', median(modelPage), `${(median(modelPage) / apiVersions.p50).toFixed(1)}x API versions page`],
    ['API rollback -> open page shows it', median(live), 'aim: under 1 s without reload'],
  ];
  console.log(`API GET /models?limit=100 p50 ${fmt(api.p50)}; GET /models/x/versions?limit=100 p50 ${fmt(apiVersions.p50)}`);
  console.log(`${'UI (Chromium, median of ' + RUNS + ')'.padEnd(10)}`.padEnd(38) + 'time'.padStart(10) + '  vs baseline');
  for (const [name, ms, ratio] of rows) console.log(`${name.padEnd(38)}${fmt(ms).padStart(10)}  ${ratio}`);
  console.log(`most list rows in the DOM at once: ${domRows} (of ${MODELS})`);
  await app.close();
  await deps.close();
}

await main();
