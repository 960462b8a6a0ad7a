// MLflow's webhook use cases (mlflow/store/model_registry/sqlalchemy_store.py, with MLflow's checks
// and messages) on top of notify's webhooks: notify keeps the URL, secret, status, the Stagecraft
// events to follow and the delivery log; this door keeps the name, description and MLflow events.
// Only webhooks made through this door are MLflow webhooks: native ones stay out of its lists.
import type { Deps } from '../deps.js';
import { checkEventPatterns, createWebhook, deleteWebhook, getWebhook, listWebhooks, postDelivery, updateWebhook, type WebhookRow, type WebhookStatus } from '../notify/index.js';
import { redactUrl } from '../registry/index.js';
import { badParam, MlflowError } from './mlflow-errors.js';
import { eventJson, FOLLOWS, eventName, examplePayload, pyRepr, type MlflowEvent } from './mlflow-webhook-events.js';
import { MLFLOW_FORMAT, mlflowDelivery } from './mlflow-webhook-format.js';
import { insertMlflowWebhook, mlflowWebhooksOf, updateMlflowWebhook, type MlflowWebhooksTable } from './mlflow-webhooks-store.js';

const NAME = /^(?=.{1,63}$)[a-z0-9]([a-z0-9._-]*[a-z0-9])?$/i;
const TEST_TIMEOUT_MS = 30_000; // MLFLOW_WEBHOOK_REQUEST_TIMEOUT's default

export const webhookNotFound = (id: string) => new MlflowError('RESOURCE_DOES_NOT_EXIST', `Webhook with ID ${id} not found.`);

export function validateWebhookName(name: string): string {
  if (!NAME.test(name)) {
    throw badParam(
      `Webhook name ${pyRepr(name)} is invalid. It must start and end with a letter or digit, be less than 63 characters long, and contain only letters, digits, dots (.), underscores (_), and hyphens (-).`,
    );
  }
  return name;
}

/**
 * MLflow's URL checks and messages, read as Python's urlparse reads a URL. Deliberate: http is
 * allowed beside https and private addresses are not refused (MLflow's defaults refuse both unless
 * MLFLOW_WEBHOOK_ALLOWED_SCHEMES / MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS say otherwise): Stagecraft's
 * native webhooks allow them, and only admins register webhooks.
 */
export function validateWebhookUrl(url: string): string {
  if (!url.trim()) throw badParam(`Webhook URL cannot be empty or just whitespace: ${pyRepr(url)}`);
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):(.*)$/s.exec(url);
  const scheme = m ? m[1].toLowerCase() : '';
  if (scheme !== 'http' && scheme !== 'https') throw badParam(`Invalid webhook URL scheme: ${pyRepr(scheme)}. Allowed schemes are: http, https.`);
  const netloc = m![2].startsWith('//') ? m![2].slice(2).split(/[/?#]/)[0] : '';
  const host = netloc.replace(/^.*@/, '').replace(/^\[([^\]]*)\].*$/, '$1').replace(/:\d*$/, '');
  if (!host) throw badParam(`Webhook URL must include a hostname: ${pyRepr(url)}`);
  try {
    new URL(url);
  } catch (err) {
    throw badParam(`Invalid webhook URL ${pyRepr(url)}: ${(err as Error).message}`);
  }
  return url;
}

export function parseStatus(v: string | undefined): WebhookStatus | undefined {
  if (v === undefined || v === '') return undefined;
  // MLflow 3 takes an unknown status as ACTIVE (its enum parse drops it); Stagecraft refuses it.
  if (v !== 'ACTIVE' && v !== 'DISABLED') throw badParam(`Invalid value ${JSON.stringify(v)} for parameter 'status' supplied: use ACTIVE or DISABLED.`);
  return v === 'ACTIVE' ? 'active' : 'disabled';
}

/** The Stagecraft events notify follows for this webhook: those MLflow's events map to, and its own. */
function followed(events: MlflowEvent[], stagecraftEvents: string[]): string[] {
  const types = events.map((e) => FOLLOWS[eventName(e)]).filter((t): t is string => !!t);
  return [...new Set([...types, ...stagecraftEvents])];
}

export function webhookJson(row: WebhookRow, meta: MlflowWebhooksTable, fullUrl: boolean) {
  const stagecraft = JSON.parse(meta.stagecraft_events) as string[];
  return {
    webhook_id: row.id,
    name: meta.name,
    ...(meta.description ? { description: meta.description } : {}),
    url: fullUrl ? row.url : redactUrl(row.url),
    events: (JSON.parse(meta.events) as MlflowEvent[]).map(eventJson),
    status: row.status === 'active' ? 'ACTIVE' : 'DISABLED',
    creation_timestamp: Number(row.created_at),
    last_updated_timestamp: Number(meta.updated_at),
    ...(stagecraft.length ? { stagecraft_events: stagecraft } : {}),
  };
}

export interface WebhookInput {
  name?: string;
  description?: string;
  url?: string;
  events?: MlflowEvent[];
  stagecraftEvents?: string[];
  secret?: string;
  status?: WebhookStatus;
}

