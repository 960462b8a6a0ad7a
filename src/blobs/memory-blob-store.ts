// In-memory twin of the blob store, for unit tests of code that only needs the seam.
import { Readable } from 'node:stream';
import { notFound } from '../errors.js';
import type { BlobCheck, BlobStore, BlobStoreOptions, ByteRange, PutOptions, PutResult, StoredBlob, SweepResult } from './blob-store.js';
import { DEFAULT_MAX_UPLOAD_MS } from './blob-store.js';
import { corrupted, digestMismatch, sha256Hex, tooLarge, uploadTimedOut } from './verify.js';

export class MemoryBlobStore implements BlobStore {
  readonly blobs = new Map<string, Buffer>();
  /** When each blob was last put (garbage collection's grace period reads it). */
  readonly modified = new Map<string, number>();
  private readonly maxUploadMs: number;

  constructor(opts: BlobStoreOptions = {}) {
    this.maxUploadMs = opts.maxUploadMs ?? DEFAULT_MAX_UPLOAD_MS;
  }

  async put(source: Readable | Buffer, opts: PutOptions = {}): Promise<PutResult> {
    const chunks: Buffer[] = [];
    let size = 0;
    const deadline = Buffer.isBuffer(source) ? undefined : setTimeout(() => source.destroy(uploadTimedOut(this.maxUploadMs)), this.maxUploadMs);
    deadline?.unref();
    try {
      for await (const chunk of Buffer.isBuffer(source) ? [source] : source) {
        size += (chunk as Buffer).length;
        if (opts.maxBytes !== undefined && size > opts.maxBytes) throw tooLarge(opts.maxBytes);
        chunks.push(chunk as Buffer);
      }
    } finally {
      clearTimeout(deadline);
    }
    const bytes = Buffer.concat(chunks);
    const sha256 = sha256Hex(bytes);
    if (opts.expectedSha256 && opts.expectedSha256 !== sha256) throw digestMismatch(opts.expectedSha256, sha256);
    const before = (await this.check(sha256)).state;
    this.modified.set(sha256, Date.now());
    if (before === 'ok') return { sha256, size, created: false, repaired: false };
    this.blobs.set(sha256, bytes);
    return { sha256, size, created: true, repaired: before === 'corrupt' };
  }

  async stat(sha256: string): Promise<StoredBlob | null> {
    const b = this.blobs.get(sha256);
    return b ? { sha256, size: b.length, modifiedAt: this.modified.get(sha256) } : null;
  }

  open(sha256: string): Readable {
    const b = this.blobs.get(sha256);
    if (!b) throw notFound(`blob ${sha256} not found`);
    const actual = sha256Hex(b);
    if (actual !== sha256) {
      const r = new Readable({ read() {} });
      process.nextTick(() => r.destroy(corrupted(sha256, actual)));
      return r;
    }
    return Readable.from([b]);
  }

  /** Like the other stores, a part is not checked against the whole's digest (blob-store.ts says why). */
  openRange(sha256: string, range: ByteRange): Readable {
    const b = this.blobs.get(sha256);
    if (!b) throw notFound(`blob ${sha256} not found`);
    return Readable.from([b.subarray(range.start, range.end === undefined ? undefined : range.end + 1)]);
  }

  async read(sha256: string): Promise<Buffer> {
    const b = this.blobs.get(sha256);
    if (!b) throw notFound(`blob ${sha256} not found`);
    const actual = sha256Hex(b);
    if (actual !== sha256) throw corrupted(sha256, actual);
    return b;
  }

  async check(sha256: string): Promise<BlobCheck> {
    const b = this.blobs.get(sha256);
    if (!b) return { sha256, state: 'missing' };
    const actual = sha256Hex(b);
    return actual === sha256 ? { sha256, state: 'ok', size: b.length } : { sha256, state: 'corrupt', size: b.length, actual };
  }

  async *list(): AsyncIterable<StoredBlob> {
    for (const [sha256, b] of [...this.blobs]) yield { sha256, size: b.length, modifiedAt: this.modified.get(sha256) };
  }

  /** Nothing to sweep: an upload in memory that is cut off leaves nothing behind. */
  async sweepTemp(): Promise<SweepResult> {
    return { removed: 0, bytes: 0 };
  }

  async delete(sha256: string): Promise<boolean> {
    this.modified.delete(sha256);
    return this.blobs.delete(sha256);
  }
}
