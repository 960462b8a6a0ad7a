// Monitoring routes: Prometheus /metrics, ground-truth feedback, per-version health, the UI's series.
import { Type } from 'typebox';
import type { Deps } from '../deps.js';
import type { App } from '../http/app-types.js';
import { errorResponses, ModelNameParams, VersionParams } from '../http/common-schemas.js';
import { actorOf } from '../registry/index.js';
import { recordFeedback, MAX_FEEDBACK_ITEMS } from './records/feedback-service.js';
import { versionHealth } from './health-summary.js';
import { modelMetrics } from './model-metrics.js';
import type { PrometheusMetrics } from './prometheus.js';
import type { RecordWriter } from './records/record-writer.js';
import type { RollingStats } from './rolling-stats.js';

const tags = ['monitoring'];
const NullableNum = Type.Union([Type.Number(), Type.Null()]);
const Window = Type.Integer({ minimum: 1, maximum: 30 * 86400, default: 3600 });

export interface MonitoringParts {
  prom: PrometheusMetrics;
  writer: RecordWriter;
  stats: RollingStats;
}

export function monitoringRoutes(app: App, deps: Deps, parts: MonitoringParts): void {
  // Public: Prometheus scrapers usually cannot send a bearer token. It shows counts and latencies
  // per model/version, no payloads; put it behind the network boundary if model names are secret.
  app.get('/metrics', { config: { permission: 'public' }, schema: { tags, summary: 'Prometheus metrics (text exposition format)' } }, async (_req, reply) => {
    reply.header('content-type', parts.prom.registry.contentType);
    return parts.prom.registry.metrics();
  });

  app.post(
    '/api/v1/models/:name/feedback',
    {
      config: { permission: 'write' },
      schema: {
        tags,
        summary: "Attach ground-truth labels to earlier predictions by their stagecraft-request-id (each label keeps its source: the sender's token name)",
        params: ModelNameParams,
        body: Type.Object(
          {
            items: Type.Array(
              Type.Object(
                { request_id: Type.String({ minLength: 1 }), label: Type.Union([Type.Number(), Type.String()]), row: Type.Optional(Type.Integer({ minimum: 0 })) },
                { additionalProperties: false },
              ),
              { maxItems: MAX_FEEDBACK_ITEMS },
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Object({ accepted: Type.Integer(), unmatched: Type.Integer() }), ...errorResponses },
      },
    },
    async (req) => recordFeedback(deps, actorOf(req), req.params.name, req.body.items, () => parts.writer.flush()),
  );

  app.get(
    '/api/v1/models/:name/versions/:version/monitoring',
    {
      config: { permission: 'read' },
      schema: {
        tags,
        summary: "A version's health: requests, errors, latency, quality with label coverage, drift, the guard's verdicts",
        params: VersionParams,
        querystring: Type.Object({ window_seconds: Window }, { additionalProperties: false }),
        response: { 200: Type.Object({ model: Type.String(), version: Type.Integer(), health: Type.String() }, { additionalProperties: true }), ...errorResponses },
      },
    },
    async (req) => versionHealth(deps, parts.stats, req.params.name, req.params.version, req.query.window_seconds),
  );

  const Point = Type.Object({
    t: Type.String(),
    requests: Type.Integer(),
    error_rate: NullableNum,
    latency_p99_ms: NullableNum,
    accuracy: NullableNum,
    recall: NullableNum,
    drift_share: NullableNum,
  });
  app.get(
    '/api/v1/models/:name/metrics',
    {
      config: { permission: 'read' },
      schema: {
        tags,
        summary: 'Per-version time series, policy thresholds and rollbacks over a window (for charts)',
        params: ModelNameParams,
        querystring: Type.Object({ window_seconds: Window, step_seconds: Type.Integer({ minimum: 1, maximum: 86400, default: 60 }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            window_seconds: Type.Integer(),
            step_seconds: Type.Integer(),
            versions: Type.Array(Type.Object({ version: Type.Integer(), series: Type.Array(Point) })),
            thresholds: Type.Array(Type.Object({ metric: Type.String(), min: NullableNum, max: NullableNum })),
            rollbacks: Type.Array(Type.Object({ time: Type.String(), from_version: Type.Integer(), to_version: Type.Integer(), actor: Type.String(), reason: Type.Union([Type.String(), Type.Null()]) })),
          }),
          ...errorResponses,
        },
      },
    },
    async (req) => modelMetrics(deps, req.params.name, req.query.window_seconds, req.query.step_seconds),
  );
}
