// npm run bench:storage-gc — garbage collection over many small blobs on the disk store: a dry run
// then the real sweep, each timed, with blobs/s over what was scanned. The blobs are written
// straight into the disk store's layout (sha256/ab/<digest>): put() fsyncs twice per blob, which on
// a shared disk makes seeding 100,000 of them take most of an hour, and seeding is not what is
// measured — the store lists, stats and deletes them as its own. A share of them is referenced by versions (registered through the
// kernel's service, many files each), most of the rest are backdated past the grace, the remainder
// is fresh (kept by the grace). Flags: --blobs N (default 100000), --referenced 0.3 (share held by
// versions), --fresh 0.1 (share written within the grace), --db sqlite|postgres (postgres needs
// STAGECRAFT_TEST_PG_URL, an admin URL).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { collectGarbage, createModel, createVersion } from '../src/registry/index.js';
import { sha256Hex } from '../src/blobs/verify.js';
import { benchDeps, flag } from './harness.js';

const BLOBS = Number(flag('blobs', '100000'));
const REFERENCED = Number(flag('referenced', '0.3'));
const FRESH = Number(flag('fresh', '0.1'));
const DB = flag('db', 'sqlite') as 'sqlite' | 'postgres';
const PG_ADMIN = process.env.STAGECRAFT_TEST_PG_URL ?? '';
/** Files per registered version: few versions, many references (what a big registry holds). */
const FILES_PER_VERSION = 1000;
const PUT_PARALLEL = 32;
const GRACE_MS = 3_600_000;

async function inParallel(n: number, limit: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < n) await work(next++);
  }));
}

async function main() {
  const deps = await benchDeps(DB, PG_ADMIN);
  const root = path.join(deps.config.dataDir, 'blobs', 'sha256');
  try {
    let t = performance.now();
    const shas: string[] = new Array(BLOBS);
    await inParallel(BLOBS, PUT_PARALLEL, async (i) => {
      const bytes = randomBytes(64);
      const sha = sha256Hex(bytes);
      await fs.promises.mkdir(path.join(root, sha.slice(0, 2)), { recursive: true });
      await fs.promises.writeFile(path.join(root, sha.slice(0, 2), sha), bytes);
      shas[i] = sha;
    });
    const putS = (performance.now() - t) / 1000;
    console.log(`wrote ${BLOBS} blobs of 64 B into the disk store's layout in ${putS.toFixed(1)} s`);
    // The store sees them as its own: a sample reads back intact.
    for (const sha of shas.slice(0, 10)) if ((await deps.blobs.check(sha)).state !== 'ok') throw new Error(`seeded blob ${sha} is not intact`);

    const referenced = Math.round(BLOBS * REFERENCED);
    const fresh = Math.round(BLOBS * FRESH);
    t = performance.now();
    await createModel(deps, 'bench', { name: 'gc-bench' });
    for (let i = 0; i < referenced; i += FILES_PER_VERSION) {
      const files = shas.slice(i, Math.min(referenced, i + FILES_PER_VERSION)).map((sha256, j) => ({ path: `part-${i + j}.bin`, sha256 }));
      await createVersion(deps, 'bench', 'gc-bench', { files });
    }
    // Old enough to collect: everything but the last `fresh` blobs (referenced ones too: age never saves a referenced blob, nor dooms it).
    const old = new Date(Date.now() - 2 * 86_400_000);
    for (const sha of shas.slice(0, BLOBS - fresh)) fs.utimesSync(path.join(root, sha.slice(0, 2), sha), old, old);
    console.log(`registered ${Math.ceil(referenced / FILES_PER_VERSION)} versions holding ${referenced} blobs, backdated ${BLOBS - fresh} in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    for (const dryRun of [true, false]) {
      t = performance.now();
      const r = await collectGarbage(deps, 'bench', { graceMs: GRACE_MS, dryRun });
      const s = (performance.now() - t) / 1000;
      console.log(
        `${dryRun ? 'gc --dry-run' : 'gc         '} (${DB}): ${s.toFixed(2)} s, ${Math.round(r.scanned / s)} blobs/s scanned — ` +
          `scanned ${r.scanned}, referenced ${r.referenced}, in grace ${r.in_grace}, ${dryRun ? 'would remove' : 'removed'} ${r.removed} (${r.bytes_freed} B)` +
          (dryRun ? '' : `, ${Math.round(r.removed / s)} removals/s`),
      );
    }
    const expected = BLOBS - referenced - fresh;
    const left = (await fs.promises.readdir(root)).length;
    console.log(`expected to remove ${expected}; ${left} prefix directories remain`);
  } finally {
    await deps.close();
    fs.rmSync(deps.config.dataDir, { recursive: true, force: true });
  }
}

await main();
