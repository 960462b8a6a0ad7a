// The MLflow wire format for notify's dispatcher (mlflow/webhooks/delivery.py): the body is
// {"entity", "action", "timestamp", "data"} written as Python's json.dumps writes it, with the
// headers X-MLflow-Delivery-Id, X-MLflow-Timestamp (Unix seconds) and, when the webhook has a
// secret, X-MLflow-Signature: v1,<base64 HMAC-SHA256(secret, "{delivery_id}.{timestamp}.{body}")>.
// A Stagecraft event the webhook follows beside MLflow's arrives in the same envelope with entity
// "stagecraft", the event type as action and the native event as data.
import { createHash, createHmac } from 'node:crypto';
import type { Deps } from '../deps.js';
import { matchesEventPattern, type RegistryEvent } from '../registry/index.js';
import type { WebhookDelivery, WebhookFormat, WebhookRow } from '../notify/index.js';
import { eventName, type MlflowEvent } from './mlflow-webhook-events.js';
import { mlflowEventOf } from './mlflow-webhook-payloads.js';
import { mlflowWebhooksOf } from './mlflow-webhooks-store.js';

export const MLFLOW_FORMAT = 'mlflow';
export const STAGECRAFT_ENTITY = 'stagecraft';

/** Python's json.dumps defaults: ', ' and ': ' separators, non-ASCII escaped. */
export function pyDumps(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return `[${v.map(pyDumps).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${pyDumps(k)}: ${pyDumps(x)}`).join(', ')}}`;
  if (typeof v === 'string') return JSON.stringify(v).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return JSON.stringify(v);
}

/** `datetime.now(timezone.utc).isoformat()`: microseconds and +00:00. */
function pyIsoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000+00:00');
}

export function mlflowSignature(secret: string, deliveryId: string, timestamp: string, body: string): string {
  return `v1,${createHmac('sha256', secret).update(`${deliveryId}.${timestamp}.${body}`, 'utf8').digest('base64')}`;
}

/** A UUID-shaped delivery id, the same for every attempt of one (webhook, event) and on every server. */
function deliveryId(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16], 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function mlflowDelivery(secret: string, envelope: { entity: string; action: string; timeMs: number; data: unknown }, fixedId?: string): WebhookDelivery {
  const body = pyDumps({ entity: envelope.entity, action: envelope.action, timestamp: pyIsoTime(envelope.timeMs), data: envelope.data });
  return {
    body,
    headers: ({ key, now }) => {
      const id = fixedId ?? deliveryId(key);
      const timestamp = String(Math.floor(now / 1000));
      const h: Record<string, string> = { 'Content-Type': 'application/json', 'X-MLflow-Delivery-Id': id, 'X-MLflow-Timestamp': timestamp };
      if (secret) h['X-MLflow-Signature'] = mlflowSignature(secret, id, timestamp, body);
      return h;
    },
  };
}

export const mlflowWebhookFormat: WebhookFormat = {
  name: MLFLOW_FORMAT,
  async render(deps: Deps, hook: WebhookRow, event: RegistryEvent) {
    const [meta] = await mlflowWebhooksOf(deps.db, [hook.id]);
    if (!meta) return null;
    const wanted = new Set((JSON.parse(meta.events) as MlflowEvent[]).map(eventName));
    const mapped = await mlflowEventOf(deps, event);
    if (mapped && wanted.has(eventName(mapped.event))) {
      return mlflowDelivery(hook.secret, { ...mapped.event, timeMs: event.time_ms, data: mapped.data });
    }
    const own = JSON.parse(meta.stagecraft_events) as string[];
    if (own.some((p) => matchesEventPattern(p, event.type))) {
      return mlflowDelivery(hook.secret, { entity: STAGECRAFT_ENTITY, action: event.type, timeMs: event.time_ms, data: event });
    }
    return null;
  },
};
