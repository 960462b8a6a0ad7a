// Rollback drills: run one, list a model's drills (with the last passing one at a glance).
import { Type } from 'typebox';
import type { App } from '../../http/app-types.js';
import { actorOf } from '../../registry/index.js';
import { errorResponses, ModelNameParams, Nullable } from '../../http/common-schemas.js';
import type { Deps } from '../../deps.js';
import { listDrills, runDrill, type Probe } from './drills-service.js';

const tags = ['drills'];
const Switch = Type.Object({
  to_version: Type.Integer(),
  ms: Nullable(Type.Number({ description: 'from the move to every check seeing the version; null if never' })),
  probes: Type.Integer(),
  failed_probes: Type.Integer(),
  replicas: Nullable(Type.Array(Type.Object({ replica_id: Type.String(), version: Nullable(Type.Integer()), state: Type.String(), answered: Nullable(Type.Integer()) }))),
});
const DrillSchema = Type.Object({
  id: Type.String(),
  model: Type.String(),
  stage: Type.String(),
  candidate_version: Type.Integer(),
  previous_version: Type.Integer(),
  passed: Type.Boolean(),
  problems: Type.Array(Type.String()),
  to_candidate: Switch,
  back_to_previous: Switch,
  stage_restored: Type.Boolean(),
  actor: Type.String(),
  ran_at: Type.String(),
});

export function drillsRoutes(app: App, deps: Deps, probeFor: (authorization?: string) => Probe): void {
  app.post(
    '/api/v1/models/:name/drills',
    {
      config: { permission: 'deploy' },
      schema: {
        tags,
        summary: 'Rehearse a rollback in Staging: promote a candidate, roll back, measure both switches',
        params: ModelNameParams,
        body: Type.Optional(Type.Object({ stage: Type.Optional(Type.String()), version: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false })),
        response: { 201: DrillSchema, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await runDrill(deps, probeFor(req.headers.authorization), actorOf(req), req.params.name, req.body ?? {})),
  );
  app.get(
    '/api/v1/models/:name/drills',
    {
      config: { permission: 'read' },
      schema: { tags, summary: "A model's drills, newest first, and its last passing one", params: ModelNameParams, response: { 200: Type.Object({ model: Type.String(), last_passed: Nullable(DrillSchema), drills: Type.Array(DrillSchema) }), ...errorResponses } },
    },
    async (req) => listDrills(deps, req.params.name),
  );
}
