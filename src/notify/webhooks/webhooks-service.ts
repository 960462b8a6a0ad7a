// Webhook registration as a service: the native routes and other doors (the MLflow door) create,
// change and remove webhooks here, each change in one transaction with its audit event. A door
// that keeps more about a webhook writes it through `also`, inside the same transaction.
import type { Transaction } from 'kysely';
import type { Database } from '../../db/tables.js';
import type { Deps } from '../../deps.js';
import { notFound } from '../../errors.js';
import { commit, eventTypesMatching } from '../../registry/index.js';
import { DELIVERED_TYPES } from './webhook-dispatcher.js';
import { NATIVE_FORMAT } from './webhook-formats.js';
import { findWebhook, insertWebhook, liveWebhooks, markWebhookDeleted, updateWebhookRow, type WebhookRow } from './webhooks-store.js';

export type WebhookStatus = 'active' | 'disabled';
export type { WebhookRow };
type Also = (trx: Transaction<Database>, row: WebhookRow) => Promise<void>;

export interface NewWebhook {
  url: string;
  secret: string;
  /** Stagecraft event types or domains ('version.*', '*'); [] = every delivered event. */
  events: string[];
  format?: string;
  status?: WebhookStatus;
}

/** Refuses a pattern that selects no deliverable event (a typo would otherwise never fire). */
export function checkEventPatterns(patterns: string[], field = 'events'): void {
  eventTypesMatching(patterns, field, DELIVERED_TYPES);
}

export async function createWebhook(deps: Deps, actor: string, input: NewWebhook, also?: Also): Promise<WebhookRow> {
  checkEventPatterns(input.events);
  const row: WebhookRow = {
    id: deps.ids.uuid(),
    url: input.url,
    secret: input.secret,
    events: JSON.stringify(input.events),
    created_at: deps.clock.now(),
    created_by: actor,
    deleted_at: null,
    format: input.format ?? NATIVE_FORMAT,
    status: input.status ?? 'active',
  };
  await commit(deps, async (trx, append) => {
    await insertWebhook(trx, row);
    await also?.(trx, row);
    await append({ actor, type: 'webhook.created', details: { id: row.id, url: row.url, events: input.events, format: row.format, status: row.status } });
  });
  return row;
}

export interface WebhookChange {
  url?: string;
  secret?: string;
  events?: string[];
  status?: WebhookStatus;
}

/** Changes a live webhook; the audit event names what changed (never the secret's value). */
export async function updateWebhook(deps: Deps, actor: string, id: string, change: WebhookChange, also?: Also): Promise<WebhookRow> {
  if (change.events) checkEventPatterns(change.events);
  return commit(deps, async (trx, append) => {
    const set = { url: change.url, secret: change.secret, events: change.events && JSON.stringify(change.events), status: change.status };
    const defined = Object.fromEntries(Object.entries(set).filter(([, v]) => v !== undefined));
    if (!(await updateWebhookRow(trx, id, defined))) throw notFound(`no webhook ${id}`);
    const row = await findWebhook(trx, id);
    if (!row) throw notFound(`no webhook ${id}`);
    await also?.(trx, row);
    const { secret, ...shown } = change;
    await append({ actor, type: 'webhook.updated', details: { id, ...shown, ...(secret !== undefined ? { secret_changed: true } : {}) } });
    return row;
  });
}

export async function deleteWebhook(deps: Deps, actor: string, id: string): Promise<void> {
  await commit(deps, async (trx, append) => {
    if (!(await markWebhookDeleted(trx, id, deps.clock.now()))) throw notFound(`no webhook ${id}`);
    await append({ actor, type: 'webhook.deleted', details: { id } });
  });
}

export async function getWebhook(deps: Deps, id: string): Promise<WebhookRow | undefined> {
  return findWebhook(deps.db, id);
}

/** Live webhooks, oldest first; only those of one format when it is given. */
export async function listWebhooks(deps: Deps, format?: string): Promise<WebhookRow[]> {
  const rows = await liveWebhooks(deps.db);
  return format ? rows.filter((r) => r.format === format) : rows;
}
