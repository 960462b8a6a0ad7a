// Moving one model between Stagecraft servers: GET /api/v1/models/:name/export streams its archive,
// POST /api/v1/model-archives imports one. Both need an admin: an export carries the whole audit
// log (who did what, the reasons they gave) and every artifact, and an import writes history under
// other people's names and times, sets the protected setting, and can change what gateways serve —
// more than a model's own editors or deployers may do, and there is no per-model owner to ask.
import type { Readable } from 'node:stream';
import { Type } from 'typebox';
import type { App } from '../../http/app-types.js';
import { errorResponses, ModelNameParams } from '../../http/common-schemas.js';
import type { Deps } from '../deps.js';
import { actorOf } from '../tokens/auth.js';
import { invalid } from '../../errors.js';
import { describeModel, packModelArchive } from './export-service.js';
import { readModelArchive } from './import-reader.js';
import { importModel } from './import-service.js';

const tags = ['transfer'];

const ImportResultSchema = Type.Object({
  model: Type.String(),
  created: Type.Boolean(),
  changed: Type.Boolean({ description: 'false when everything in the archive was already here: nothing was written' }),
  versions_added: Type.Array(Type.Integer()),
  events_added: Type.Integer(),
  settings: Type.Array(Type.String()),
  origin: Type.String(),
});

export function transferRoutes(app: App, deps: Deps): void {
  app.get(
    '/api/v1/models/:name/export',
    {
      config: { permission: 'admin' },
      schema: { tags, summary: 'Export one model with its versions, artifacts, stages, aliases, health, settings and audit events (a tar stream)', params: ModelNameParams },
    },
    async (req, reply) => {
      const archive = await describeModel(deps, req.params.name, actorOf(req));
      reply.header('content-type', 'application/x-tar');
      reply.header('content-disposition', `attachment; filename="${encodeURIComponent(req.params.name)}.tar"`);
      return reply.send(packModelArchive(deps, archive));
    },
  );

  app.post(
    '/api/v1/model-archives',
    {
      config: { permission: 'admin' },
      schema: {
        tags,
        summary: 'Import a model archive (Content-Type: application/x-tar): every blob verified, then one transaction; importing it again changes nothing',
        querystring: Type.Object({ as: Type.Optional(Type.String({ description: "import under this name instead of the archive's" })) }),
        response: { 200: ImportResultSchema, 201: ImportResultSchema, ...errorResponses, 413: errorResponses[400] },
      },
    },
    async (req, reply) => {
      const body = req.body as Readable | undefined;
      if (!body || typeof body.pipe !== 'function') throw invalid('send the archive as a tar stream with Content-Type: application/x-tar');
      const { archive, verified } = await readModelArchive(deps, body);
      const result = await importModel(deps, actorOf(req), archive, verified, { as: req.query.as });
      return reply.status(result.created ? 201 : 200).send(result);
    },
  );
}
