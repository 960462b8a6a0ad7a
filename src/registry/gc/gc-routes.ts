// POST /api/v1/blobs/gc (admin): garbage collection of the blob store, or a dry run of it.
import { Type } from 'typebox';
import type { App } from '../../http/app-types.js';
import { errorResponses } from '../../http/common-schemas.js';
import type { Deps } from '../deps.js';
import { actorOf } from '../tokens/auth.js';
import { collectGarbage } from './gc-service.js';
import { DEFAULT_GRACE, parseGrace } from './grace.js';

const GcReportSchema = Type.Object({
  dry_run: Type.Boolean(),
  grace_ms: Type.Integer(),
  scanned: Type.Integer({ description: 'Blobs in the store' }),
  scanned_bytes: Type.Integer(),
  referenced: Type.Integer({ description: 'Kept: a version (deleted ones until purged), a logged model, a gate… references them' }),
  in_grace: Type.Integer({ description: 'Kept: unreferenced but written within the grace period' }),
  removed: Type.Integer({ description: 'Removed (dry run: would be removed)' }),
  bytes_freed: Type.Integer({ description: 'Bytes removed (dry run: would be freed)' }),
  owners: Type.Array(Type.Object({ owner: Type.String(), blobs: Type.Integer() })),
  duration_ms: Type.Integer(),
});

export function gcRoutes(app: App, deps: Deps): void {
  app.post(
    '/api/v1/blobs/gc',
    {
      config: { permission: 'admin' },
      schema: {
        tags: ['artifacts'],
        summary: 'Remove stored blobs nothing references and nothing wrote within the grace period (audited as blobs.collected unless a dry run)',
        body: Type.Object(
          {
            dry_run: Type.Optional(Type.Boolean()),
            grace: Type.Optional(Type.String({ description: `Spare blobs written within this long: 24h, 30m, 7d… (default ${DEFAULT_GRACE})` })),
          },
          { additionalProperties: false },
        ),
        response: { 200: GcReportSchema, ...errorResponses },
      },
    },
    async (req) => collectGarbage(deps, actorOf(req), { graceMs: parseGrace(req.body.grace ?? DEFAULT_GRACE), dryRun: req.body.dry_run ?? false }),
  );
}
