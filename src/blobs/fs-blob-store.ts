// Local-disk blob store: <root>/sha256/ab/abcdef… as plain files, uploads in <root>/tmp until whole.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../errors.js';
import type { BlobCheck, BlobStore, BlobStoreOptions, ByteRange, PutOptions, PutResult, StoredBlob, SweepOptions, SweepResult } from './blob-store.js';
import { DEFAULT_MAX_UPLOAD_MS, SHA256_RE } from './blob-store.js';
import { sweepTempDir, tempName } from './temp-files.js';
import { corrupted, digestMismatch, sha256Hex, tooLarge, uploadTimedOut, verifyingStream } from './verify.js';

export class FsBlobStore implements BlobStore {
  private readonly tmpDir: string;
  private readonly maxUploadMs: number;
  /** Temp files of this process's puts in progress: a sweep never touches them. */
  private readonly active = new Set<string>();

  constructor(
    private readonly root: string,
    opts: BlobStoreOptions = {},
  ) {
    this.tmpDir = path.join(root, 'tmp');
    this.maxUploadMs = opts.maxUploadMs ?? DEFAULT_MAX_UPLOAD_MS;
    fs.mkdirSync(this.tmpDir, { recursive: true });
  }

  private blobPath(sha256: string): string {
    if (!SHA256_RE.test(sha256)) throw new AppError('invalid_argument', `not a sha256 digest: ${sha256}`);
    return path.join(this.root, 'sha256', sha256.slice(0, 2), sha256);
  }

  async put(source: Readable | Buffer, opts: PutOptions = {}): Promise<PutResult> {
    const name = tempName();
    const tmp = path.join(this.tmpDir, name);
    this.active.add(name);
    try {
      const { sha256, size } = await this.writeTemp(tmp, source, opts);
      if (opts.expectedSha256 && opts.expectedSha256 !== sha256) throw digestMismatch(opts.expectedSha256, sha256);
      const final = this.blobPath(sha256);
      // Stored once: identical bytes already there and intact mean nothing to do. A corrupted or
      // vanished copy is replaced by these bytes, verified as they were written.
      const before = await this.check(sha256);
      if (before.state === 'ok') {
        await touch(final);
        return { sha256, size, created: false, repaired: false };
      }
      await fsp.mkdir(path.dirname(final), { recursive: true });
      await fsp.rename(tmp, final);
      await fsyncDir(path.dirname(final));
      return { sha256, size, created: true, repaired: before.state === 'corrupt' };
    } finally {
      await fsp.rm(tmp, { force: true });
      this.active.delete(name);
    }
  }

  /** Streams the source into `tmp`, hashing and metering it; fsynced when it resolves. */
  private async writeTemp(tmp: string, source: Readable | Buffer, opts: PutOptions): Promise<StoredBlob> {
    const hash = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (opts.maxBytes !== undefined && size > opts.maxBytes) return done(tooLarge(opts.maxBytes));
        hash.update(chunk);
        done(null, chunk);
      },
    });
    // Past the longest allowed upload the put fails: a stalled client cannot hold a temp file for
    // longer than the sweep waits before calling it debris.
    const deadline = setTimeout(() => meter.destroy(uploadTimedOut(this.maxUploadMs)), this.maxUploadMs);
    deadline.unref();
    const input = Buffer.isBuffer(source) ? Readable.from([source]) : source;
    try {
      await pipeline(input, meter, fs.createWriteStream(tmp, { flags: 'wx' }));
    } finally {
      clearTimeout(deadline);
    }
    // Durable before visible: fsync the bytes here, then the caller renames and fsyncs the directory.
    const handle = await fsp.open(tmp, 'r+');
    await handle.sync().finally(() => handle.close());
    return { sha256: hash.digest('hex'), size };
  }

  async stat(sha256: string): Promise<StoredBlob | null> {
    try {
      const st = await fsp.stat(this.blobPath(sha256));
      return { sha256, size: st.size, modifiedAt: st.mtimeMs };
    } catch {
      return null;
    }
  }

  open(sha256: string): Readable {
    const file = fs.createReadStream(this.blobPath(sha256));
    const check = verifyingStream(sha256);
    file.on('error', (err) => check.destroy(err));
    return file.pipe(check);
  }

  openRange(sha256: string, range: ByteRange): Readable {
    return fs.createReadStream(this.blobPath(sha256), { start: range.start, end: range.end });
  }

  async read(sha256: string): Promise<Buffer> {
    const bytes = await fsp.readFile(this.blobPath(sha256));
    const actual = sha256Hex(bytes);
    if (actual !== sha256) throw corrupted(sha256, actual);
    return bytes;
  }

  async check(sha256: string): Promise<BlobCheck> {
    const file = this.blobPath(sha256);
    const hash = createHash('sha256');
    let size = 0;
    try {
      for await (const chunk of fs.createReadStream(file)) {
        size += (chunk as Buffer).length;
        hash.update(chunk as Buffer);
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { sha256, state: 'missing' };
      throw err;
    }
    const actual = hash.digest('hex');
    return actual === sha256 ? { sha256, state: 'ok', size } : { sha256, state: 'corrupt', size, actual };
  }

  async *list(): AsyncIterable<StoredBlob> {
    const base = path.join(this.root, 'sha256');
    const prefixes = await fsp.readdir(base).catch(() => [] as string[]);
    for (const prefix of prefixes.sort()) {
      const names = await fsp.readdir(path.join(base, prefix)).catch(() => [] as string[]);
      for (const name of names.sort()) {
        if (!SHA256_RE.test(name) || name.slice(0, 2) !== prefix) continue;
        const st = await fsp.stat(path.join(base, prefix, name)).catch(() => null);
        if (st?.isFile()) yield { sha256: name, size: st.size, modifiedAt: st.mtimeMs };
      }
    }
  }

  sweepTemp(opts: SweepOptions = {}): Promise<SweepResult> {
    return sweepTempDir(this.tmpDir, this.active, opts.olderThanMs ?? this.maxUploadMs);
  }

  async delete(sha256: string): Promise<boolean> {
    try {
      await fsp.rm(this.blobPath(sha256));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }
}

/** A re-put of stored bytes counts as a fresh write for garbage collection's grace period. */
async function touch(file: string): Promise<void> {
  const now = new Date();
  await fsp.utimes(file, now, now).catch(() => undefined);
}

async function fsyncDir(dir: string): Promise<void> {
  const h = await fsp.open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}
