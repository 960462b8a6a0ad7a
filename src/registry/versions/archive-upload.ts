// A whole directory in one request: a tar stream whose regular files go to the blob store as they
// arrive (constant memory), then one version row. Links and special files are refused: a version
// holds bytes, never pointers into the server's file system.
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { Deps } from '../deps.js';
import { invalid } from '../../errors.js';
import { storeBlob } from './blobs-service.js';
import { validateArtifactPath } from './versions.js';

export async function storeTarEntries(deps: Deps, actor: string, body: Readable): Promise<Array<{ path: string; sha256: string }>> {
  const files: Array<{ path: string; sha256: string }> = [];
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      // The entry's own error is the extract's error, reported once through `done` below.
      stream.on('error', () => {});
      const name = header.name.replace(/^\.\//, '').replace(/\/$/, '');
      const fail = (err: unknown) => {
        stream.resume();
        extract.destroy(err as Error);
      };
      if (header.type === 'directory' || name === '') {
        stream.resume();
        return next();
      }
      if (header.type !== 'file' && header.type !== 'contiguous-file') {
        return fail(invalid(`archive entry "${header.name}" is a ${header.type}; only regular files are accepted (links are refused)`));
      }
      try {
        validateArtifactPath(name);
      } catch (err) {
        return fail(err);
      }
      storeBlob(deps, actor, stream as unknown as Readable, { maxBytes: deps.config.maxUploadBytes })
        .then((blob) => {
          files.push({ path: name, sha256: blob.sha256 });
          next();
        })
        .catch(fail);
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
    if ((err as Error).message?.includes('Invalid tar header') || (err as Error).message?.includes('Unexpected end')) {
      throw invalid(`not a valid tar archive: ${(err as Error).message}`);
    }
    throw err;
  }
  if (files.length === 0) throw invalid('the archive holds no files');
  return files;
}
