// MLflow's webhooks API (MLflow 3.3+, mlflow/protos/webhooks.proto): /webhooks create, list, get,
// update, delete and /{id}/test. Managing webhooks takes what native webhook management takes
// (admin); reading takes read, and only admins see URLs whole (they can be credentials).
// Beside MLflow's `events`, `stagecraft_events` (an extension) subscribes to Stagecraft's own
// events: stage changes, rollbacks, guard verdicts… (see docs/mlflow-compat.md, "Webhooks").
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.js';
import { actorOf, requestMay } from '../registry/index.js';
import { badParam, missingParam } from './mlflow-errors.js';
import { decodePageToken, encodePageToken } from './mlflow-search-filter.js';
import { parseEvent, parseEvents, typeHint } from './mlflow-webhook-events.js';
import { changeMlflowWebhook, createMlflowWebhook, deleteMlflowWebhook, listMlflowWebhooks, parseStatus, requireMlflowWebhook, testMlflowWebhook, webhookJson, type WebhookInput } from './mlflow-webhooks-service.js';
import { intParam, optString, reqString, rpc, type Input } from './mlflow-transport.js';

type WithId = { params: unknown };
const idOf = (req: WithId) => (req.params as { webhook_id: string }).webhook_id;

function stagecraftEvents(input: Input): string[] | undefined {
  const v = input.stagecraft_events;
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw typeHint('stagecraft_events', v);
  return v as string[];
}

/** The fields create and update share; empty strings and lists count as not given, as in MLflow. */
function webhookInput(input: Input, events: WebhookInput['events']): WebhookInput {
  return {
    name: optString(input, 'name') || undefined,
    description: optString(input, 'description') || undefined,
    url: optString(input, 'url') || undefined,
    secret: optString(input, 'secret') || undefined,
    status: parseStatus(optString(input, 'status')),
    events,
    stagecraftEvents: stagecraftEvents(input),
  };
}

const given = (v: unknown) => v !== undefined && v !== null;

export function mlflowWebhooksRoutes(app: FastifyInstance, deps: Deps): void {
  rpc(app, 'POST', '/webhooks', 'admin', async (input, req) => {
    const name = reqString(input, 'name');
    const url = reqString(input, 'url');
    // `events` is required, unless Stagecraft events are given instead (then it may be empty).
    const own = stagecraftEvents(input) ?? [];
    if (!given(input.events) && own.length === 0) throw missingParam('events');
    const onlyOwn = own.length > 0 && (!given(input.events) || (Array.isArray(input.events) && input.events.length === 0));
    const events = onlyOwn ? [] : parseEvents(input.events);
    return { webhook: await createMlflowWebhook(deps, actorOf(req), { ...webhookInput(input, events), name, url }) };
  });

  rpc(app, 'GET', '/webhooks', 'read', async (input, req) => {
    const n = intParam(input, 'max_results') || 100; // 0 means the default, as in MLflow
    if (n < 1 || n > 1000) throw badParam('max_results must be between 1 and 1000.');
    const offset = decodePageToken(optString(input, 'page_token'));
    const { webhooks, more } = await listMlflowWebhooks(deps, offset, n, requestMay(req, 'admin'));
    return { ...(webhooks.length ? { webhooks } : {}), ...(more ? { next_page_token: encodePageToken(offset + n) } : {}) };
  });

  rpc(app, 'GET', '/webhooks/:webhook_id', 'read', async (_input, req) => {
    const { row, meta } = await requireMlflowWebhook(deps, idOf(req));
    return { webhook: webhookJson(row, meta, requestMay(req, 'admin')) };
  });

  rpc(app, 'PATCH', '/webhooks/:webhook_id', 'admin', async (input, req) => {
    const events = Array.isArray(input.events) && input.events.length === 0 ? undefined : given(input.events) ? parseEvents(input.events) : undefined;
    return { webhook: await changeMlflowWebhook(deps, actorOf(req), idOf(req), webhookInput(input, events)) };
  });

  rpc(app, 'DELETE', '/webhooks/:webhook_id', 'admin', async (_input, req) => {
    await deleteMlflowWebhook(deps, actorOf(req), idOf(req));
    return {};
  });

  rpc(app, 'POST', '/webhooks/:webhook_id/test', 'admin', async (input, req) => {
    const event = given(input.event) ? parseEvent(input.event, 'event') : undefined;
    return { result: await testMlflowWebhook(deps, idOf(req), event) };
  });
}
