// Local-disk blob store: <root>/sha256/ab/abcdef… as plain files.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../errors.js';
import type { BlobStore, PutOptions, StoredBlob } from './blob-store.js';
import { SHA256_RE } from './blob-store.js';
import { corrupted, digestMismatch, sha256Hex, tooLarge, verifyingStream } from './verify.js';

export class FsBlobStore implements BlobStore {
  private readonly tmpDir: string;

  constructor(private readonly root: string) {
    this.tmpDir = path.join(root, 'tmp');
    fs.mkdirSync(this.tmpDir, { recursive: true });
  }

  private blobPath(sha256: string): string {
    if (!SHA256_RE.test(sha256)) throw new AppError('invalid_argument', `not a sha256 digest: ${sha256}`);
    return path.join(this.root, 'sha256', sha256.slice(0, 2), sha256);
  }

  async put(source: Readable | Buffer, opts: PutOptions = {}): Promise<StoredBlob> {
    const tmp = path.join(this.tmpDir, `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
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
    const input = Buffer.isBuffer(source) ? Readable.from([source]) : source;
    try {
      await pipeline(input, meter, fs.createWriteStream(tmp, { flags: 'wx' }));
      // Durable before visible: fsync the bytes, then rename into place, then fsync the directory.
      const handle = await fsp.open(tmp, 'r+');
      await handle.sync().finally(() => handle.close());
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err;
    }
    const sha256 = hash.digest('hex');
    if (opts.expectedSha256 && opts.expectedSha256 !== sha256) {
      await fsp.rm(tmp, { force: true });
      throw digestMismatch(opts.expectedSha256, sha256);
    }
    const final = this.blobPath(sha256);
    if (await exists(final)) {
      // Stored once: identical bytes are already there.
      await fsp.rm(tmp, { force: true });
    } else {
      await fsp.mkdir(path.dirname(final), { recursive: true });
      await fsp.rename(tmp, final);
      await fsyncDir(path.dirname(final));
    }
    return { sha256, size };
  }

  async stat(sha256: string): Promise<StoredBlob | null> {
    try {
      const st = await fsp.stat(this.blobPath(sha256));
      return { sha256, size: st.size };
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

  async read(sha256: string): Promise<Buffer> {
    const bytes = await fsp.readFile(this.blobPath(sha256));
    const actual = sha256Hex(bytes);
    if (actual !== sha256) throw corrupted(sha256, actual);
    return bytes;
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.access(p);
    return true;
  } catch {
    return false;
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const h = await fsp.open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}
