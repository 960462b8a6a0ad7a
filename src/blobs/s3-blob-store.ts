// S3-compatible blob store: <prefix>/sha256/ab/abcdef… objects, uploads in <prefix>/tmp/ until whole.
//
// put() streams to a temp key (multipart, hashed on the way), and only once the upload is complete
// and its digest known and checked is it copied server-side to its content address: an incomplete
// or unverified object never sits under an address. With the digest given up front (the SDK and CLI
// give it) the multipart upload goes to the address itself and is completed only once verified. Several servers may share the bucket: temp keys
// carry the writer's host and pid (temp-files.ts) so a sweep never takes another's live upload.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { AppError } from '../errors.js';
import type { BlobCheck, BlobStore, BlobStoreOptions, ByteRange, PutOptions, PutResult, StoredBlob, SweepOptions, SweepResult } from './blob-store.js';
import { DEFAULT_MAX_UPLOAD_MS, SHA256_RE } from './blob-store.js';
import { isNoSuchKey, type S3Location } from './s3-client.js';
import { copyObject } from './s3-copy.js';
import { getBody, streamObject } from './s3-read.js';
import { sweepS3Temp } from './s3-sweep.js';
import { uploadHashed } from './s3-upload.js';
import { tempName } from './temp-files.js';
import { corrupted, digestMismatch, verifyingStream } from './verify.js';

const BLOB_KEY_RE = /sha256\/([0-9a-f]{2})\/([0-9a-f]{64})$/;

export class S3BlobStore implements BlobStore {
  readonly bucket: string;
  private readonly base: string;
  readonly tmpPrefix: string;
  private readonly maxUploadMs: number;
  /** Temp names of this process's puts in progress: a sweep never touches them. */
  private readonly active = new Set<string>();
  /** Content addresses this process is uploading to directly (putAt). */
  private readonly activeKeys = new Set<string>();

  constructor(
    readonly client: S3Client,
    loc: S3Location,
    opts: BlobStoreOptions = {},
  ) {
    this.bucket = loc.bucket;
    this.base = loc.prefix ? `${loc.prefix}/` : '';
    this.tmpPrefix = `${this.base}tmp/`;
    this.maxUploadMs = opts.maxUploadMs ?? DEFAULT_MAX_UPLOAD_MS;
  }

  /** The object key of a blob. */
  key(sha256: string): string {
    if (!SHA256_RE.test(sha256)) throw new AppError('invalid_argument', `not a sha256 digest: ${sha256}`);
    return `${this.base}sha256/${sha256.slice(0, 2)}/${sha256}`;
  }

