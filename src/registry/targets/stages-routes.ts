// Moves of serving targets: stage transitions, aliases, rollback, and their history.
import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import { AppError, invalid } from '../../errors.js';
import type { App } from '../../http/app-types.js';
import { allows } from '../tokens/tokens.js';
import { actorOf } from '../tokens/auth.js';
import { errorResponses, ModelNameParams, Nullable, VersionParams, VersionSchema } from '../../http/common-schemas.js';
import type { Deps } from '../deps.js';
import { parseTime } from '../events/events-service.js';
import { deleteAlias, getAlias, setAlias } from './aliases-service.js';
import { targetHistory } from './history.js';
import { parseIfMatch, targetEtag } from './preconditions.js';
import { rollback } from './rollback.js';
import { transitionStage } from './stages-service.js';

const tags = ['stages and aliases'];
const AliasParams = Type.Object({ name: Type.String(), alias: Type.String() });
const ExpectedVersion = Type.Optional(
  Nullable(
    Type.Integer({
      minimum: 1,
      description: 'precondition: the version you saw holding the target (null: you saw it empty); 409 if it moved. If-Match takes the ETag (revision) instead',
    }),
  ),
);

const PhasesSchema = Type.Object(
  {
    prepare_ms: Type.Number({ description: 'every live replica loaded and warmed the destination (or said why not)' }),
    commit_ms: Type.Number({ description: 'the pointer moved, in one transaction with its event' }),
    confirm_ms: Type.Number({ description: 'every ready replica reported serving the destination' }),
    confirmed: Type.Boolean({ description: 'every replica that prepared reported serving the destination before the deadline' }),
    replicas: Type.Array(
      Type.Object({
        replica_id: Type.String(),
        target: Type.String(),
        prepare: Type.Union([Type.Literal('ready'), Type.Literal('failed'), Type.Literal('timeout'), Type.Literal('not_asked'), Type.Literal('silent')]),
        prepare_ms: Nullable(Type.Number()),
        confirm: Nullable(Type.Union([Type.Literal('serving'), Type.Literal('unconfirmed')])),
        confirm_ms: Nullable(Type.Number()),
        reason: Nullable(Type.String()),
      }),
    ),
  },
  { description: 'prepare, commit, confirm: each replica serving the target, and the time each phase took' },
);

export const RollbackResultSchema = Type.Object({
  name: Type.String(),
  target: Type.String(),
  from_version: Type.Integer(),
  to_version: Type.Integer(),
  reason: Type.String(),
  event_id: Type.Integer(),
  archived_versions: Type.Array(Type.Integer()),
  phases: PhasesSchema,
});

/** force moves a version marked failed: an admin override with a reason (audited), never a deployer's shortcut. */
function forceIsAdmin(req: FastifyRequest, force: boolean | undefined, reason: string | undefined): void {
  if (!force) return;
  const who = req.principal;
  if (!who || !allows(who.role, 'admin')) {
    throw new AppError('forbidden', `force is an admin override; ${who ? `token "${who.name}" has role ${who.role}` : 'this request has no token'}`);
  }
  if (!reason?.trim()) throw invalid('force needs a reason: it is recorded in the audit log');
}

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
            force: Type.Optional(Type.Boolean({ description: 'move a version marked failed (admin, with a reason); gates and approvals still apply' })),
            expected_version: ExpectedVersion,
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ version: VersionSchema, archived_versions: Type.Array(Type.Integer()), phases: PhasesSchema }), ...errorResponses },
      },
    },
    async (req, reply) => {
      forceIsAdmin(req, req.body.force, req.body.reason);
      const res = await transitionStage(deps, actorOf(req), req.params.name, req.params.version, req.body, { ifMatch: parseIfMatch(req.headers['if-match']) });
      if (res.revision !== null) reply.header('etag', targetEtag(res.revision));
      return { version: res.version, archived_versions: res.archived_versions, phases: res.phases };
    },
  );

  app.put(
    '/api/v1/models/:name/aliases/:alias',
    {
      config: { permission: 'deploy' },
      schema: {
        tags,
        summary: 'Point an alias at a version (moves it if set)',
        params: AliasParams,
        body: Type.Object(
          {
            version: Type.Integer({ minimum: 1 }),
            reason: Type.Optional(Type.String()),
            expected_version: ExpectedVersion,
            force: Type.Optional(Type.Boolean({ description: 'point it at a version marked failed (admin, with a reason)' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ ...VersionSchema.properties, phases: PhasesSchema }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const { name, alias } = req.params;
      forceIsAdmin(req, req.body.force, req.body.reason);
      const move = { expectedVersion: req.body.expected_version, ifMatch: parseIfMatch(req.headers['if-match']), force: req.body.force };
      const res = await setAlias(deps, actorOf(req), name, alias, req.body.version, req.body.reason, move);
      reply.header('etag', targetEtag(res.revision));
      return { ...res.view, phases: res.phases };
    },
  );

  app.get(
    '/api/v1/models/:name/aliases/:alias',
    { config: { permission: 'read' }, schema: { tags, summary: 'The version an alias points at', params: AliasParams, response: { 200: VersionSchema, ...errorResponses } } },
    async (req, reply) => {
      const res = await getAlias(deps, req.params.name, req.params.alias);
      reply.header('etag', targetEtag(res.revision));
      return res.view;
    },
  );

  app.delete(
    '/api/v1/models/:name/aliases/:alias',
    {
      config: { permission: 'deploy' },
      schema: { tags, summary: 'Delete an alias', params: AliasParams, querystring: Type.Object({ reason: Type.Optional(Type.String()) }), response: { 204: Type.Null(), ...errorResponses } },
    },
    async (req, reply) => {
      await deleteAlias(deps, actorOf(req), req.params.name, req.params.alias, req.query.reason, { ifMatch: parseIfMatch(req.headers['if-match']) });
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
            force: Type.Optional(Type.Boolean({ description: 'to_version may be a version marked failed (admin)' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: RollbackResultSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      forceIsAdmin(req, req.body.force, req.body.reason);
      const res = await rollback(deps, actorOf(req), req.params.name, req.body, { ifMatch: parseIfMatch(req.headers['if-match']) });
      reply.header('etag', targetEtag(res.revision));
      return res;
    },
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
    async (req, reply) => {
      const { revision, ...answer } = await targetHistory(deps, req.params.name, { stage: req.query.stage, alias: req.query.alias, atMs: parseTime(req.query.at, 'at') });
      reply.header('etag', targetEtag(revision));
      return answer;
    },
  );
}
