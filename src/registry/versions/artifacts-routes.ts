// Artifact bytes: streamed uploads into the blob store, downloads of one file or a whole version.
import { Type } from 'typebox';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { App } from '../../http/app-types.js';
import { errorResponses, VersionParams } from '../../http/common-schemas.js';
import type { Deps } from '../deps.js';
import { notFound } from '../../errors.js';
import { SHA256_RE } from '../../blobs/blob-store.js';
import { createVersion, getManifest } from './versions-service.js';
import { storeTarEntries } from './archive-upload.js';
import { storeBlob } from './blobs-service.js';
import { parseRange } from './byte-range.js';
import { actorOf } from '../tokens/auth.js';
import { VersionSchema } from '../../http/common-schemas.js';

const tags = ['artifacts'];
/** Long enough to start a large download on a slow link; a URL leaked later is soon useless. */
const PRESIGN_TTL_S = 15 * 60;
const Blob = Type.Object({ sha256: Type.String(), size: Type.Integer() });

export function artifactsRoutes(app: App, deps: Deps): void {
  // Pass the raw stream through: uploads are hashed while written, never buffered whole.
  app.addContentTypeParser(['application/octet-stream', 'application/x-tar'], (_req, payload, done) => done(null, payload));

  app.post(
    '/api/v1/models/:name/versions/archive',
    {
      config: { permission: 'write' },
      schema: {
        tags,
        summary: 'Register a new version from a tar of its files (Content-Type: application/x-tar)',
        params: Type.Object({ name: Type.String() }),
        querystring: Type.Object({
          label: Type.Optional(Type.String()),
          description: Type.Optional(Type.String()),
          source: Type.Optional(Type.String()),
          run_id: Type.Optional(Type.String()),
        }),
        response: { 201: VersionSchema, ...errorResponses, 413: errorResponses[400] },
      },
    },
    async (req, reply) => {
      const body = req.body as Readable | undefined;
      if (!body || typeof body.pipe !== 'function') {
        return reply.status(400).send({ error: { code: 'invalid_argument', message: 'send a tar stream with Content-Type: application/x-tar', id: req.id } });
      }
      // Blob first, row second: every file is stored before the version exists.
      const files = await storeTarEntries(deps, actorOf(req), body);
      return reply.status(201).send(await createVersion(deps, actorOf(req), req.params.name, { ...req.query, files }));
    },
  );

  app.post(
    '/api/v1/blobs',
    {
      config: { permission: 'write' },
      schema: {
        tags,
        summary: 'Upload bytes (application/octet-stream); answers their sha256',
        querystring: Type.Object({ sha256: Type.Optional(Type.String({ pattern: SHA256_RE.source })) }),
        response: { 201: Blob, ...errorResponses, 413: errorResponses[400] },
      },
    },
    async (req, reply) => {
      const body = req.body as Readable | undefined;
      if (!body || typeof (body as Readable).pipe !== 'function') {
        return reply.status(400).send({ error: { code: 'invalid_argument', message: 'send the bytes with Content-Type: application/octet-stream', id: req.id } });
      }
      // Bytes that heal a corrupted stored copy replace it (audited) instead of failing on it.
      const stored = await storeBlob(deps, actorOf(req), body, { maxBytes: deps.config.maxUploadBytes, expectedSha256: req.query.sha256 });
      return reply.status(201).send({ sha256: stored.sha256, size: stored.size });
    },
  );

  app.get(
    '/api/v1/blobs/:sha256',
    {
      config: { permission: 'read' },
      schema: { tags, summary: 'Is this blob stored intact? (lets clients skip uploads)', params: Type.Object({ sha256: Type.String({ pattern: SHA256_RE.source }) }), response: { 200: Blob, ...errorResponses } },
    },
    async (req) => {
      // Hashed, not just looked up: a client told "stored" skips its upload, and a corrupted copy
      // must be uploaded again to be repaired.
      const check = await deps.blobs.check(req.params.sha256);
      if (check.state === 'missing') throw notFound(`blob ${req.params.sha256} is not stored`);
      if (check.state === 'corrupt') throw notFound(`blob ${req.params.sha256} is stored corrupted; upload its bytes again to repair it`);
      return { sha256: check.sha256, size: check.size! };
    },
  );

  app.get(
    '/api/v1/models/:name/versions/:version/files',
    {
      config: { permission: 'follow' },
      schema: {
        tags,
        summary: "A version's manifest: path, size and sha256 of every file",
        params: VersionParams,
        response: { 200: Type.Object({ digest: Type.Union([Type.String(), Type.Null()]), files: Type.Array(Type.Object({ path: Type.String(), size: Type.Integer(), sha256: Type.String() })) }), ...errorResponses },
      },
    },
    async (req) => getManifest(deps, req.params.name, req.params.version),
  );

  app.get(
    '/api/v1/models/:name/versions/:version/files/*',
    {
      config: { permission: 'follow' },
      schema: {
        tags,
        summary: 'Download one file (verified against its sha256 while streaming)',
        description:
          'With redirect=presigned and an object store that can presign (S3), answers 307 to a short-lived URL of the bytes in the store, ' +
          'so large files do not pass through the server; the client must then verify them against the stagecraft-sha256 header. Otherwise streams them. ' +
          'A Range header (one range of bytes) answers 206 with that part, unverified: verify the assembled whole against stagecraft-sha256.',
        params: Type.Object({ name: Type.String(), version: Type.Integer({ minimum: 1 }), '*': Type.String() }),
        querystring: Type.Object({ redirect: Type.Optional(Type.Literal('presigned')) }),
      },
    },
    async (req, reply) => {
      const { files } = await getManifest(deps, req.params.name, req.params.version);
      const file = files.find((f) => f.path === req.params['*']);
      if (!file) throw notFound(`version ${req.params.version} of "${req.params.name}" has no file "${req.params['*']}"`);
      if (req.query.redirect === 'presigned' && deps.blobs.presign) {
        reply.header('stagecraft-sha256', file.sha256);
        reply.header('cache-control', 'no-store');
        return reply.redirect(await deps.blobs.presign(file.sha256, PRESIGN_TTL_S), 307);
      }
      reply.header('content-type', 'application/octet-stream');
      reply.header('stagecraft-sha256', file.sha256);
      // A part (resuming a large download) cannot be checked against the file's sha256 on its own:
      // the client verifies the whole once assembled. A whole file is verified as it streams.
      const wanted = deps.blobs.openRange ? parseRange(req.headers.range, file.size) : ({ kind: 'whole' } as const);
      if (deps.blobs.openRange) reply.header('accept-ranges', 'bytes');
      if (wanted.kind === 'unsatisfiable') return reply.status(416).header('content-range', `bytes */${file.size}`).send();
      if (wanted.kind === 'part' && deps.blobs.openRange) {
        const { start, end } = wanted.range;
        reply.status(206).header('content-range', `bytes ${start}-${end}/${file.size}`).header('content-length', String(end - start + 1));
        return reply.send(deps.blobs.openRange(file.sha256, wanted.range));
      }
      reply.header('content-length', String(file.size));
      return reply.send(deps.blobs.open(file.sha256));
    },
  );

  app.get(
    '/api/v1/models/:name/versions/:version/archive',
    { config: { permission: 'read' }, schema: { tags, summary: 'Download the whole version as a tar stream', params: VersionParams } },
    async (req, reply) => {
      const { files, digest } = await getManifest(deps, req.params.name, req.params.version);
      const pack = tar.pack();
      void (async () => {
        try {
          for (const f of files) {
            const entry = pack.entry({ name: f.path, size: f.size });
            for await (const chunk of deps.blobs.open(f.sha256)) entry.write(chunk);
            await new Promise<void>((resolve, reject) => entry.end((err?: Error | null) => (err ? reject(err) : resolve())));
          }
          pack.finalize();
        } catch (err) {
          pack.destroy(err as Error);
        }
      })();
      reply.header('content-type', 'application/x-tar');
      reply.header('content-disposition', `attachment; filename="${encodeURIComponent(req.params.name)}-${req.params.version}.tar"`);
      if (digest) reply.header('stagecraft-digest', digest);
      return reply.send(pack);
    },
  );
}
