// Frozen: never edit after it lands; add a new migration instead.
// MLflow's webhooks API (MLflow 3.3+) on top of Stagecraft's webhooks: a webhook gets a wire
// format (`stagecraft` for the native door, `mlflow` for the MLflow door: envelope, payloads and
// X-MLflow-Signature) and a status (a disabled webhook is kept but receives nothing). What only
// MLflow knows of a webhook (its name, description, entity/action events, last update) is the
// MLflow door's own table.
import type { Kysely, Migration } from 'kysely';
import type { DialectCaps } from '../dialect.js';

export function mlflowWebhooksMigration(_caps: DialectCaps): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('webhooks').addColumn('format', 'text', (c) => c.notNull().defaultTo('stagecraft')).execute();
      await db.schema.alterTable('webhooks').addColumn('status', 'text', (c) => c.notNull().defaultTo('active')).execute();
      await db.schema
        .createTable('mlflow_webhooks')
        .addColumn('webhook_id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        // JSON: [{"entity":"model_version","action":"created"}, …] in MLflow's order.
        .addColumn('events', 'text', (c) => c.notNull())
        // JSON: Stagecraft event types or domains subscribed to beside MLflow's events.
        .addColumn('stagecraft_events', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('mlflow_webhooks').execute();
      await db.schema.alterTable('webhooks').dropColumn('status').execute();
      await db.schema.alterTable('webhooks').dropColumn('format').execute();
    },
  };
}
