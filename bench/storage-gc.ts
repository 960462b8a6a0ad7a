// npm run bench:storage -- --only gc (or gc-s3) — garbage collection over many small blobs: a dry
// run then the real sweep, each timed, with blobs/s over what was scanned.
// On the disk store (gc; --blobs N, default 100,000) the blobs are written straight into its layout
// (sha256/ab/<digest>): put() fsyncs twice per blob, which on a shared disk makes seeding 100,000 of
// them take most of an hour, and seeding is not what is measured; the old ones are backdated.
// On an S3 bucket (gc-s3; --s3-blobs N, default 10,000: every stat and delete is a request, and the
// memstore server holds it all in RAM) they are PutObject'ed to their content addresses; S3 sets
// LastModified itself, so the "old" ones are written first and the grace is set to end between them
// and the fresh ones. A share of them is referenced by versions (registered through the kernel's
// service, many files each), the rest is old (to remove) or fresh (kept by the grace).
// Flags: --referenced 0.3 (share held by versions), --fresh 0.1 (share written within the grace),
// --db sqlite|postgres (postgres needs STAGECRAFT_TEST_PG_URL, an admin URL).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { S3BlobStore } from '../src/blobs/s3-blob-store.js';
import { sha256Hex } from '../src/blobs/verify.js';
import { defaultConfig } from '../src/config.js';
import { createDeps, type Deps } from '../src/deps.js';
import { createLogger } from '../src/log.js';
import { collectGarbage, createModel, createVersion } from '../src/registry/index.js';
import { startBenchS3, type BenchS3 } from './bench-s3.js';
import { benchDeps, benchTempDir, flag, freshPg, removeBenchTempDir } from './harness.js';

const REFERENCED = Number(flag('referenced', '0.3'));
const FRESH = Number(flag('fresh', '0.1'));
const DB = flag('db', 'sqlite') as 'sqlite' | 'postgres';
const PG_ADMIN = process.env.STAGECRAFT_TEST_PG_URL ?? '';
/** Files per registered version: few versions, many references (what a big registry holds). */
const FILES_PER_VERSION = 1000;
const PUT_PARALLEL = 32;
const GRACE_MS = 3_600_000;
const BUCKET = 'gc-bench';

async function inParallel(n: number, limit: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < n) await work(next++);
  }));
}

/** Registry deps on the disk store, or on a fresh S3 server's bucket (stopped by close()). */
async function gcDeps(kind: 'disk' | 's3', blobs: number): Promise<{ deps: Deps; s3: BenchS3 | null; close(): Promise<void> }> {
  if (kind === 'disk') {
    const deps = await benchDeps(DB, PG_ADMIN);
    return { deps, s3: null, close: () => deps.close() }; // benchDeps: closing removes its data dir
  }
  // ~4 kB of RADOS metadata per small object in memstore: room for it, with slack.
  const s3 = await startBenchS3(blobs * 16 * 1024 + 256 * 1024 * 1024, blobs * 16 * 1024 + 128 * 1024 * 1024, BUCKET);
  const dataDir = benchTempDir('sc-bench-gc-s3-');
  const databaseUrl = DB === 'postgres' ? await freshPg(PG_ADMIN) : null;
  const store = new S3BlobStore(s3.client, { bucket: BUCKET, prefix: 'blobs' });
  const deps = await createDeps({ ...defaultConfig(), dataDir, databaseUrl, logLevel: 'silent' }, { log: createLogger('silent'), blobs: store });
  return { deps, s3, close: async () => (await deps.close(), s3.stop(), removeBenchTempDir(dataDir)) };
}

