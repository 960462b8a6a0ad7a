// Shadow runs: start, report, stop.
import { Type } from 'typebox';
import type { App } from '../http/app-types.js';
import { actorOf } from '../registry/index.js';
import { errorResponses, ModelNameParams, Nullable } from '../http/common-schemas.js';
import type { Deps } from '../deps.js';
import type { ShadowRegistry } from './shadow-mirror.js';
import { addReplicaShadowResults, getShadow, startShadow, stopShadow } from './shadow-service.js';
import { SHADOW_RESULTS_PATH } from './shadow-shipping.js';

const tags = ['shadow'];
const num = Nullable(Type.Number());
const ShadowSchema = Type.Object({
  id: Type.String(),
  model: Type.String(),
  version: Type.Integer(),
  serving_version: Nullable(Type.Integer()),
  percent: Type.Number(),
  status: Type.String({ description: 'running or stopped' }),
  started_at: Type.String(),
  stopped_at: Nullable(Type.String()),
  created_by: Type.String(),
  report: Nullable(
    Type.Object({
      mirrored_requests: Type.Integer(),
      dropped_requests: Type.Integer(),
      candidate_errors: Type.Integer(),
      candidate_error_rate: num,
      candidate_latency_p50_ms: num,
      candidate_latency_p95_ms: num,
      compared_rows: Type.Integer(),
      task: Type.String(),
      agreement_rate: num,
      mean_abs_diff: num,
      ks_distance: num,
    }),
  ),
});

export function shadowRoutes(app: App, deps: Deps, live: ShadowRegistry): void {
  app.post(
    '/api/v1/models/:name/shadow',
    {
      config: { permission: 'deploy' },
      schema: {
        tags,
        summary: 'Mirror a share of requests to a candidate off the response path and compare its predictions',
        params: ModelNameParams,
        body: Type.Object({ version: Type.Integer({ minimum: 1 }), percent: Type.Number(), task: Type.Optional(Type.Union([Type.Literal('classification'), Type.Literal('regression')])) }, { additionalProperties: false }),
        response: { 201: ShadowSchema, ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await startShadow(deps, live, actorOf(req), req.params.name, req.body)),
  );
  app.get('/api/v1/models/:name/shadow', { config: { permission: 'read' }, schema: { tags, summary: 'The current or last shadow run and its report', params: ModelNameParams, response: { 200: ShadowSchema, ...errorResponses } } }, async (req) =>
    getShadow(deps, live, req.params.name),
  );
  app.post(
    '/api/v1/models/:name/shadow/stop',
    {
      config: { permission: 'deploy' },
      schema: { tags, summary: 'Stop mirroring; the report is kept', params: ModelNameParams, body: Type.Optional(Type.Object({ reason: Type.Optional(Type.String()) }, { additionalProperties: false })), response: { 200: ShadowSchema, ...errorResponses } },
    },
    async (req) => stopShadow(deps, live, actorOf(req), req.params.name, req.body?.reason),
  );

  const Prediction = Type.Array(Type.Union([Type.Number(), Type.String()]));
  app.post(
    SHADOW_RESULTS_PATH,
    {
      config: { permission: 'report' },
      bodyLimit: 16 * 1024 * 1024,
      schema: {
        tags,
        summary: "Comparisons a standalone replica's shadow mirror made (added to the shadow's report)",
        body: Type.Object({
          shadow_id: Type.String(),
          task: Type.Union([Type.Literal('classification'), Type.Literal('regression')]),
          dropped: Type.Integer({ minimum: 0 }),
          results: Type.Array(Type.Object({ latency_ms: Type.Number(), served: Type.Optional(Prediction), shadow: Type.Optional(Prediction) }), { maxItems: 20_000 }),
        }),
        response: { 200: Type.Object({ accepted: Type.Integer() }), ...errorResponses },
      },
    },
    async (req) => ({ accepted: await addReplicaShadowResults(deps, live, req.body) }),
  );
}