export async function createMlflowWebhook(deps: Deps, actor: string, input: WebhookInput & { name: string; url: string }) {
  validateWebhookName(input.name);
  validateWebhookUrl(input.url);
  const events = input.events ?? [];
  const stagecraftEvents = input.stagecraftEvents ?? [];
  if (events.length === 0 && stagecraftEvents.length === 0) throw badParam('Webhook events must be a non-empty list of WebhookEvent objects: [].');
  checkEventPatterns(stagecraftEvents, 'stagecraft_events');
  const meta: MlflowWebhooksTable = { webhook_id: '', name: input.name, description: input.description || null, events: JSON.stringify(events), stagecraft_events: JSON.stringify(stagecraftEvents), updated_at: 0 };
  const row = await createWebhook(deps, actor, { url: input.url, secret: input.secret ?? '', events: followed(events, stagecraftEvents), format: MLFLOW_FORMAT, status: input.status }, async (trx, created) => {
    Object.assign(meta, { webhook_id: created.id, updated_at: Number(created.created_at) });
    await insertMlflowWebhook(trx, meta);
  });
  return webhookJson(row, meta, true);
}

export async function requireMlflowWebhook(deps: Deps, id: string): Promise<{ row: WebhookRow; meta: MlflowWebhooksTable }> {
  const row = await getWebhook(deps, id);
  const [meta] = row?.format === MLFLOW_FORMAT ? await mlflowWebhooksOf(deps.db, [id]) : [];
  if (!row || !meta) throw webhookNotFound(id);
  return { row, meta };
}

/** Newest first, as MLflow lists them. */
export async function listMlflowWebhooks(deps: Deps, offset: number, limit: number, fullUrl: boolean) {
  const rows = (await listWebhooks(deps, MLFLOW_FORMAT)).sort((a, b) => Number(b.created_at) - Number(a.created_at) || (a.id < b.id ? 1 : -1));
  const page = rows.slice(offset, offset + limit);
  const metas = new Map((await mlflowWebhooksOf(deps.db, page.map((r) => r.id))).map((m) => [m.webhook_id, m]));
  const webhooks = page.flatMap((r) => {
    const m = metas.get(r.id);
    return m ? [webhookJson(r, m, fullUrl)] : [];
  });
  return { webhooks, more: rows.length > offset + limit };
}

export async function changeMlflowWebhook(deps: Deps, actor: string, id: string, input: WebhookInput) {
  const { meta } = await requireMlflowWebhook(deps, id);
  if (input.name !== undefined) validateWebhookName(input.name);
  if (input.url !== undefined) validateWebhookUrl(input.url);
  if (input.stagecraftEvents) checkEventPatterns(input.stagecraftEvents, 'stagecraft_events');
  const events = input.events ?? (JSON.parse(meta.events) as MlflowEvent[]);
  const stagecraftEvents = input.stagecraftEvents ?? (JSON.parse(meta.stagecraft_events) as string[]);
  if (events.length === 0 && stagecraftEvents.length === 0) throw badParam('Webhook events must be a non-empty list of WebhookEvent objects: [].');
  const now = deps.clock.now();
  const set = {
    name: input.name,
    description: input.description,
    events: input.events && JSON.stringify(input.events),
    stagecraft_events: input.stagecraftEvents && JSON.stringify(input.stagecraftEvents),
    updated_at: now,
  };
  const follows = input.events || input.stagecraftEvents ? followed(events, stagecraftEvents) : undefined;
  const row = await updateWebhook(deps, actor, id, { url: input.url, secret: input.secret, status: input.status, events: follows }, (trx) =>
    updateMlflowWebhook(trx, id, Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined))),
  );
  const [fresh] = await mlflowWebhooksOf(deps.db, [id]);
  return webhookJson(row, fresh, true);
}

export async function deleteMlflowWebhook(deps: Deps, actor: string, id: string): Promise<void> {
  await requireMlflowWebhook(deps, id);
  await deleteWebhook(deps, actor, id);
}

/** Sends MLflow's example payload for one event, now, signed as a real delivery; the answer says how it went. */
export async function testMlflowWebhook(deps: Deps, id: string, event: MlflowEvent | undefined) {
  const { row, meta } = await requireMlflowWebhook(deps, id);
  const ev = event ?? (JSON.parse(meta.events) as MlflowEvent[])[0];
  if (!ev) throw badParam('This webhook follows only Stagecraft events; name the MLflow event to test.');
  const now = deps.clock.now();
  const delivery = mlflowDelivery(row.secret, { ...ev, timeMs: now, data: examplePayload(ev) }, deps.ids.uuid());
  const r = await postDelivery(row.url, delivery.body, delivery.headers({ key: id, now }), TEST_TIMEOUT_MS);
  if (r.status_code === null) return { success: false, error_message: `Failed to test webhook: ${r.error}` };
  return { success: r.status_code < 400, response_status: r.status_code, ...(r.response_body ? { response_body: r.response_body } : {}) };
}