  async put(source: Readable | Buffer, opts: PutOptions = {}): Promise<PutResult> {
    if (opts.expectedSha256 && SHA256_RE.test(opts.expectedSha256)) return this.putAt(opts.expectedSha256, source, opts);
    const name = tempName();
    const tmp = this.tmpPrefix + name;
    this.active.add(name);
    try {
      const { sha256, size } = await uploadHashed(this.client, this.bucket, tmp, source, opts, this.maxUploadMs);
      if (opts.expectedSha256 && opts.expectedSha256 !== sha256) throw digestMismatch(opts.expectedSha256, sha256);
      // Stored once: an intact copy only gets a fresh LastModified (garbage collection's grace
      // period); a corrupted or vanished one is replaced by these verified bytes.
      const before = (await this.stat(sha256)) ? (await this.check(sha256)).state : 'missing';
      await copyObject(this.client, this.bucket, before === 'ok' ? this.key(sha256) : tmp, this.key(sha256), size);
      return { sha256, size, created: before !== 'ok', repaired: before === 'corrupt' };
    } finally {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: tmp })).catch(() => undefined);
      this.active.delete(name);
    }
  }

  /**
   * A put whose digest is known up front goes straight to its address as a multipart upload: S3
   * shows it only once completed, and uploadHashed fails it before completion unless the bytes hash
   * to the digest. No temp object, no copy: half the store's work for large artifacts.
   */
  private async putAt(expected: string, source: Readable | Buffer, opts: PutOptions): Promise<PutResult> {
    const key = this.key(expected);
    this.activeKeys.add(key);
    try {
      const before = (await this.stat(expected)) ? (await this.check(expected)).state : 'missing';
      const { size } = await uploadHashed(this.client, this.bucket, key, source, opts, this.maxUploadMs);
      return { sha256: expected, size, created: before !== 'ok', repaired: before === 'corrupt' };
    } finally {
      this.activeKeys.delete(key);
    }
  }

  async stat(sha256: string): Promise<StoredBlob | null> {
    // A listing, not HeadObject: its LastModified has milliseconds (HEAD's header has seconds), and
    // stat() and list() must agree on modifiedAt.
    const key = this.key(sha256);
    const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: key, MaxKeys: 1 }));
    const o = page.Contents?.find((c) => c.Key === key);
    return o ? { sha256, size: o.Size ?? 0, modifiedAt: o.LastModified?.getTime() } : null;
  }

  async head(sha256: string): Promise<StoredBlob | null> {
    // HEAD: on RGW a prefix listing goes through the bucket index and costs several times a HEAD
    // (measured: 1,000 stats 3.2 s vs 1.9 s at 16 in flight); no modifiedAt (HEAD's has seconds only).
    try {
      const res = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(sha256) }));
      return { sha256, size: res.ContentLength ?? 0 };
    } catch (err) {
      if (isNoSuchKey(err)) return null;
      throw err;
    }
  }

  open(sha256: string): Readable {
    // 1 MiB of buffer rather than 16 kB: a network source pauses and resumes far less often.
    return streamObject(this.client, this.bucket, this.key(sha256), `blob ${sha256}`, verifyingStream(sha256, 1024 * 1024));
  }

  async read(sha256: string): Promise<Buffer> {
    const chunks: Buffer[] = [];
    const hash = createHash('sha256');
    for await (const chunk of await getBody(this.client, this.bucket, this.key(sha256), `blob ${sha256}`)) {
      hash.update(chunk as Buffer);
      chunks.push(chunk as Buffer);
    }
    const actual = hash.digest('hex');
    if (actual !== sha256) throw corrupted(sha256, actual);
    return Buffer.concat(chunks);
  }

  async check(sha256: string): Promise<BlobCheck> {
    const hash = createHash('sha256');
    let size = 0;
    let body: Readable;
    try {
      body = await getBody(this.client, this.bucket, this.key(sha256), `blob ${sha256}`);
    } catch (err) {
      if (err instanceof AppError && err.code === 'not_found') return { sha256, state: 'missing' };
      throw err;
    }
    for await (const chunk of body) {
      size += (chunk as Buffer).length;
      hash.update(chunk as Buffer);
    }
    const actual = hash.digest('hex');
    return actual === sha256 ? { sha256, state: 'ok', size } : { sha256, state: 'corrupt', size, actual };
  }

  async *list(): AsyncIterable<StoredBlob> {
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${this.base}sha256/`, ContinuationToken: token }));
      for (const o of page.Contents ?? []) {
        const m = BLOB_KEY_RE.exec(o.Key ?? '');
        if (!m || m[2].slice(0, 2) !== m[1] || o.Key !== this.key(m[2])) continue;
        yield { sha256: m[2], size: o.Size ?? 0, modifiedAt: o.LastModified?.getTime() };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  sweepTemp(opts: SweepOptions = {}): Promise<SweepResult> {
    return sweepS3Temp(this.client, this.bucket, { tmp: this.tmpPrefix, blobs: `${this.base}sha256/` }, { names: this.active, keys: this.activeKeys }, opts.olderThanMs ?? this.maxUploadMs);
  }

  async delete(sha256: string): Promise<boolean> {
    // S3's DELETE answers the same whether or not the object was there: ask first. HEAD, not stat()'s
    // listing: no timestamp is needed here, and a prefix listing costs an object store (RGW's bucket
    // index) far more than a HEAD — gc calls this for every blob it removes.
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(sha256) }));
    } catch (err) {
      if (isNoSuchKey(err)) return false;
      throw err;
    }
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(sha256) }));
    return true;
  }

  openRange(sha256: string, range: ByteRange): Readable {
    return streamObject(this.client, this.bucket, this.key(sha256), `blob ${sha256}`, undefined, range);
  }

  close(): void {
    this.client.destroy();
  }

  presign(sha256: string, ttlSeconds: number): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: this.key(sha256) }), { expiresIn: ttlSeconds });
  }
}
