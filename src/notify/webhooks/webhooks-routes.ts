// Webhook registration and the delivery log.
import { Type } from 'typebox';
import type { Deps } from '../../deps.js';
import type { App } from '../../http/app-types.js';
import { actorOf, redactUrl, requestMay } from '../../registry/index.js';
import { errorResponses, Limit } from '../../http/common-schemas.js';
import { invalid, notFound } from '../../errors.js';
import { createWebhook, deleteWebhook, listWebhooks } from './webhooks-service.js';
import { findWebhook, listDeliveries, type WebhookRow } from './webhooks-store.js';

const tags = ['webhooks'];
const WebhookSchema = Type.Object({
  id: Type.String(),
  url: Type.String(),
  events: Type.Array(Type.String()),
  created_at: Type.String(),
  created_by: Type.String(),
  format: Type.String({ description: "the wire format: 'stagecraft', or 'mlflow' for a webhook made through the MLflow door" }),
  status: Type.String({ description: "'active' or 'disabled' (a disabled webhook receives nothing)" }),
});
const DeliverySchema = Type.Object({
  id: Type.Integer(),
  webhook_id: Type.String(),
  event_id: Type.Integer(),
  event_type: Type.String(),
  attempt: Type.Integer(),
  time: Type.String(),
  status: Type.String(),
  status_code: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  duration_ms: Type.Union([Type.Number(), Type.Null()]),
});

// The secret is write-only: it is never returned. The URL can be a credential too (Slack-style
// URLs are): admins see it whole, everyone else its scheme and host.
const view = (w: WebhookRow, fullUrl = true) => ({
  id: w.id,
  url: fullUrl ? w.url : redactUrl(w.url),
  events: JSON.parse(w.events) as string[],
  created_at: new Date(Number(w.created_at)).toISOString(),
  created_by: w.created_by,
  format: w.format,
  status: w.status,
});

function checkUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalid(`"${url}" is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw invalid('a webhook URL must be http or https');
}

export function webhooksRoutes(app: App, deps: Deps): void {
  app.post(
    '/api/v1/webhooks',
    {
      config: { permission: 'admin' },
      schema: {
        tags,
        summary: 'Register a webhook: each matching event is POSTed as JSON, signed with HMAC-SHA256 of the body',
        body: Type.Object({ url: Type.String(), secret: Type.String({ minLength: 8 }), events: Type.Optional(Type.Array(Type.String(), { description: 'event types, domains such as version.*, or * (default: every event)' })) }, { additionalProperties: false }),
        response: { 201: WebhookSchema, ...errorResponses },
      },
    },
    async (req, reply) => {
      checkUrl(req.body.url);
      const row = await createWebhook(deps, actorOf(req), { url: req.body.url, secret: req.body.secret, events: req.body.events ?? [] });
      return reply.code(201).send(view(row));
    },
  );
  app.get(
    '/api/v1/webhooks',
    {
      config: { permission: 'read' },
      schema: { tags, summary: 'List webhooks (URLs in full for admins; scheme and host for everyone else)', response: { 200: Type.Object({ webhooks: Type.Array(WebhookSchema) }), ...errorResponses } },
    },
    async (req) => {
      const full = requestMay(req, 'admin');
      return { webhooks: (await listWebhooks(deps)).map((w) => view(w, full)) };
    },
  );
  app.delete(
    '/api/v1/webhooks/:id',
    { config: { permission: 'admin' }, schema: { tags, summary: 'Remove a webhook', params: Type.Object({ id: Type.String() }), response: { 204: Type.Null(), ...errorResponses } } },
    async (req, reply) => {
      await deleteWebhook(deps, actorOf(req), req.params.id);
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/api/v1/webhooks/deliveries',
    {
      config: { permission: 'admin' },
      schema: {
        tags,
        summary: 'The delivery log: every attempt, newest first',
        querystring: Type.Object({ webhook_id: Type.Optional(Type.String()), limit: Limit }, { additionalProperties: false }),
        response: { 200: Type.Object({ deliveries: Type.Array(DeliverySchema) }), ...errorResponses },
      },
    },
    async (req) => {
      if (req.query.webhook_id && !(await findWebhook(deps.db, req.query.webhook_id))) throw notFound(`no webhook ${req.query.webhook_id}`);
      const rows = await listDeliveries(deps.db, req.query.webhook_id, req.query.limit);
      return { deliveries: rows.map((d) => ({ ...d, id: Number(d.id), event_id: Number(d.event_id), time: new Date(Number(d.time)).toISOString(), duration_ms: d.duration_ms === null ? null : Number(d.duration_ms) })) };
    },
  );
}
