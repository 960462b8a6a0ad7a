// Frozen: never edit after it lands; add a new migration instead.
// Safe promotion: validation gates and their reports, approval policies and requests, canary
// rollouts, shadow runs and rollback drills. JSON columns hold text; times are epoch milliseconds.
import type { Kysely } from 'kysely';
import type { DialectCaps } from '../dialect.js';

export function promotionMigration(caps: DialectCaps) {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('promo_gates')
        .addColumn('model_id', 'text', (c) => c.primaryKey())
        .addColumn('config', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .execute();

      // Every gate run is kept; the latest per version is "the version's validation report".
      await db.schema
        .createTable('promo_validation_reports')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('model_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('stage', 'text', (c) => c.notNull())
        .addColumn('passed', 'integer', (c) => c.notNull())
        .addColumn('report', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('promo_reports_mv').on('promo_validation_reports').columns(['model_id', 'version', 'created_at']).execute();

      await db.schema
        .createTable('promo_approval_policies')
        .addColumn('model_id', 'text', (c) => c.primaryKey())
        .addColumn('stages', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_by', 'text', (c) => c.notNull())
        .execute();

      // Serial ids so a person can type `stagecraft approvals approve 12`.
      await db.schema
        .createTable('promo_approvals')
        .addColumn('id', caps.serialType, (c) => caps.serialColumn(c))
        .addColumn('model_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('stage', 'text', (c) => c.notNull())
        .addColumn('archive_existing', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('requested_at', 'bigint', (c) => c.notNull())
        .addColumn('decided_by', 'text')
        .addColumn('decided_at', 'bigint')
        .addColumn('comment', 'text')
        .execute();
      await db.schema.createIndex('promo_approvals_status').on('promo_approvals').columns(['status', 'model_id']).execute();

      // One row per rollout; `state` holds steps, current step, analyses and outcome as JSON.
      await db.schema
        .createTable('promo_rollouts')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('model_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('baseline_version', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('promo_rollouts_model').on('promo_rollouts').columns(['model_id', 'status']).execute();

      await db.schema
        .createTable('promo_shadows')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('model_id', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('percent', 'double precision', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('stats', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('stopped_at', 'bigint')
        .execute();
      await db.schema.createIndex('promo_shadows_model').on('promo_shadows').columns(['model_id', 'status']).execute();

      await db.schema
        .createTable('promo_drills')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('model_id', 'text', (c) => c.notNull())
        .addColumn('stage', 'text', (c) => c.notNull())
        .addColumn('passed', 'integer', (c) => c.notNull())
        .addColumn('report', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('promo_drills_model').on('promo_drills').columns(['model_id', 'created_at']).execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      for (const t of ['promo_drills', 'promo_shadows', 'promo_rollouts', 'promo_approvals', 'promo_approval_policies', 'promo_validation_reports', 'promo_gates']) {
        await db.schema.dropTable(t).execute();
      }
    },
  };
}
