// One streamed upload to a temporary S3 key: multipart (lib-storage), hashed and metered on the way,
// so memory stays at a few parts whatever the size. A failed, oversized or overdue upload is aborted
// on the store too: no parts are left billing in the bucket.
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { AbortMultipartUploadCommand, ListMultipartUploadsCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { PutOptions, StoredBlob } from './blob-store.js';
import { digestMismatch, tooLarge, uploadTimedOut } from './verify.js';

/** 8 MiB parts, 4 in flight: ~40 MB of buffers per upload, and 80 GB before S3's 10,000-part limit. */
const PART_SIZE = 8 * 1024 * 1024;
const QUEUE_SIZE = 4;

export async function uploadHashed(
  client: S3Client,
  bucket: string,
  key: string,
  source: Readable | Buffer,
  opts: PutOptions,
  maxUploadMs: number,
): Promise<StoredBlob> {
  const hash = createHash('sha256');
  let size = 0;
  let failure: Error | null = null;
  let sha256 = '';
  const meter = new Transform({
    highWaterMark: 1024 * 1024,
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (opts.maxBytes !== undefined && size > opts.maxBytes) return done((failure = tooLarge(opts.maxBytes)));
      hash.update(chunk);
      done(null, chunk);
    },
    // Before the stream ends, so before lib-storage can complete the upload: bytes that are not the
    // expected ones fail it, and it is aborted instead. (This is what lets a put with a known digest
    // upload straight to its content address: nothing unverified is ever completed there.)
    flush(done) {
      sha256 = hash.digest('hex');
      if (opts.expectedSha256 && opts.expectedSha256 !== sha256) return done((failure = digestMismatch(opts.expectedSha256, sha256)));
      done();
    },
  });
  const input = Buffer.isBuffer(source) ? Readable.from([source]) : source;
  // The source's own failure (a client cut off) must fail the upload, not just end it early.
  input.on('error', (err) => meter.destroy((failure ??= err)));
  // A client that hangs up may only close the request, without an error: that is a failure too.
  input.once('close', () => {
    if (!input.readableEnded) meter.destroy((failure ??= new Error('the upload was cut off before its end')));
  });
  input.pipe(meter);
  const upload = new Upload({ client, params: { Bucket: bucket, Key: key, Body: meter }, partSize: PART_SIZE, queueSize: QUEUE_SIZE });
  const deadline = setTimeout(() => {
    failure ??= uploadTimedOut(maxUploadMs);
    meter.destroy(failure);
    input.destroy();
    void upload.abort();
  }, maxUploadMs);
  deadline.unref();
  try {
    await upload.done();
    if (failure) throw failure;
  } catch (err) {
    input.unpipe(meter);
    input.resume();
    await abortUploadsOf(client, bucket, key);
    throw failure ?? err;
  } finally {
    clearTimeout(deadline);
  }
  return { sha256, size };
}

/**
 * Aborts every multipart upload still open on `key`. lib-storage aborts its own on most failures,
 * but not always before done() rejects (an abort() races it): this makes sure.
 */
export async function abortUploadsOf(client: S3Client, bucket: string, key: string): Promise<void> {
  const open = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key })).catch(() => null);
  for (const u of open?.Uploads ?? []) {
    if (u.Key !== key || !u.UploadId) continue;
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: u.UploadId })).catch(() => undefined);
  }
}
