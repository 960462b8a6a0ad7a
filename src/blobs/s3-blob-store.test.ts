// What only the S3 store does, against the real server (the shared contract is blob-store.test.ts):
// multipart uploads and their abort, ranged reads, presigned URLs, the sweep of stale uploads, and
// the startup check of the bucket.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { CreateMultipartUploadCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { objectCount, openUploads } from '../../test/helpers/s3-cleanup.js';
import { s3Env, useBucket } from '../../test/helpers/s3.js';
import { S3BlobStore } from './s3-blob-store.js';
import { createS3Client, ensureBucket, parseS3Url } from './s3-client.js';
import { HOST_TAG, tempName } from './temp-files.js';
import { sha256Hex } from './verify.js';

const env = s3Env();

describe('S3 URLs', () => {
  it('splits bucket and prefix', () => {
    expect(parseS3Url('s3://models/prod/blobs/')).toEqual({ bucket: 'models', prefix: 'prod/blobs' });
    expect(parseS3Url('s3://models')).toEqual({ bucket: 'models', prefix: '' });
    expect(() => parseS3Url('s3:///x')).toThrow(/not an S3 URL/);
  });
});

describe.skipIf(!env)('S3 blob store on a real server', () => {
  const bucket = useBucket(env);
  const make = () => new S3BlobStore(bucket.client, { bucket: bucket.name, prefix: `s3only-${randomBytes(4).toString('hex')}` });

  /** `parts` chunks of 1 MiB of random bytes. */
  function randomSource(parts: number, failAfter?: number) {
    const chunks = Array.from({ length: parts }, () => randomBytes(1024 * 1024));
    let i = 0;
    const source = new Readable({
      read() {
        if (failAfter !== undefined && i === failAfter) return void this.destroy(new Error('client went away'));
        this.push(i < chunks.length ? chunks[i++] : null);
      },
    });
    return { source, bytes: Buffer.concat(chunks) };
  }

  it('streams a multipart upload (several parts) and reads it back verified', async () => {
    const store = make();
    const { source, bytes } = randomSource(20);
    const put = await store.put(source);
    expect(put).toMatchObject({ sha256: sha256Hex(bytes), size: bytes.length, created: true });
    expect((await store.read(put.sha256)).equals(bytes)).toBe(true);
    expect(await objectCount(bucket.client, bucket.name, store.tmpPrefix)).toBe(0);
  });

  it('aborts the multipart upload on the store when the client goes away half-way', async () => {
    const store = make();
    const { source } = randomSource(30, 20);
    await expect(store.put(source)).rejects.toThrow(/client went away/);
    expect(await openUploads(bucket.client, bucket.name, store.tmpPrefix)).toBe(0);
    expect(await objectCount(bucket.client, bucket.name, store.tmpPrefix)).toBe(0);
  });

  it('aborts the multipart upload when the source just closes before its end (a hung-up client)', async () => {
    const store = make();
    const chunks = Array.from({ length: 20 }, () => randomBytes(1024 * 1024));
    let i = 0;
    const source = new Readable({
      read() {
        if (i === 12) return void this.destroy();
        this.push(chunks[i++]);
      },
    });
    await expect(store.put(source)).rejects.toThrow(/cut off/);
    expect(await openUploads(bucket.client, bucket.name, store.tmpPrefix)).toBe(0);
  });

  it('aborts a multipart upload past maxBytes with too_large', async () => {
    const store = make();
    const { source } = randomSource(20);
    await expect(store.put(source, { maxBytes: 12 * 1024 * 1024 })).rejects.toMatchObject({ code: 'too_large' });
    expect(await openUploads(bucket.client, bucket.name, store.tmpPrefix)).toBe(0);
  });

  it('uploads straight to the address when the digest is known, and aborts there on a mismatch', async () => {
    const store = make();
    const { source, bytes } = randomSource(12);
    const good = await store.put(source, { expectedSha256: sha256Hex(bytes) });
    expect(good).toMatchObject({ sha256: sha256Hex(bytes), created: true, repaired: false });
    expect((await store.read(good.sha256)).equals(bytes)).toBe(true);
    const liar = randomSource(12);
    const claimed = sha256Hex(Buffer.from('something else'));
    await expect(store.put(liar.source, { expectedSha256: claimed })).rejects.toMatchObject({ code: 'invalid_argument' });
    expect(await store.stat(claimed)).toBeNull();
    expect(await openUploads(bucket.client, bucket.name, store.key(claimed))).toBe(0);
    expect(await store.put(bytes, { expectedSha256: good.sha256 })).toMatchObject({ created: false, repaired: false });
  });

  it('reads ranges and hands out presigned URLs that serve the bytes without credentials', async () => {
    const store = make();
    const data = Buffer.from('0123456789abcdef');
    const { sha256 } = await store.put(data);
    const parts: Buffer[] = [];
    for await (const c of store.openRange(sha256, { start: 4, end: 9 })) parts.push(c as Buffer);
    expect(Buffer.concat(parts).toString()).toBe('456789');
    const res = await fetch(await store.presign(sha256, 60));
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer())).toEqual(data);
  });

  it("sweeps stale temp objects and open uploads, never another live writer's fresh one", async () => {
    const store = make();
    const dead = store.tmpPrefix + tempName(2 ** 22 + 4321);
    const otherHostFresh = store.tmpPrefix + tempName(4242, HOST_TAG === 'ffffffff' ? '00000000' : 'ffffffff');
    await bucket.client.send(new PutObjectCommand({ Bucket: bucket.name, Key: dead, Body: Buffer.alloc(100) }));
    await bucket.client.send(new PutObjectCommand({ Bucket: bucket.name, Key: otherHostFresh, Body: Buffer.alloc(10) }));
    await bucket.client.send(new CreateMultipartUploadCommand({ Bucket: bucket.name, Key: store.tmpPrefix + tempName(2 ** 22 + 4322) }));
    const swept = await store.sweepTemp();
    expect(swept).toEqual({ removed: 2, bytes: 100 });
    expect(await objectCount(bucket.client, bucket.name, store.tmpPrefix)).toBe(1);
    expect(await openUploads(bucket.client, bucket.name, store.tmpPrefix)).toBe(0);
    // Past the age limit, whoever wrote it.
    expect(await store.sweepTemp({ olderThanMs: 0 })).toEqual({ removed: 1, bytes: 10 });
  });

  it('says clearly at startup when the bucket does not exist', async () => {
    const client = createS3Client(env!);
    await expect(ensureBucket(client, { bucket: `missing-${randomBytes(4).toString('hex')}`, prefix: '' }, env!.endpoint)).rejects.toThrow(/does not exist: create it first/);
    client.destroy();
  });
});
