// Gateway heartbeats in, rollout status out.
import { Type } from 'typebox';
import type { App } from '../../http/app-types.js';
import { errorResponses, ModelNameParams, Nullable } from '../../http/common-schemas.js';
import type { Deps } from '../../deps.js';
import { modelStatus } from './convergence.js';
import { recordPrepareAnswer } from './move-coordinator.js';
import { forgetReplica, recordHeartbeat } from './replicas-service.js';

const tags = ['serving'];
const State = Type.Union([Type.Literal('loading'), Type.Literal('serving'), Type.Literal('failed')]);
const Rejection = Type.Object(
  {
    status: Type.Integer({ description: '401 (token unknown or revoked) or 403 (role too low)' }),
    message: Type.String(),
    first_at: Type.String(),
    last_at: Type.String(),
    count: Type.Integer(),
  },
  { description: 'the last time the registry refused the replica, as it reported at its next successful contact' },
);

export const ModelStatusSchema = Type.Object({
  model: Type.String(),
  binding: Type.String(),
  target_version: Nullable(Type.Integer()),
  move_event_id: Nullable(Type.Integer({ description: 'the event that last changed what the binding resolves to' })),
  converged: Type.Boolean({
    description: 'every replica that reports this model acknowledged target_version after the move; false while any is unknown',
  }),
  replicas: Type.Array(
    Type.Object({
      replica_id: Type.String(),
      url: Nullable(Type.String()),
      version: Nullable(Type.Integer({ description: 'the version it last reported serving (last seen, when unknown)' })),
      state: Type.Union([State, Type.Literal('unknown')]),
      error: Nullable(Type.String()),
      last_heartbeat: Type.String(),
      feed_position: Nullable(Type.Integer({ description: 'the last change-feed event id it had applied when it reported' })),
      acknowledged: Type.Boolean({ description: 'it reported serving target_version after the move' }),
      unknown_reason: Nullable(Type.Union([Type.Literal('missed_heartbeats'), Type.Literal('behind_feed'), Type.Literal('no_feed_position')])),
      why: Nullable(Type.String({ description: 'why it is unknown, with what it was last seen serving' })),
      last_rejection: Nullable(Rejection),
    }),
  ),
});

export function replicasRoutes(app: App, deps: Deps): void {
  app.post(
    '/api/v1/gateways/heartbeat',
    {
      config: { permission: 'report' },
      schema: {
        tags,
        summary: 'A gateway reports, per model, the version it serves and its state',
        body: Type.Object(
          {
            replica_id: Type.String(),
            url: Type.Optional(Nullable(Type.String())),
            models: Type.Array(
              Type.Object({
                model: Type.String(),
                binding: Type.String(),
                version: Nullable(Type.Integer()),
                state: State,
                error: Type.Optional(Nullable(Type.String())),
                failed_version: Type.Optional(Nullable(Type.Integer())),
                integrity_error: Type.Optional(Type.Boolean()),
              }),
              { maxItems: 10000 },
            ),
            feed_position: Type.Optional(Nullable(Type.Integer({ minimum: 0, description: 'the last change-feed event id applied' }))),
            rejection: Type.Optional(Nullable(Rejection)),
            leaving: Type.Optional(Type.Boolean({ description: 'the replica is shutting down: forget it' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ accepted: Type.Integer() }), ...errorResponses },
      },
    },
    async (req) => recordHeartbeat(deps, req.body),
  );

  app.post(
    '/api/v1/gateways/prepared',
    {
      config: { permission: 'report' },
      schema: {
        tags,
        summary: 'A gateway answers a move.prepare: the destination is loaded and warm, or why it cannot be',
        body: Type.Object(
          {
            prepare_id: Type.String({ minLength: 1, maxLength: 100 }),
            replica_id: Type.String({ pattern: '^[\\w.:@-]{1,200}$' }),
            ready: Type.Boolean(),
            reason: Type.Optional(Nullable(Type.String({ maxLength: 4000 }))),
            ms: Type.Optional(Nullable(Type.Number({ minimum: 0, maximum: 86_400_000, description: 'how long preparing took on the replica' }))),
          },
          { additionalProperties: false },
        ),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (req, reply) => {
      await recordPrepareAnswer(deps, req.body);
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/api/v1/gateways/replicas/:replica_id',
    {
      config: { permission: 'deploy' },
      schema: {
        tags,
        summary: 'Forget a replica that will not report again (crashed, decommissioned): it stops holding convergence back',
        params: Type.Object({ replica_id: Type.String() }),
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (req, reply) => {
      await forgetReplica(deps, req.params.replica_id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/models/:name/status',
    {
      config: { permission: 'read' },
      schema: {
        tags,
        summary: 'Rollout status: the binding, its target version and what every gateway replica serves',
        params: ModelNameParams,
        response: { 200: ModelStatusSchema, ...errorResponses },
      },
    },
    async (req) => modelStatus(deps, req.params.name),
  );
}
