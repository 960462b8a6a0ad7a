// Reads a model archive from a request body: the JSON entry first (bounded, held in memory), then
// every blob entry streamed into the BlobStore with its name as the expected sha256 — bytes that do
// not match are refused and nothing of them is stored. Registry rows are written only later, in one
// transaction, once every file the JSON lists has arrived verified.
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { Deps } from '../deps.js';
import { AppError, invalid } from '../../errors.js';
import { MAX_MODEL_ENTRY_BYTES, MODEL_ENTRY, parseModelArchive, type ModelArchive } from './archive-format.js';

export interface ReadArchive {
  archive: ModelArchive;
  /** Digests whose bytes arrived in the archive and matched their names. */
  verified: Set<string>;
}

const BLOB_RE = /^blobs\/([0-9a-f]{64})$/;

export async function readModelArchive(deps: Deps, body: Readable): Promise<ReadArchive> {
  let archive: ModelArchive | null = null;
  const verified = new Set<string>();
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      stream.on('error', () => {});
      const fail = (err: unknown) => {
        stream.resume();
        extract.destroy(err as Error);
      };
      const name = header.name.replace(/^\.\//, '');
      if (header.type === 'directory') {
        stream.resume();
        return next();
      }
      if (header.type !== 'file' && header.type !== 'contiguous-file') return fail(invalid(`archive entry "${header.name}" is a ${header.type}; a model archive holds regular files only`));
      if (archive === null) {
        if (name !== MODEL_ENTRY) return fail(invalid(`not a Stagecraft model archive: its first entry is "${header.name}", expected "${MODEL_ENTRY}"`));
        if ((header.size ?? 0) > MAX_MODEL_ENTRY_BYTES) return fail(invalid(`${MODEL_ENTRY} is larger than ${MAX_MODEL_ENTRY_BYTES} bytes`));
        const chunks: Buffer[] = [];
        stream.on('data', (c: unknown) => chunks.push(c as Buffer));
        stream.on('end', () => {
          parseModelArchive(Buffer.concat(chunks).toString('utf8')).then((parsed) => {
            archive = parsed;
            next();
          }, fail);
        });
        return;
      }
      const m = BLOB_RE.exec(name);
      if (!m) return fail(invalid(`unexpected archive entry "${header.name}": after ${MODEL_ENTRY} only blobs/<sha256> entries belong`));
      const sha256 = m[1];
      deps.blobs
        .put(stream as unknown as Readable, { expectedSha256: sha256, maxBytes: deps.config.maxUploadBytes })
        .then(() => {
          verified.add(sha256);
          next();
        })
        .catch((err: unknown) => fail(err instanceof AppError && err.code === 'invalid_argument' ? invalid(`archive entry "${header.name}" does not hold the bytes its name says (tampered or damaged): ${err.message}`) : err));
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  body.on('error', (err) => extract.destroy(err));
  body.pipe(extract);
  try {
    await done;
  } catch (err) {
    body.resume();
    if (err instanceof AppError) throw err;
    throw invalid(`not a valid tar archive: ${(err as Error).message}`);
  }
  if (archive === null) throw invalid(`not a Stagecraft model archive: it holds no ${MODEL_ENTRY}`);
  return { archive, verified };
}
