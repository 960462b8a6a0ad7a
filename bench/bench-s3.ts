// A throwaway S3-compatible server (../shared/s3: Ceph RGW on memstore) for the storage benches,
// sized for what they store, and a plain AWS SDK client for it. stop() removes it and everything in it.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { S3Connection } from '../src/blobs/s3-client.js';
import { benchTempDir, removeBenchTempDir } from './harness.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const S3_DIR = process.env.STAGECRAFT_S3_DIR ?? path.resolve(REPO, '..', 'shared', 's3');

export interface BenchS3 {
  /** S3_ENDPOINT, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_REGION, S3_TEST_DIR as start-s3.sh prints them. */
  env: Record<string, string>;
  conn: S3Connection & { endpoint: string };
  client: S3Client;
  stop(): void;
}

/** Starts a server with `memBytes` of object memory and a quota of `quotaBytes`, with `bucket` in it. */
export async function startBenchS3(memBytes: number, quotaBytes: number, bucket: string): Promise<BenchS3> {
  const dir = benchTempDir('stagecraft-bench-s3-');
  const out = execFileSync('bash', [path.join(S3_DIR, 'start-s3.sh'), path.join(dir, 's3')], {
    env: { ...process.env, S3_MEM_BYTES: String(memBytes), S3_QUOTA_BYTES: String(quotaBytes), S3_QUIET: '1' },
    encoding: 'utf8',
  });
  const env: Record<string, string> = {};
  for (const m of out.matchAll(/^export (\w+)=(.*)$/gm)) env[m[1]] = m[2];
  const conn = { endpoint: env.S3_ENDPOINT, region: env.S3_REGION, credentials: { accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY } };
  // The SDK as a user of it would set it up (what the transfer bench compares Stagecraft against):
  // its defaults, with only what ../shared/s3's README says an S3-compatible server needs — not
  // Stagecraft's client (src/blobs/s3-client.ts), whose tuning is what is being measured.
  const client = new S3Client({ ...conn, forcePathStyle: true, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
  const stop = () => {
    client.destroy();
    execFileSync('bash', [path.join(S3_DIR, 'stop-s3.sh'), env.S3_TEST_DIR], { stdio: 'ignore' });
    removeBenchTempDir(dir);
  };
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (err) {
    stop();
    throw err;
  }
  return { env, conn, client, stop };
}
