// Node-only SDK helpers: upload a file or directory as a version, download a version to a directory.
// Kept apart from client.ts, which must stay browser-safe.
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { StagecraftClient } from './client.js';
import { collectFiles, safeTarget, sha256File, StagecraftLocalError, type LocalFile } from './node-files.js';
import type { CreateVersionBody, Manifest, Version } from './types.js';

export { StagecraftLocalError } from './node-files.js';

export type Progress = (bytesDone: number, totalBytes: number) => void;

export interface UploadOptions extends Omit<CreateVersionBody, 'files'> {
  onProgress?: Progress;
  signal?: AbortSignal;
}

export interface UploadResult {
  version: Version;
  /** Files whose bytes the server already had (not sent again). */
  skipped: string[];
  uploadedBytes: number;
}

/**
 * Registers PATH (a file or a directory) as a new version of MODEL: each file is hashed, sent to
 * /api/v1/blobs unless the server already stores those bytes, then the version is created from
 * the manifest. Blobs first, version second: an interrupted upload leaves orphan blobs, no version.
 */
export async function uploadVersion(client: StagecraftClient, model: string, root: string, opts: UploadOptions = {}): Promise<UploadResult> {
  const { onProgress, signal, ...meta } = opts;
  const files = await collectFiles(root);
  const total = files.reduce((n, f) => n + f.size, 0);
  let done = 0;
  let uploadedBytes = 0;
  const skipped: string[] = [];
  const manifest: Array<{ path: string; sha256: string }> = [];
  onProgress?.(0, total);
  for (const file of files) {
    const sha256 = await sha256File(file.abs);
    if (await client.blobs.stat(sha256)) {
      skipped.push(file.rel);
    } else {
      const base = done;
      await client.blobs.upload(fileBody(file, (n) => onProgress?.(base + n, total)), { sha256, signal });
      uploadedBytes += file.size;
    }
    done += file.size;
    onProgress?.(done, total);
    manifest.push({ path: file.rel, sha256 });
  }
  const version = await client.versions.create(model, { ...meta, files: manifest });
  return { version, skipped, uploadedBytes };
}

/** The file as a streamed request body, reporting bytes read so far (never buffered whole). */
function fileBody(file: LocalFile, onBytes: (n: number) => void): BodyInit {
  let sent = 0;
  const counted = fs.createReadStream(file.abs).on('data', (chunk) => {
    sent += (chunk as Buffer).length;
    onBytes(sent);
  });
  return Readable.toWeb(counted) as unknown as BodyInit;
}

export interface DownloadOptions {
  onProgress?: Progress;
  signal?: AbortSignal;
}

export interface DownloadResult {
  dir: string;
  digest: string | null;
  files: Manifest['files'];
}

/**
 * Writes every file of a version under outDir. Each file is hashed while written to a temp file
 * beside its target and renamed into place only when size and sha256 match the manifest, so a
 * failed or tampered download never leaves a plausible-looking file behind.
 */
/** Files this large are fetched from the object store directly when the server offers it. */
const DIRECT_MIN_BYTES = 8 * 1024 * 1024;

export async function downloadVersion(
  client: StagecraftClient,
  model: string,
  version: number,
  outDir: string,
  opts: DownloadOptions = {},
): Promise<DownloadResult> {
  const manifest = await client.versions.manifest(model, version);
  // Check every path before writing anything.
  const targets = manifest.files.map((f) => safeTarget(outDir, f.path));
  const total = manifest.files.reduce((n, f) => n + f.size, 0);
  let done = 0;
  opts.onProgress?.(0, total);
  for (const [i, file] of manifest.files.entries()) {
    // Large files come straight from the object store when the server can presign (S3); verified below either way.
    const res = await client.versions.file(model, version, file.path, opts.signal, { direct: file.size >= DIRECT_MIN_BYTES });
    if (!res.body) throw new StagecraftLocalError(`the server sent no bytes for "${file.path}"`);
    const base = done;
    await writeVerified(res.body as unknown as WebReadableStream<Uint8Array>, targets[i], file, (n) => opts.onProgress?.(base + n, total));
    done += file.size;
    opts.onProgress?.(done, total);
  }
  return { dir: path.resolve(outDir), digest: manifest.digest, files: manifest.files };
}

async function writeVerified(
  body: WebReadableStream<Uint8Array>,
  target: string,
  file: { path: string; size: number; sha256: string },
  onBytes: (n: number) => void,
): Promise<void> {
  await fs.promises.mkdir(path.dirname(target), { recursive: true });
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.part`);
  const hash = createHash('sha256');
  let size = 0;
  try {
    const source = Readable.fromWeb(body).on('data', (chunk: Buffer) => {
      hash.update(chunk);
      size += chunk.length;
      onBytes(size);
    });
    await pipeline(source, fs.createWriteStream(temp, { flags: 'wx' }));
    // fsync before rename: after a crash the name points at complete bytes or does not exist.
    const handle = await fs.promises.open(temp, 'r+');
    await handle.sync().finally(() => handle.close());
    const sha256 = hash.digest('hex');
    if (size !== file.size || sha256 !== file.sha256) {
      throw new StagecraftLocalError(`"${file.path}" arrived corrupted: got ${size} bytes sha256 ${sha256}, expected ${file.size} bytes sha256 ${file.sha256}`);
    }
    await fs.promises.rename(temp, target);
  } catch (err) {
    await fs.promises.rm(temp, { force: true });
    throw err;
  }
}
