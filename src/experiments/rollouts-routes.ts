// Canary rollouts: start, status, pause, resume, abort, promote.
import { Type } from 'typebox';
import type { App } from '../http/app-types.js';
import { actorOf } from '../registry/index.js';
import { errorResponses, ModelNameParams, Nullable } from '../http/common-schemas.js';
import type { Deps } from '../deps.js';
import { abortRollout, getRollout, pauseRollout, promoteRollout, resumeRollout, startRollout } from './rollouts-service.js';

const tags = ['rollouts'];
const Side = Type.Object({ version: Type.Integer(), requests: Type.Integer(), errors: Type.Integer(), error_rate: Nullable(Type.Number()), p95_ms: Nullable(Type.Number()) });
const CriteriaSchema = Type.Object({ min_requests: Type.Integer(), max_error_rate_increase: Type.Number(), max_latency_ratio: Type.Number(), latency_slack_ms: Type.Number() });
export const RolloutSchema = Type.Object({
  id: Type.String(),
  model: Type.String(),
  version: Type.Integer(),
  baseline_version: Type.Integer(),
  status: Type.String({ description: 'running, paused, aborted or completed' }),
  weight: Type.Integer({ description: 'share of traffic on the candidate now, percent' }),
  steps: Type.Array(Type.Integer()),
  step_index: Type.Integer(),
  step_minutes: Type.Number(),
  key_header: Nullable(Type.String()),
  criteria: CriteriaSchema,
  analyses: Type.Array(
    Type.Object({
      step: Type.Integer(),
      weight: Type.Integer(),
      outcome: Type.String(),
      reasons: Type.Array(Type.String()),
      candidate: Side,
      baseline: Side,
      policy: Type.Optional(Type.Array(Type.Object({ metric: Type.String(), verdict: Type.String(), candidate: Nullable(Type.Number()), baseline: Nullable(Type.Number()), samples: Type.Integer(), detail: Type.String() }))),
      at: Type.String(),
    }),
  ),
  ended_reason: Nullable(Type.String()),
  created_by: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
});
const ReasonBody = Type.Optional(Type.Object({ reason: Type.Optional(Type.String()) }, { additionalProperties: false }));
const reply200 = { 200: RolloutSchema, ...errorResponses };

export function rolloutsRoutes(app: App, deps: Deps): void {
  app.post(
    '/api/v1/models/:name/rollout',
    {
      config: { permission: 'deploy' },
      schema: {
        tags,
        summary: 'Start a canary: a growing share of traffic on a candidate, judged against Production at every step',
        params: ModelNameParams,
        body: Type.Object(
          {
            version: Type.Integer({ minimum: 1 }),
            steps: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: 100 }))),
            step_minutes: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
            key_header: Type.Optional(Type.String({ minLength: 1 })),
            criteria: Type.Optional(Type.Partial(CriteriaSchema, { additionalProperties: false })),
          },
          { additionalProperties: false },
        ),
        response: { 201: RolloutSchema, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await startRollout(deps, actorOf(req), req.params.name, req.body)),
  );
  app.get('/api/v1/models/:name/rollout', { config: { permission: 'read' }, schema: { tags, summary: "The model's current or last rollout", params: ModelNameParams, response: reply200 } }, async (req) =>
    getRollout(deps, req.params.name),
  );
  const action = (verb: string, summary: string, run: (actor: string, name: string, reason?: string) => Promise<unknown>) =>
    app.post(
      `/api/v1/models/:name/rollout/${verb}`,
      { config: { permission: 'deploy' }, schema: { tags, summary, params: ModelNameParams, body: ReasonBody, response: reply200 } },
      async (req) => run(actorOf(req), req.params.name, req.body?.reason) as never,
    );
  action('pause', 'Hold the current share', (a, n, r) => pauseRollout(deps, a, n, r));
  action('resume', 'Resume a paused rollout with a fresh analysis window', (a, n) => resumeRollout(deps, a, n));
  action('abort', 'All traffic back to the baseline at once', (a, n, r) => abortRollout(deps, a, n, r ?? 'aborted by hand'));
  action('promote', 'Promote the candidate now, through the normal transition', (a, n, r) => promoteRollout(deps, a, n, r));
}
