// npm run bench:storage -- --only manifest — registering a version of many files held on S3: every
// file's blob is checked before the version exists, and checked again under gc's lock as it commits
// (src/registry/blob-guard.ts); on an object store each check is a request. Its own S3 server
// (../shared/s3), the S3 blob store on a bucket prefix, SQLite (or --db postgres). Flags:
// --files N (default 1000) files per version, --manifest-reps N (default 3) versions timed (median).
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { S3BlobStore } from '../src/blobs/s3-blob-store.js';
import { sha256Hex } from '../src/blobs/verify.js';
import { defaultConfig } from '../src/config.js';
import { createDeps } from '../src/deps.js';
import { createLogger } from '../src/log.js';
import { createModel, createVersion } from '../src/registry/index.js';
import { startBenchS3 } from './bench-s3.js';
import { benchTempDir, flag, freshPg, removeBenchTempDir } from './harness.js';

const FILES = Number(flag('files', '1000'));
const REPS = Number(flag('manifest-reps', '3'));
const DB = flag('db', 'sqlite') as 'sqlite' | 'postgres';
const BUCKET = 'manifest-bench';

export async function runManifestBench(): Promise<void> {
  const s3 = await startBenchS3(FILES * REPS * 16 * 1024 + 256 * 1024 * 1024, FILES * REPS * 16 * 1024 + 128 * 1024 * 1024, BUCKET);
  const dataDir = benchTempDir('sc-bench-manifest-');
  try {
    const databaseUrl = DB === 'postgres' ? await freshPg(process.env.STAGECRAFT_TEST_PG_URL ?? '') : null;
    const store = new S3BlobStore(s3.client, { bucket: BUCKET, prefix: 'blobs' });
    const deps = await createDeps({ ...defaultConfig(), dataDir, databaseUrl, logLevel: 'silent' }, { log: createLogger('silent'), blobs: store });
    try {
      await createModel(deps, 'bench', { name: 'many-files' });
      const times: number[] = [];
      for (let rep = 0; rep < REPS; rep++) {
        const shas: string[] = [];
        let next = 0;
        await Promise.all(Array.from({ length: 32 }, async () => {
          for (let i = next++; i < FILES; i = next++) {
            const bytes = randomBytes(64);
            shas[i] = sha256Hex(bytes);
            await s3.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: store.key(shas[i]), Body: bytes }));
          }
        }));
        const t = performance.now();
        await createVersion(deps, 'bench', 'many-files', { files: shas.map((sha256, i) => ({ path: `part-${i}.bin`, sha256 })) });
        times.push((performance.now() - t) / 1000);
      }
      const sorted = [...times].sort((a, b) => a - b);
      console.log(`create a version of ${FILES} files on S3 (${DB}), load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}: median ${sorted[Math.floor(REPS / 2)].toFixed(2)} s (${times.map((s) => s.toFixed(2)).join(', ')})`);
    } finally {
      await deps.close();
    }
  } finally {
    s3.stop();
    removeBenchTempDir(dataDir);
  }
}
