// In-memory twin of the blob store, for unit tests of code that only needs the seam.
import { Readable } from 'node:stream';
import { notFound } from '../errors.js';
import type { BlobStore, PutOptions, StoredBlob } from './blob-store.js';
import { corrupted, digestMismatch, sha256Hex, tooLarge } from './verify.js';

export class MemoryBlobStore implements BlobStore {
  readonly blobs = new Map<string, Buffer>();

  async put(source: Readable | Buffer, opts: PutOptions = {}): Promise<StoredBlob> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of Buffer.isBuffer(source) ? [source] : source) {
      size += (chunk as Buffer).length;
      if (opts.maxBytes !== undefined && size > opts.maxBytes) throw tooLarge(opts.maxBytes);
      chunks.push(chunk as Buffer);
    }
    const bytes = Buffer.concat(chunks);
    const sha256 = sha256Hex(bytes);
    if (opts.expectedSha256 && opts.expectedSha256 !== sha256) throw digestMismatch(opts.expectedSha256, sha256);
    if (!this.blobs.has(sha256)) this.blobs.set(sha256, bytes);
    return { sha256, size };
  }

  async stat(sha256: string): Promise<StoredBlob | null> {
    const b = this.blobs.get(sha256);
    return b ? { sha256, size: b.length } : null;
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

  async read(sha256: string): Promise<Buffer> {
    const b = this.blobs.get(sha256);
    if (!b) throw notFound(`blob ${sha256} not found`);
    const actual = sha256Hex(b);
    if (actual !== sha256) throw corrupted(sha256, actual);
    return b;
  }
}
