// npx tsx bench/storage-backup.ts (npm run bench:storage-backup) — backup and restore of a registry
// with 10,000 versions of small artifacts: the backup streamed from a listening server
// (GET /api/v1/backup, what `stagecraft backup` saves) while the process's RSS is sampled, then
// restores of that archive into an empty database of the same kind and of the other kind.
// Flags: --versions N (default 10000), --models N (default 100), --db sqlite|postgres (postgres
// needs STAGECRAFT_TEST_PG_URL, an admin URL; then the restore into the other kind runs too).
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createModel, createVersion } from '../src/registry/index.js';
import { buildServer, serverExtensions } from '../src/server.js';
import { emptyTarget, fetchBackup, listen, restoreInto } from '../test/backup-fixtures.js';
import { createDeps } from '../src/deps.js';
import { defaultConfig } from '../src/config.js';
import { createLogger } from '../src/log.js';
import { benchTempDir, flag, freshPg } from './harness.js';

const VERSIONS = Number(flag('versions', '10000'));
const MODELS = Number(flag('models', '100'));
const DB = flag('db', 'sqlite') as 'sqlite' | 'postgres';
const PG_ADMIN = process.env.STAGECRAFT_TEST_PG_URL ?? '';
/** Writers seeding at once (PostgreSQL takes them in parallel; SQLite serialises them anyway). */
const SEEDERS = 8;

const mb = (b: number) => `${(b / 1024 ** 2).toFixed(1)} MB`;
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export async function runBackupBench(): Promise<void> {
  if (DB === 'postgres' && !PG_ADMIN) throw new Error('--db postgres needs STAGECRAFT_TEST_PG_URL');
  // A directory of its own (not sc-bench-*): other benches sweep theirs.
  const dataDir = benchTempDir('stagecraft-backup-bench-');
  const databaseUrl = DB === 'postgres' ? await freshPg(PG_ADMIN) : null;
  const deps = await createDeps({ ...defaultConfig(), dataDir, databaseUrl, logLevel: 'silent' }, { log: createLogger('silent') });
  const { app } = await buildServer(deps, serverExtensions().pick('backup'));
  const url = await listen(app);

  const t0 = performance.now();
  for (let m = 0; m < MODELS; m++) await createModel(deps, 'bench', { name: `model-${m}` });
  let next = 0;
  await Promise.all(
    Array.from({ length: SEEDERS }, async () => {
      for (let i = next++; i < VERSIONS; i = next++) {
        // Small artifacts, each distinct: a version's weights and its config.
        const weights = await deps.blobs.put(Buffer.from(`weights of version ${i} ${'x'.repeat(200)}`));
        const conf = await deps.blobs.put(Buffer.from(JSON.stringify({ version: i })));
        await createVersion(deps, 'bench', `model-${i % MODELS}`, {
          files: [
            { path: 'model.bin', sha256: weights.sha256 },
            { path: 'config.json', sha256: conf.sha256 },
          ],
        });
      }
    }),
  );
  console.log(`seeded ${VERSIONS} versions of ${MODELS} models on ${DB} in ${secs(performance.now() - t0)}`);

  const file = path.join(benchTempDir('stagecraft-backup-bench-archive-'), 'backup.tar');
  const idle = process.memoryUsage().rss;
  let peak = idle;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const b0 = performance.now();
  await fetchBackup(url, file);
  const backupMs = performance.now() - b0;
  clearInterval(sampler);
  const size = fs.statSync(file).size;
  console.log(`backup: ${secs(backupMs)}, archive ${mb(size)}, RSS ${mb(idle)} before, peak ${mb(peak)} (+${mb(peak - idle)})`);
  await app.close();
  await deps.close();

  const kinds: Array<'sqlite' | 'postgres'> = PG_ADMIN ? [DB, DB === 'sqlite' ? 'postgres' : 'sqlite'] : [DB];
  for (const kind of kinds) {
    const target = await emptyTarget(kind);
    const r0 = performance.now();
    const r = await restoreInto(file, target);
    console.log(`restore ${DB} → ${kind}: ${secs(performance.now() - r0)} (${r.rows} rows, ${r.blobs} blobs verified, ${mb(r.bytes)})`);
  }
}

