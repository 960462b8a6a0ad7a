// A real S3-compatible server for tests: ../shared/s3 (Ceph RGW) started by .ci/run or by hand
// (`eval "$(bash ../shared/s3/start-s3.sh)"`), found through its S3_* variables. Without them the S3
// tests skip and say why, unless STAGECRAFT_REQUIRE_S3=1 (CI), where missing is a failure — as with
// PostgreSQL (STAGECRAFT_TEST_REQUIRE_PG), MLflow and Chromium.
import { randomBytes } from 'node:crypto';
import { CreateBucketCommand, DeleteBucketCommand, DeleteObjectsCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { abortUploadsUnder } from './s3-cleanup.js';
import { createS3Client, type S3Connection } from '../../src/blobs/s3-client.js';

export interface S3TestEnv extends S3Connection {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

const VARS = ['S3_ENDPOINT', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const;

/** Why S3 tests cannot run here, or null when they can. */
export function s3Missing(): string | null {
  const absent = VARS.filter((v) => !process.env[v]);
  return absent.length ? `no S3 server (${absent.join(', ')} unset; start one with eval "$(bash ../shared/s3/start-s3.sh)")` : null;
}

/** The S3 server's connection, or null (having said why) when the tests should skip. */
export function s3Env(): S3TestEnv | null {
  const missing = s3Missing();
  if (missing && process.env.STAGECRAFT_REQUIRE_S3 === '1') throw new Error(`STAGECRAFT_REQUIRE_S3=1 but ${missing}`);
  if (missing) {
    console.warn(`skipping the S3 tests: ${missing}`);
    return null;
  }
  return {
    endpoint: process.env.S3_ENDPOINT!,
    region: process.env.S3_REGION || 'us-east-1',
    credentials: { accessKeyId: process.env.S3_ACCESS_KEY_ID!, secretAccessKey: process.env.S3_SECRET_ACCESS_KEY! },
  };
}

export interface TestBucket {
  env: S3TestEnv;
  /** Set once beforeAll ran. */
  client: S3Client;
  name: string;
  /** s3://<bucket>/<prefix> */
  url(prefix?: string): string;
}

/**
 * A fresh bucket for this test file, emptied and deleted after it. Safe to call inside a
 * `describe.skipIf(!env)` (its body still runs to collect tests): the bucket and the client are made
 * in beforeAll, which a skipped suite never runs.
 */
export function useBucket(env: S3TestEnv | null): TestBucket {
  // Named now, so a test file can put b.url() in a config it passes at collection time.
  const name = `sc-test-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const b = { env, name, url: (prefix = '') => `s3://${name}/${prefix}` } as TestBucket;
  let created = false;
  beforeAll(async () => {
    b.client = createS3Client(env!);
    await b.client.send(new CreateBucketCommand({ Bucket: b.name }));
    created = true;
  });
  afterAll(async () => {
    if (!created) return;
    await emptyBucket(b.client, b.name);
    await b.client.send(new DeleteBucketCommand({ Bucket: b.name })).catch(() => undefined);
    b.client.destroy();
  });
  return b;
}

export async function emptyBucket(client: S3Client, bucket: string): Promise<void> {
  await abortUploadsUnder(client, bucket, '');
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
    if (keys.length) await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}
