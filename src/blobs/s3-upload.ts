// One streamed upload to an S3 key: multipart, hashed and metered on the way, so memory stays at a
// few parts whatever the size. A failed, oversized, mismatched or overdue upload is aborted on the
// store too: no parts are left billing in the bucket, and nothing unverified is ever completed.
//
// Our own loop, not @aws-sdk/lib-storage's Upload (measured, bench:storage --cpu-prof, 256 MB
// uploads): lib-storage gathers each part by Buffer.concat of the incoming chunks, a new 8 MiB
// buffer per part; that churn of external memory made V8's garbage collector the server's largest
// CPU item (1.2 s per 256 MB, more than the sha256). Here the bytes are copied once into a small
// pool of part buffers reused for the whole upload (QUEUE_SIZE in flight + the one filling), each
// sent as a plain Buffer (so the SDK can still retry a part).
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  PutObjectCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
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
  const input = Buffer.isBuffer(source) ? Readable.from([source]) : source;
  const abort = new AbortController();
  let failure: Error | null = null;
  const fail = (err: Error) => {
    failure ??= err;
    abort.abort(failure);
    input.destroy();
  };
  // The source's own failure (a client cut off) must fail the upload, not just end it early; a
  // client that hangs up may only close the request, without an error: that is a failure too.
  input.on('error', (err) => void (failure ??= err));
  input.once('close', () => {
    if (!input.readableEnded) failure ??= new Error('the upload was cut off before its end');
  });
  const deadline = setTimeout(() => fail(uploadTimedOut(maxUploadMs)), maxUploadMs);
  deadline.unref();
  const parts = new Parts(client, bucket, key, abort.signal, fail);
  try {
    const hash = createHash('sha256');
    let size = 0;
    let part = parts.buffer();
    let filled = 0;
    for await (const chunk of input as AsyncIterable<Buffer>) {
      if (failure) break;
      size += chunk.length;
      if (opts.maxBytes !== undefined && size > opts.maxBytes) throw tooLarge(opts.maxBytes);
      hash.update(chunk);
      for (let at = 0; at < chunk.length; ) {
        const n = chunk.copy(part, filled, at);
        at += n;
        filled += n;
        if (filled === PART_SIZE) {
          // Waits while QUEUE_SIZE parts are in flight: the source is read no faster than the store takes it.
          part = await parts.send(part, PART_SIZE);
          filled = 0;
        }
      }
    }
    if (failure) throw failure;
    if (!input.readableEnded) throw new Error('the upload was cut off before its end');
    const sha256 = hash.digest('hex');
    // Before completion: bytes that are not the expected ones fail the upload, and it is aborted
    // instead (what lets a put with a known digest upload straight to its content address).
    if (opts.expectedSha256 && opts.expectedSha256 !== sha256) throw digestMismatch(opts.expectedSha256, sha256);
    await parts.finish(part, filled);
    if (failure) throw failure;
    return { sha256, size };
  } catch (err) {
    fail(err as Error);
    input.resume();
    await parts.abort();
    throw failure ?? err;
  } finally {
    clearTimeout(deadline);
  }
}

/** The parts of one upload: a pool of buffers, the multipart upload started with its first part. */
class Parts {
  private readonly free: Buffer[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly done: CompletedPart[] = [];
  private uploadId: Promise<string> | null = null;
  private count = 0;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly key: string,
    private readonly signal: AbortSignal,
    private readonly fail: (err: Error) => void,
  ) {}

  /** A part buffer: a free one from the pool, else a new one (at most QUEUE_SIZE + 1 per upload). */
  buffer(): Buffer {
    return this.free.pop() ?? Buffer.allocUnsafe(PART_SIZE);
  }

  /** Starts sending `bytes` as the next part; answers the buffer to fill next once a slot is free. */
  async send(buf: Buffer, length: number): Promise<Buffer> {
    const partNumber = ++this.count;
    // Not cancelled with the parts: a creation cut off client-side may still complete on the store
    // after abort() looked for it (seen in CI under load); awaited, its id is always aborted.
    this.uploadId ??= this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.key })).then((r) => r.UploadId!);
    const sending = (async () => {
      const UploadId = await this.uploadId!;
      const res = await this.client.send(
        new UploadPartCommand({ Bucket: this.bucket, Key: this.key, UploadId, PartNumber: partNumber, Body: buf.subarray(0, length), ContentLength: length }),
        { abortSignal: this.signal },
      );
      this.done.push({ PartNumber: partNumber, ETag: res.ETag });
      this.free.push(buf);
    })().catch((err: Error) => this.fail(err));
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending));
    while (this.inFlight.size >= QUEUE_SIZE) await Promise.race(this.inFlight);
    return this.buffer();
  }

  /** Sends the last bytes and completes the upload (a single PutObject when it all fit one part). */
  async finish(last: Buffer, length: number): Promise<void> {
    if (this.count === 0) {
      await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: this.key, Body: last.subarray(0, length), ContentLength: length }), { abortSignal: this.signal });
      return;
    }
    if (length > 0) await this.send(last, length);
    await Promise.all(this.inFlight);
    if (this.signal.aborted) return;
    const UploadId = await this.uploadId!;
    const sorted = [...this.done].sort((a, b) => a.PartNumber! - b.PartNumber!);
    await this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId, MultipartUpload: { Parts: sorted } }), { abortSignal: this.signal });
  }

  /** After a failure: waits for the parts in flight, then aborts the upload on the store. */
  async abort(): Promise<void> {
    await Promise.all(this.inFlight);
    const id = await this.uploadId?.catch(() => null);
    if (id) await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: id })).catch(() => undefined);
    // Belt and braces: an upload whose creation answered after the abort began is found by listing.
    if (this.uploadId) await abortUploadsOf(this.client, this.bucket, this.key);
  }
}

/** Aborts every multipart upload still open on `key`. */
export async function abortUploadsOf(client: S3Client, bucket: string, key: string): Promise<void> {
  const open = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: key })).catch(() => null);
  for (const u of open?.Uploads ?? []) {
    if (u.Key !== key || !u.UploadId) continue;
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: u.UploadId })).catch(() => undefined);
  }
}
