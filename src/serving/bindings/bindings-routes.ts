// Bindings over HTTP, and the serving snapshot standalone gateways boot from.
import { Type } from 'typebox';
import type { App } from '../../http/app-types.js';
import { actorOf, type RegistryEvent } from '../../registry/index.js';
import { errorResponses, EventSchema, ModelNameParams, Nullable } from '../../http/common-schemas.js';
import type { Deps } from '../../deps.js';
import { getBinding, servingSnapshot, setBinding } from './bindings-service.js';

const tags = ['serving'];

export const BindingSchema = Type.Object({
  model: Type.String(),
  binding: Type.String({ description: "'stage:Production', 'stage:Staging' or 'alias:<name>'" }),
  target_version: Nullable(Type.Integer()),
});

const SnapshotSchema = Type.Object({
  event_id: Type.Integer(),
  models: Type.Array(
    Type.Object({
      name: Type.String(),
      binding: Type.String(),
      stages: Type.Record(Type.String(), Type.Array(Type.Integer())),
      aliases: Type.Record(Type.String(), Type.Integer()),
    }),
  ),
  traffic: Type.Optional(
    Type.Array(EventSchema, { description: 'events that restore the experiments in force (canary splits, shadow mirrors), for replicas that missed them' }),
  ),
});

/**
 * `restoreEvents` is every extension's running traffic work as events (ExtensionContext.restoreEvents):
 * serving hands it on without knowing which extensions contribute (canary splits, shadow mirrors).
 */
export function bindingsRoutes(app: App, deps: Deps, restoreEvents: () => Promise<RegistryEvent[]>): void {
  app.get(
    '/api/v1/models/:name/binding',
    {
      config: { permission: 'read' },
      schema: { tags, summary: 'Which stage or alias the gateway serves this model from', params: ModelNameParams, response: { 200: BindingSchema, ...errorResponses } },
    },
    async (req) => getBinding(deps, req.params.name),
  );

  app.put(
    '/api/v1/models/:name/binding',
    {
      config: { permission: 'deploy' },
      schema: {
        tags,
        summary: 'Serve this model from a stage or an alias (audited as binding.changed)',
        params: ModelNameParams,
        body: Type.Object(
          { stage: Type.Optional(Type.String()), alias: Type.Optional(Type.String()), reason: Type.Optional(Type.String()) },
          { additionalProperties: false },
        ),
        response: { 200: BindingSchema, ...errorResponses },
      },
    },
    async (req) => setBinding(deps, actorOf(req), req.params.name, req.body),
  );

  app.get(
    '/api/v1/gateways/snapshot',
    {
      config: { permission: 'follow' },
      schema: { tags, summary: 'Bindings, serving-stage members and aliases of every model (what gateways route by)', response: { 200: SnapshotSchema, ...errorResponses } },
    },
    // A replica that boots or reconnects mid-rollout gets the split in force with its pointers.
    async () => ({ ...(await servingSnapshot(deps.db)), traffic: await restoreEvents() }),
  );
}
