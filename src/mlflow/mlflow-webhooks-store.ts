// The only SQL for mlflow_webhooks (migration 0012): what the MLflow door keeps of a webhook beyond
// notify's row (url, secret, status, delivery log): its name, description, MLflow events and the
// Stagecraft events it also follows, and when it was last changed.
import type { Db } from '../db/tables.js';

export interface MlflowWebhooksTable {
  webhook_id: string;
  name: string;
  description: string | null;
  /** JSON [{entity, action}] in lower case. */
  events: string;
  /** JSON: Stagecraft event types or domains. */
  stagecraft_events: string;
  updated_at: number;
}

declare module '../db/tables.js' {
  interface Database {
    mlflow_webhooks: MlflowWebhooksTable;
  }
}

export async function insertMlflowWebhook(db: Db, row: MlflowWebhooksTable): Promise<void> {
  await db.insertInto('mlflow_webhooks').values(row).execute();
}

export async function updateMlflowWebhook(db: Db, id: string, set: Partial<Omit<MlflowWebhooksTable, 'webhook_id'>>): Promise<void> {
  await db.updateTable('mlflow_webhooks').set(set).where('webhook_id', '=', id).execute();
}

export async function mlflowWebhooksOf(db: Db, ids: string[]): Promise<MlflowWebhooksTable[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('mlflow_webhooks').selectAll().where('webhook_id', 'in', ids).execute();
}
