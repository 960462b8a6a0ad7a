// The only SQL for webhooks and their delivery log, with their row types (migrations 0004, 0012).
import type { Generated, Selectable } from 'kysely';
import type { Db } from '../../db/tables.js';

export interface WebhooksTable {
  id: string;
  url: string;
  secret: string;
  events: string;
  created_at: number;
  created_by: string;
  deleted_at: number | null;
  /** The wire format deliveries use: 'stagecraft' (native) or one a door registered ('mlflow'). */
  format: string;
  /** 'active' or 'disabled': a disabled webhook is kept but receives nothing. */
  status: string;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  webhook_id: string;
  event_id: number;
  event_type: string;
  attempt: number;
  time: number;
  status: string;
  status_code: number | null;
  error: string | null;
  duration_ms: number | null;
}

declare module '../../db/tables.js' {
  interface Database {
    webhooks: WebhooksTable;
    webhook_deliveries: WebhookDeliveriesTable;
  }
}

export type WebhookRow = Selectable<WebhooksTable>;

export async function insertWebhook(db: Db, row: WebhookRow): Promise<void> {
  await db.insertInto('webhooks').values(row).execute();
}

export async function liveWebhooks(db: Db): Promise<WebhookRow[]> {
  return db.selectFrom('webhooks').selectAll().where('deleted_at', 'is', null).orderBy('created_at').execute();
}

export async function findWebhook(db: Db, id: string): Promise<WebhookRow | undefined> {
  return db.selectFrom('webhooks').selectAll().where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
}

export async function updateWebhookRow(db: Db, id: string, set: Partial<Pick<WebhookRow, 'url' | 'secret' | 'events' | 'status'>>): Promise<boolean> {
  if (Object.keys(set).length === 0) return (await findWebhook(db, id)) !== undefined;
  const r = await db.updateTable('webhooks').set(set).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function markWebhookDeleted(db: Db, id: string, now: number): Promise<boolean> {
  const r = await db.updateTable('webhooks').set({ deleted_at: now }).where('id', '=', id).where('deleted_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** Claims an attempt: the unique (webhook, event, attempt) insert succeeds on exactly one server. */
export async function claimAttempt(db: Db, d: { webhook_id: string; event_id: number; event_type: string; attempt: number; time: number }, isUnique: (e: unknown) => boolean): Promise<number | null> {
  try {
    const r = await db.insertInto('webhook_deliveries').values({ ...d, status: 'sending' }).returning('id').executeTakeFirstOrThrow();
    return Number(r.id);
  } catch (err) {
    if (isUnique(err)) return null;
    throw err;
  }
}

export async function finishAttempt(db: Db, id: number, r: { status: string; status_code: number | null; error: string | null; duration_ms: number }): Promise<void> {
  await db.updateTable('webhook_deliveries').set(r).where('id', '=', id).execute();
}

export async function listDeliveries(db: Db, webhookId: string | undefined, limit: number): Promise<Array<Selectable<WebhookDeliveriesTable>>> {
  let q = db.selectFrom('webhook_deliveries').selectAll();
  if (webhookId) q = q.where('webhook_id', '=', webhookId);
  return q.orderBy('id', 'desc').limit(limit).execute();
}
