// Checking and repairing stored bytes (admin): every blob hashed against its address, the bad ones
// reported with the versions they affect. Repairs come from verified copies uploaded again
// (POST /api/v1/blobs); `stagecraft blobs verify --repair-from DIR` finds them in a replica's cache.
import { Type } from 'typebox';
import type { App } from '../../http/app-types.js';
import { errorResponses, Nullable } from '../../http/common-schemas.js';
import { SHA256_RE } from '../../blobs/blob-store.js';
import type { Deps } from '../deps.js';
import { actorOf } from '../tokens/auth.js';
import { verifyBlobs } from './blobs-service.js';
import { registerTempSweep } from './temp-sweeper.js';

const VersionRef = Type.Object({ model: Type.String(), version: Type.Integer() });
const BlobsReportSchema = Type.Object({
  checked: Type.Integer(),
  ok: Type.Integer(),
  bad: Type.Array(
    Type.Object({
      sha256: Type.String(),
      state: Type.Union([Type.Literal('corrupt'), Type.Literal('missing')]),
      size: Nullable(Type.Integer()),
      expected_size: Nullable(Type.Integer()),
      versions: Type.Array(Type.Object({ model: Type.String(), version: Type.Integer(), path: Type.String(), stage: Type.String(), health: Type.String() })),
    }),
  ),
  marked: Type.Array(VersionRef),
  restored: Type.Array(VersionRef),
});

export function blobsRoutes(app: App, deps: Deps): void {
  registerTempSweep(app, deps);
  app.post(
    '/api/v1/blobs/verify',
    {
      config: { permission: 'admin' },
      schema: {
        tags: ['artifacts'],
        summary:
          'Hash every stored blob (or the listed ones): report the bad ones with the versions they affect, mark those versions failed, and restore versions whose bytes are intact again',
        body: Type.Object({ sha256: Type.Optional(Type.Array(Type.String({ pattern: SHA256_RE.source }), { maxItems: 1000 })) }),
        response: { 200: BlobsReportSchema, ...errorResponses },
      },
    },
    async (req) => verifyBlobs(deps, actorOf(req), req.body.sha256),
  );
}