/** Writes one small blob where the store keeps it: straight into the disk layout, or PutObject to its key. */
async function seedBlob(deps: Deps, s3: BenchS3 | null, bytes: Buffer): Promise<string> {
  const sha = sha256Hex(bytes);
  if (s3) {
    await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: (deps.blobs as S3BlobStore).key(sha), Body: bytes }));
    return sha;
  }
  const dir = path.join(deps.config.dataDir, 'blobs', 'sha256', sha.slice(0, 2));
  await fs.promises.mkdir(dir, { recursive: true });
  await fs.promises.writeFile(path.join(dir, sha), bytes);
  return sha;
}

export async function runGcBench(kind: 'disk' | 's3'): Promise<void> {
  const BLOBS = kind === 'disk' ? Number(flag('blobs', '100000')) : Number(flag('s3-blobs', '10000'));
  const { deps, s3, close } = await gcDeps(kind, BLOBS);
  const root = path.join(deps.config.dataDir, 'blobs', 'sha256');
  const referenced = Math.round(BLOBS * REFERENCED);
  const fresh = Math.round(BLOBS * FRESH);
  try {
    let t = performance.now();
    const shas: string[] = new Array(BLOBS);
    // On S3 the fresh ones go last, after a pause the grace then ends in (S3 stamps LastModified itself).
    let graceEndsAt = 0;
    await inParallel(BLOBS - fresh, PUT_PARALLEL, async (i) => void (shas[i] = await seedBlob(deps, s3, randomBytes(64))));
    if (s3) {
      await new Promise((r) => setTimeout(r, 1500));
      graceEndsAt = Date.now();
      await new Promise((r) => setTimeout(r, 1500));
    }
    await inParallel(fresh, PUT_PARALLEL, async (i) => void (shas[BLOBS - fresh + i] = await seedBlob(deps, s3, randomBytes(64))));
    const putS = (performance.now() - t) / 1000;
    console.log(`wrote ${BLOBS} blobs of 64 B ${s3 ? 'to S3 (PutObject, 32 in flight)' : "into the disk store's layout"} in ${putS.toFixed(1)} s`);
    // The store sees them as its own: a sample reads back intact.
    for (const sha of shas.slice(0, 10)) if ((await deps.blobs.check(sha)).state !== 'ok') throw new Error(`seeded blob ${sha} is not intact`);

    t = performance.now();
    await createModel(deps, 'bench', { name: 'gc-bench' });
    for (let i = 0; i < referenced; i += FILES_PER_VERSION) {
      const files = shas.slice(i, Math.min(referenced, i + FILES_PER_VERSION)).map((sha256, j) => ({ path: `part-${i + j}.bin`, sha256 }));
      await createVersion(deps, 'bench', 'gc-bench', { files });
    }
    // Old enough to collect: everything but the last `fresh` blobs (referenced ones too: age never saves a referenced blob, nor dooms it).
    if (!s3) {
      const old = new Date(Date.now() - 2 * 86_400_000);
      for (const sha of shas.slice(0, BLOBS - fresh)) fs.utimesSync(path.join(root, sha.slice(0, 2), sha), old, old);
    }
    console.log(`registered ${Math.ceil(referenced / FILES_PER_VERSION)} versions holding ${referenced} blobs, ${BLOBS - fresh} old in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    for (const dryRun of [true, false]) {
      t = performance.now();
      const graceMs = s3 ? Date.now() - graceEndsAt : GRACE_MS;
      const r = await collectGarbage(deps, 'bench', { graceMs, dryRun });
      const s = (performance.now() - t) / 1000;
      console.log(
        `${dryRun ? 'gc --dry-run' : 'gc         '} (${kind}, ${DB}): ${s.toFixed(2)} s, ${Math.round(r.scanned / s)} blobs/s scanned — ` +
          `scanned ${r.scanned}, referenced ${r.referenced}, in grace ${r.in_grace}, ${dryRun ? 'would remove' : 'removed'} ${r.removed} (${r.bytes_freed} B)` +
          (dryRun ? '' : `, ${Math.round(r.removed / s)} removals/s`),
      );
    }
    console.log(`expected to remove ${BLOBS - referenced - fresh}`);
  } finally {
    await close();
  }
}
