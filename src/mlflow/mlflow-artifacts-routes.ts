// The mlflow-artifacts proxy: PUT streams a file into the blob store and records path -> sha256 in
// the manifest; GET downloads; GET ?path= lists one directory level, as MLflow's client expects.
import type { FastifyInstance } from 'fastify';
import type { Readable } from 'node:stream';
import type { Deps } from '../deps.js';
import { actorOf, storeBlob } from '../registry/index.js';
import { MlflowError } from './mlflow-errors.js';
import { filesUnder, findFile, normalizeArtifactPath } from './mlflow-artifacts.js';
import { deleteArtifactRows, putArtifactRow } from './mlflow-artifacts-store.js';

const TEXT_EXT = /\.(txt|ya?ml|json|md|csv|py)$/i;

function contentTypeOf(path: string): string {
  const base = path.split('/').pop() ?? '';
  return TEXT_EXT.test(base) || base === 'MLmodel' ? 'text/plain' : 'application/octet-stream';
}

/** MLflow's `attachment; filename=<name>`; names outside printable ASCII use RFC 5987 so the header stays valid. */
function contentDisposition(name: string): string {
  return /^[\x20-\x7e]+$/.test(name) && !/[";\\]/.test(name)
    ? `attachment; filename=${name}`
    : `attachment; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** Direct children of `dir`: base names, directories first seen as {is_dir:true}. */
function listing(dir: string, files: Array<{ path: string; size: number }>) {
  const prefix = dir === '' ? '' : `${dir}/`;
  const entries = new Map<string, { path: string; is_dir: boolean; file_size?: number }>();
  for (const f of files) {
    if (!f.path.startsWith(prefix)) continue;
    const rest = f.path.slice(prefix.length);
    const slash = rest.indexOf('/');
    const name = slash < 0 ? rest : rest.slice(0, slash);
    if (slash < 0) entries.set(name, { path: name, is_dir: false, file_size: f.size });
    else if (!entries.has(name)) entries.set(name, { path: name, is_dir: true });
  }
  return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export function mlflowArtifactsRoutes(app: FastifyInstance, deps: Deps): void {
  // Every upload is a raw byte stream whatever its Content-Type (text/plain, octet-stream, none).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));

  app.put('/artifacts/*', { config: { permission: 'write' }, schema: { hide: true } }, async (req, reply) => {
    const path = normalizeArtifactPath((req.params as { '*': string })['*']);
    if (path === '') throw new MlflowError('INVALID_PARAMETER_VALUE', 'Invalid path');
    const body = req.body as Readable | undefined;
    // Blob first, manifest row second: a crash leaves an orphan blob, never a path without bytes.
    const stored = await storeBlob(deps, actorOf(req), body && typeof body.pipe === 'function' ? body : Buffer.alloc(0), { maxBytes: deps.config.maxUploadBytes });
    await putArtifactRow(deps.db, { path, sha256: stored.sha256, size: stored.size }, deps.clock.now());
    return reply.header('content-type', 'application/json').send('{}');
  });

  app.get('/artifacts/*', { config: { permission: 'read' }, schema: { hide: true } }, async (req, reply) => {
    const path = normalizeArtifactPath((req.params as { '*': string })['*']);
    const file = path ? await findFile(deps.db, path) : undefined;
    // MLflow answers a missing file with a 500; a 404 tells the truth.
    if (!file) throw new MlflowError('RESOURCE_DOES_NOT_EXIST', `Artifact '${path}' does not exist`);
    const name = path.split('/').pop()!;
    return reply
      .header('content-type', contentTypeOf(path))
      .header('content-disposition', contentDisposition(name))
      .header('x-content-type-options', 'nosniff')
      .header('content-length', String(file.size))
      .send(deps.blobs.open(file.sha256));
  });

  app.get('/artifacts', { config: { permission: 'read' }, schema: { hide: true } }, async (req, reply) => {
    const path = normalizeArtifactPath((req.query as { path?: string }).path);
    const files = listing(path, await filesUnder(deps.db, path));
    // A file or a missing path lists as {}: the client reads "empty" as "this is a file".
    return reply.header('content-type', 'application/json').send(JSON.stringify(files.length ? { files } : {}));
  });

  // Deletes need admin in every door, as the native API's do: removed artifacts cannot be restored.
  app.delete('/artifacts/*', { config: { permission: 'admin' }, schema: { hide: true } }, async (req, reply) => {
    const path = normalizeArtifactPath((req.params as { '*': string })['*']);
    if (path === '') throw new MlflowError('INVALID_PARAMETER_VALUE', 'Invalid path');
    await deleteArtifactRows(deps.db, path);
    return reply.header('content-type', 'application/json').send('{}');
  });
}
