// The blob store seam: content-addressed bytes (sha256), stored once however many versions share them.
//
// Guarantees every implementation keeps (see blob-store.contract.ts):
// - put() hashes while it writes and only makes bytes visible under their address once they are
//   complete and durable; a put that fails or is cut off leaves nothing behind.
// - put() past maxBytes fails with AppError('too_large') and stores nothing.
// - open() and read() verify the bytes against their address: a corrupted blob never reaches a caller
//   as if it were good (open() errors its stream at the end, read() throws).
import type { Readable } from 'node:stream';

export interface StoredBlob {
  sha256: string;
  size: number;
}

export interface PutOptions {
  maxBytes?: number;
  /** When given, a mismatch is refused with invalid_argument and nothing is stored. */
  expectedSha256?: string;
}

export interface BlobStore {
  put(source: Readable | Buffer, opts?: PutOptions): Promise<StoredBlob>;
  stat(sha256: string): Promise<StoredBlob | null>;
  open(sha256: string): Readable;
  read(sha256: string): Promise<Buffer>;
}

export const SHA256_RE = /^[0-9a-f]{64}$/;
