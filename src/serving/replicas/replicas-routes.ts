// Gateway heartbeats in, rollout status out.
import { Type } from 'typebox';
import type { App } from '../../http/app-types.js';
import { errorResponses, ModelNameParams, Nullable } from '../../http/common-schemas.js';
import type { Deps } from '../../deps.js';
import { modelStatus, recordHeartbeat } from './replicas-service.js';

const tags = ['serving'];
const State = Type.Union([Type.Literal('loading'), Type.Literal('serving'), Type.Literal('failed')]);

export const ModelStatusSchema = Type.Object({
  model: Type.String(),
  binding: Type.String(),
  target_version: Nullable(Type.Integer()),
  converged: Type.Boolean({ description: 'every live replica serves target_version' }),
  replicas: Type.Array(
    Type.Object({
      replica_id: Type.String(),
      url: Nullable(Type.String()),
      version: Nullable(Type.Integer()),
      state: Type.Union([State, Type.Literal('stale')]),
      error: Nullable(Type.String()),
      last_heartbeat: Type.String(),
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
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ accepted: Type.Integer() }), ...errorResponses },
      },
    },
    async (req) => recordHeartbeat(deps, req.body),
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
