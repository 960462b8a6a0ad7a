// Purging deleted versions (admin): their file rows go so garbage collection can free the bytes.
import { Type } from 'typebox';
import type { App } from '../../http/app-types.js';
import { errorResponses, VersionParams } from '../../http/common-schemas.js';
import type { Deps } from '../deps.js';
import { actorOf } from '../tokens/auth.js';
import { purgeDeleted, purgeVersion } from './purge-service.js';

const tags = ['versions'];
const Reason = Type.Optional(Type.String({ maxLength: 1000 }));
const PurgeReportSchema = Type.Object({
  purged: Type.Array(Type.Object({ model: Type.String(), version: Type.Integer(), files: Type.Integer(), bytes: Type.Integer() })),
  files: Type.Integer({ description: 'File rows removed' }),
  bytes: Type.Integer({ description: 'What those files weighed: what gc can free if nothing else holds the bytes' }),
});

export function purgeRoutes(app: App, deps: Deps): void {
  app.post(
    '/api/v1/models/:name/versions/:version/purge',
    {
      config: { permission: 'admin' },
      schema: {
        tags,
        summary: "Purge a deleted version: drop its files so gc can free their bytes (the version stays in history, deleted); 409 unless it is deleted and not purged yet",
        params: VersionParams,
        body: Type.Object({ reason: Reason }, { additionalProperties: false }),
        response: { 200: PurgeReportSchema, ...errorResponses },
      },
    },
    async (req) => purgeVersion(deps, actorOf(req), req.params.name, req.params.version, req.body.reason),
  );

  app.post(
    '/api/v1/versions/purge',
    {
      config: { permission: 'admin' },
      schema: {
        tags,
        summary: "Purge every deleted version not purged yet (of one model, or everywhere: deleted models' versions included)",
        body: Type.Object({ model: Type.Optional(Type.String()), reason: Reason }, { additionalProperties: false }),
        response: { 200: PurgeReportSchema, ...errorResponses },
      },
    },
    async (req) => purgeDeleted(deps, actorOf(req), req.body.model, req.body.reason),
  );
}
