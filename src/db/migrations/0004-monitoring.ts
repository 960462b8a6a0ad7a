// Frozen: never edit after it lands; add a new migration instead.
// Monitoring: retained inference records (predictions joined later with ground truth), reference
// profiles for drift, one health policy per model, the guard's lease and per-model state, webhooks.
import { sql, type Kysely } from 'kysely';
import type { DialectCaps } from '../dialect.js';

export function monitoringMigration(caps: DialectCaps) {
  return {
    async up(db: Kysely<any>): Promise<void> {
      // One row per served input row (row 0 also carries the request's outcome and latency), so
      // request counts use row = 0 and prediction/feature distributions use every row.
      await db.schema
        .createTable('mon_records')
        .addColumn('id', caps.serialType, (c) => caps.serialColumn(c))
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('row', 'integer', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('binding', 'text', (c) => c.notNull())
        .addColumn('time', 'bigint', (c) => c.notNull())
        .addColumn('latency_ms', 'double precision', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('features', 'text')
        .addColumn('pred_num', 'double precision')
        .addColumn('pred_text', 'text')
        .addColumn('label_num', 'double precision')
        .addColumn('label_text', 'text')
        .addColumn('labeled_at', 'bigint')
        .addUniqueConstraint('mon_records_request_row', ['request_id', 'row'])
        .execute();
      // Covering for the guard's window counts (outcome is read from the index, not the table).
      await db.schema.createIndex('mon_records_mvt').on('mon_records').columns(['model', 'version', 'time', 'outcome']).execute();
      // The newest labeled predictions of a window, without walking the (many) unlabeled ones.
      await db.schema
        .createIndex('mon_records_labeled')
        .on('mon_records')
        .columns(['model', 'version', 'time'])
        .where(sql.ref('labeled_at'), 'is not', null)
        .execute();
      await db.schema.createIndex('mon_records_time').on('mon_records').column('time').execute();

      await db.schema
        .createTable('mon_references')
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('rows', 'integer', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('profile', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('mon_references_pk', ['model', 'version'])
        .execute();

      await db.schema
        .createTable('mon_policies')
        .addColumn('model', 'text', (c) => c.primaryKey())
        .addColumn('policy', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .execute();

      // The guard's per-model memory (consecutive failures, cool-down, last evaluation), shared by
      // all servers so a new lease holder carries on where the last one stopped.
      await db.schema
        .createTable('mon_guard_state')
        .addColumn('model', 'text', (c) => c.primaryKey())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('mon_leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('webhooks')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('url', 'text', (c) => c.notNull())
        .addColumn('secret', 'text', (c) => c.notNull())
        .addColumn('events', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('deleted_at', 'bigint')
        .execute();

      // Every attempt is a row; attempt 1's unique insert is how exactly one server claims a delivery.
      await db.schema
        .createTable('webhook_deliveries')
        .addColumn('id', caps.serialType, (c) => caps.serialColumn(c))
        .addColumn('webhook_id', 'text', (c) => c.notNull())
        .addColumn('event_id', 'bigint', (c) => c.notNull())
        .addColumn('event_type', 'text', (c) => c.notNull())
        .addColumn('attempt', 'integer', (c) => c.notNull())
        .addColumn('time', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_code', 'integer')
        .addColumn('error', 'text')
        .addColumn('duration_ms', 'double precision')
        .addUniqueConstraint('webhook_deliveries_attempt', ['webhook_id', 'event_id', 'attempt'])
        .execute();
      await db.schema.createIndex('webhook_deliveries_hook').on('webhook_deliveries').columns(['webhook_id', 'id']).execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      for (const t of ['webhook_deliveries', 'webhooks', 'mon_leases', 'mon_guard_state', 'mon_policies', 'mon_references', 'mon_records']) {
        await db.schema.dropTable(t).execute();
      }
    },
  };
}
