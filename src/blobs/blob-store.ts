// The blob store seam: content-addressed bytes (sha256), stored once however many versions share them.
//
// Guarantees every implementation keeps (the contract test is blob-store.test.ts):
// - put() hashes while it writes and only makes bytes visible under their address once they are
//   complete and durable; a put that fails, is cut off or outlives maxUploadMs leaves nothing behind.
// - put() past maxBytes fails with AppError('too_large') and stores nothing.
// - put() of bytes whose stored copy is corrupted replaces that copy with the verified new bytes and
//   says so (`repaired`): a re-upload heals the store instead of failing on the bad copy.
// - open() and read() verify the bytes against their address: a corrupted blob never reaches a caller
//   as if it were good (open() errors its stream at the end, read() throws).
// - check() hashes the stored bytes and says ok, corrupt or missing; list() names every stored blob.
// - sweepTemp() removes what uploads cut short by a crash left behind, never an upload in progress.
// - put() of bytes already stored intact refreshes their modifiedAt, and list()/stat() report it:
//   garbage collection spares any blob touched within its grace period, so an upload that dedupes
//   onto an old unreferenced blob is never swept between its put and its version's commit.
// - delete() removes one blob (false when it was not there); only garbage collection calls it.
//
// Optional (every store here has openRange; head and presign only S3), so a test double may leave them out:
// - openRange() reads part of a blob. A part cannot be checked against the whole's sha256, so its
//   bytes are NOT verified: callers that need integrity read the whole blob or verify themselves.
// - head() is stat() without modifiedAt, for callers that only need "stored, and how large": on S3
//   a HEAD request instead of stat()'s bucket listing (far cheaper for the store). statMany() uses it.
// - presign() gives a time-limited URL a client can GET the bytes from directly; the client must
//   verify them against the sha256 (the SDK's downloads do).
import type { Readable } from 'node:stream';

export interface StoredBlob {
  sha256: string;
  size: number;
  /** When the bytes were last written or re-put (ms since epoch). */
  modifiedAt?: number;
}

export interface PutResult extends StoredBlob {
  /** True when these bytes were not stored intact before (new, missing or corrupted). */
  created: boolean;
  /** True when a corrupted stored copy was replaced by these verified bytes. */
  repaired: boolean;
}

export interface PutOptions {
  maxBytes?: number;
  /** When given, a mismatch is refused with invalid_argument and nothing is stored. */
  expectedSha256?: string;
}

export type BlobState = 'ok' | 'corrupt' | 'missing';

export interface BlobCheck {
  sha256: string;
  state: BlobState;
  /** Size on disk (absent when missing). */
  size?: number;
  /** What the stored bytes hash to, when corrupt. */
  actual?: string;
}

export interface SweepResult {
  removed: number;
  bytes: number;
}

export interface SweepOptions {
  /** Leftovers at least this old go (default: the store's longest allowed upload). */
  olderThanMs?: number;
}

export interface BlobStoreOptions {
  /** The longest an upload may take; a longer one fails with code timeout and leaves nothing. */
  maxUploadMs?: number;
}

/** Default longest upload: two hours (16 GB at ~20 MB/s); STAGECRAFT_MAX_UPLOAD_SECONDS changes it. */
export const DEFAULT_MAX_UPLOAD_MS = 2 * 3600_000;

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive (absent: to the end). */
  end?: number;
}

export interface BlobStore {
  put(source: Readable | Buffer, opts?: PutOptions): Promise<PutResult>;
  stat(sha256: string): Promise<StoredBlob | null>;
  open(sha256: string): Readable;
  read(sha256: string): Promise<Buffer>;
  /** Hashes the stored bytes (a full read): is this blob intact? */
  check(sha256: string): Promise<BlobCheck>;
  /** Every stored blob, in no particular order. */
  list(): AsyncIterable<StoredBlob>;
  sweepTemp(opts?: SweepOptions): Promise<SweepResult>;
  /** Removes one blob; false when it was not stored. */
  delete(sha256: string): Promise<boolean>;
  /** Whether a blob is stored and its size, without modifiedAt (cheaper than stat() where it exists). */
  head?(sha256: string): Promise<StoredBlob | null>;
  /** Part of a blob, unverified (see above). */
  openRange?(sha256: string, range: ByteRange): Readable;
  /** A URL to GET the blob from for `ttlSeconds`, straight from the store (see above). */
  presign?(sha256: string, ttlSeconds: number): Promise<string>;
  /** Releases connections (S3); the store is not used after. */
  close?(): void;
}

export const SHA256_RE = /^[0-9a-f]{64}$/;
