// Moves of serving targets: stage transitions, aliases, rollback, and their history.
import { Type } from 'typebox';
import type { App } from '../../http/app-types.js';
import { actorOf } from '../tokens/auth.js';
import { errorResponses, ModelNameParams, Nullable, VersionParams, VersionSchema } from '../../http/common-schemas.js';
import type { Deps } from '../deps.js';
import { parseTime } from '../events/events-service.js';
import { deleteAlias, getAlias, setAlias } from './aliases-service.js';
import { targetHistory } from './history.js';
import { rollback } from './rollback.js';
import { transitionStage } from './stages-service.js';

const tags = ['stages and aliases'];
const AliasParams = Type.Object({ name: Type.String(), alias: Type.String() });

export const RollbackResultSchema = Type.Object({
  name: Type.String(),
  target: Type.String(),
  from_version: Type.Integer(),
  to_version: Type.Integer(),
  reason: Type.String(),
  event_id: Type.Integer(),
  archived_versions: Type.Array(Type.Integer()),
});

export function stagesRoutes(app: App, deps: Deps): void {
  app.post(
    '/api/v1/models/:name/versions/:version/stage',
    {
      config: { permission: 'deploy' },
      schema: {
        tags,
        summary: 'Move a version to None, Staging, Production or Archived',
        params: VersionParams,
        body: Type.Object(
          {
            stage: Type.String(),
            archive_existing_versions: Type.Optional(Type.Boolean()),
            reason: Type.Optional(Type.String()),
            force: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ version: VersionSchema, archived_versions: Type.Array(Type.Integer()) }), ...errorResponses },
      },
    },
    async (req) => transitionStage(deps, actorOf(req), req.params.name, req.params.version, req.body),
  );

  app.put(
    '/api/v1/models/:name/aliases/:alias',
    {
      config: { permission: 'deploy' },
      schema: {
        tags,
        summary: 'Point an alias at a version (moves it if set)',
        params: AliasParams,
        body: Type.Object({ version: Type.Integer({ minimum: 1 }), reason: Type.Optional(Type.String()) }, { additionalProperties: false }),
        response: { 200: VersionSchema, ...errorResponses },
      },
    },
    async (req) => setAlias(deps, actorOf(req), req.params.name, req.params.alias, req.body.version, req.body.reason),
  );

  app.get(
    '/api/v1/models/:name/aliases/:alias',
    { config: { permission: 'read' }, schema: { tags, summary: 'The version an alias points at', params: AliasParams, response: { 200: VersionSchema, ...errorResponses } } },
    async (req) => getAlias(deps, req.params.name, req.params.alias),
  );

  app.delete(
    '/api/v1/models/:name/aliases/:alias',
    {
      config: { permission: 'deploy' },
      schema: { tags, summary: 'Delete an alias', params: AliasParams, querystring: Type.Object({ reason: Type.Optional(Type.String()) }), response: { 204: Type.Null(), ...errorResponses } },
    },
    async (req, reply) => {
      await deleteAlias(deps, actorOf(req), req.params.name, req.params.alias, req.query.reason);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/models/:name/rollback',
    {
      config: { permission: 'deploy' },
      schema: {
        tags: ['rollback'],
        summary: 'Roll a stage (default Production) or alias back to the last known good version',
        params: ModelNameParams,
        body: Type.Object(
          {
            stage: Type.Optional(Type.String()),
            alias: Type.Optional(Type.String()),
            to_version: Type.Optional(Type.Integer({ minimum: 1 })),
            from_version: Type.Optional(Type.Integer({ minimum: 1, description: 'precondition: the version you saw holding the target' })),
            reason: Type.String(),
            force: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 200: RollbackResultSchema, ...errorResponses },
      },
    },
    async (req) => rollback(deps, actorOf(req), req.params.name, req.body),
  );

  app.get(
    '/api/v1/models/:name/history',
    {
      config: { permission: 'follow' },
      schema: {
        tags: ['rollback'],
        summary: 'Which versions held a stage or alias, when and why; ?at= answers "which version held it at T"',
        params: ModelNameParams,
        querystring: Type.Object({ stage: Type.Optional(Type.String()), alias: Type.Optional(Type.String()), at: Type.Optional(Type.String()) }),
        response: {
          200: Type.Object({
            name: Type.String(),
            target: Type.String(),
            entries: Type.Array(
              Type.Object({
                version: Nullable(Type.Integer()),
                from: Type.String(),
                until: Nullable(Type.String()),
                actor: Type.String(),
                reason: Nullable(Type.String()),
                event_id: Type.Integer(),
                cause: Type.String(),
                automatic: Type.Boolean(),
              }),
            ),
            at: Type.Optional(Type.Object({ time: Type.String(), version: Nullable(Type.Integer()) })),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) =>
      targetHistory(deps, req.params.name, { stage: req.query.stage, alias: req.query.alias, atMs: parseTime(req.query.at, 'at') }),
  );
}
