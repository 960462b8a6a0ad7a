// Health policy routes: one policy per model.
import { Type } from 'typebox';
import type { Deps } from '../../deps.js';
import type { App } from '../../http/app-types.js';
import { actorOf } from '../../registry/index.js';
import { errorResponses, ModelNameParams } from '../../http/common-schemas.js';
import { deletePolicy, getPolicy, setPolicy } from './policies-service.js';

const tags = ['monitoring'];
const RuleSchema = Type.Object({
  metric: Type.String(),
  threshold: Type.Number(),
  positive_label: Type.Union([Type.Number(), Type.String()]),
  min: Type.Union([Type.Number(), Type.Null()]),
  max: Type.Union([Type.Number(), Type.Null()]),
  max_drop: Type.Union([Type.Number(), Type.Null()]),
  min_samples: Type.Integer(),
  min_label_coverage: Type.Number(),
  window_seconds: Type.Number(),
  failure_limit: Type.Integer(),
  action: Type.String(),
  dry_run: Type.Boolean(),
});
export const PolicySchema = Type.Object({
  model: Type.String(),
  interval_seconds: Type.Number(),
  watch_minutes: Type.Number(),
  cooldown_seconds: Type.Number(),
  reference_requests: Type.Integer(),
  label_sources: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'label metrics count only labels these tokens sent; null: every label' }),
  rules: Type.Array(RuleSchema),
});

export function policiesRoutes(app: App, deps: Deps): void {
  app.put(
    '/api/v1/models/:name/policy',
    {
      config: { permission: 'deploy' },
      schema: {
        tags,
        summary: "Set the model's health policy (the guard acts on it: rollback or alert)",
        params: ModelNameParams,
        // Validated by validatePolicy, which names the offending field in its 400.
        body: Type.Unknown(),
        response: { 200: PolicySchema, ...errorResponses },
      },
    },
    async (req) => setPolicy(deps, actorOf(req), req.params.name, req.body),
  );
  app.get(
    '/api/v1/models/:name/policy',
    { config: { permission: 'read' }, schema: { tags, summary: "The model's health policy", params: ModelNameParams, response: { 200: PolicySchema, ...errorResponses } } },
    async (req) => getPolicy(deps, req.params.name),
  );
  app.delete(
    '/api/v1/models/:name/policy',
    { config: { permission: 'deploy' }, schema: { tags, summary: "Remove the model's health policy", params: ModelNameParams, response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      await deletePolicy(deps, actorOf(req), req.params.name);
      return reply.code(204).send(null);
    },
  );
}
