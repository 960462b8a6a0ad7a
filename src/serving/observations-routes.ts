// Intake for standalone gateway replicas: the observations they served, fed to the same observers
// the embedded gateway reports to (monitoring: live stats, Prometheus, retained predictions; canary
// analysis), so feedback joins, drift, the guard and rollouts cover every replica's traffic.
// It sits beside serving-extension.ts, above gateway/ and replicas/: it carries the gateway's
// InferenceObservation, and replicas/ (heartbeats, status) is below the gateway, which reports to it.
// Only gateway-role tokens may post here (an editor's made-up outcomes would steer the guard), and
// every observation is tied to the replica that sent it: its source is the batch's replica_id,
// whatever the observation itself says. A batch may also carry the replica's worker restarts (counts
// per model and version), told to the observers as the embedded gateway tells them its own.
import { Type } from 'typebox';
import type { App } from '../http/app-types.js';
import { errorResponses } from '../http/common-schemas.js';
import type { InferenceObservation, InferenceObserver } from './gateway/observer.js';

const Value = Type.Union([Type.Number(), Type.String(), Type.Null()]);
const Observation = Type.Object({
  model: Type.String(),
  version: Type.Integer(),
  binding: Type.String(),
  requestId: Type.String(),
  time: Type.Number(),
  latencyMs: Type.Number(),
  outcome: Type.Union([Type.Literal('ok'), Type.Literal('client_error'), Type.Literal('model_error'), Type.Literal('rejected'), Type.Literal('shed'), Type.Literal('queue_timeout')]),
  inputs: Type.Optional(Type.Record(Type.String(), Type.Array(Value))),
  predictions: Type.Optional(Type.Array(Type.Union([Type.Number(), Type.String()]))),
});

const Restarts = Type.Array(
  Type.Object({ model: Type.String(), version: Type.Integer(), count: Type.Integer({ minimum: 1, maximum: 100_000 }) }),
  { maxItems: 1000, description: 'Runtime workers replaced since the last batch (a Python worker died or outgrew its memory limit)' },
);

export function observationsRoutes(app: App, observers: readonly InferenceObserver[]): void {
  app.post(
    '/api/v1/gateways/observations',
    {
      config: { permission: 'report' },
      // Batches from a busy replica are large; the default 1 MiB body limit would refuse them.
      bodyLimit: 64 * 1024 * 1024,
      schema: {
        tags: ['gateways'],
        summary: 'Observations served by a standalone gateway replica (for monitoring and feedback); gateway-role tokens only',
        body: Type.Object({ replica_id: Type.String({ minLength: 1, maxLength: 200 }), observations: Type.Array(Observation, { maxItems: 5000 }), worker_restarts: Type.Optional(Restarts) }),
        response: { 200: Type.Object({ accepted: Type.Integer() }), ...errorResponses },
      },
    },
    async (req) => {
      const source = req.body.replica_id;
      for (const o of req.body.observations) {
        const observation: InferenceObservation = { ...(o as InferenceObservation), source };
        for (const observer of observers) observer.observe(observation);
      }
      for (const r of req.body.worker_restarts ?? []) {
        for (const observer of observers) for (let i = 0; i < r.count; i++) observer.workerRestarted?.(r.model, r.version);
      }
      return { accepted: req.body.observations.length };
    },
  );
}
