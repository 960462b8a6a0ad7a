// Frozen: never edit after it lands; add a new migration instead.
// MLflow's tracking subset (experiments, runs, params, metrics, tags), the artifact manifest of the
// mlflow-artifacts proxy, and what MLflow keeps per version that Stagecraft's versions do not.
import type { Kysely } from 'kysely';
import type { DialectCaps } from '../dialect.js';

export function mlflowMigration(_caps: DialectCaps) {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('mlflow_experiments')
        .addColumn('id', 'bigint', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('artifact_location', 'text', (c) => c.notNull())
        .addColumn('lifecycle_stage', 'text', (c) => c.notNull())
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .addColumn('last_update_time', 'bigint', (c) => c.notNull())
        .execute();
      // MLflow servers always have the Default experiment "0"; clients log there without asking.
      const now = Date.now();
      await db
        .insertInto('mlflow_experiments')
        .values({ id: 0, name: 'Default', artifact_location: 'mlflow-artifacts:/0', lifecycle_stage: 'active', creation_time: now, last_update_time: now })
        .execute();

      await db.schema
        .createTable('mlflow_runs')
        .addColumn('run_id', 'text', (c) => c.primaryKey())
        .addColumn('experiment_id', 'bigint', (c) => c.notNull())
        .addColumn('run_name', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('start_time', 'bigint', (c) => c.notNull())
        .addColumn('end_time', 'bigint')
        .addColumn('lifecycle_stage', 'text', (c) => c.notNull())
        .addColumn('artifact_uri', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('mlflow_runs_experiment').on('mlflow_runs').columns(['experiment_id', 'start_time']).execute();

      await db.schema
        .createTable('mlflow_run_params')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('mlflow_run_params_pk', ['run_id', 'key'])
        .execute();
      await db.schema
        .createTable('mlflow_run_tags')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('mlflow_run_tags_pk', ['run_id', 'key'])
        .execute();
      // Every logged point is kept (metric history); runs/get shows the latest per key.
      await db.schema
        .createTable('mlflow_run_metrics')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('mlflow_run_metrics_run').on('mlflow_run_metrics').columns(['run_id', 'key']).execute();

      // The artifact proxy's manifest: a path under the artifacts root -> bytes in the blob store.
      await db.schema
        .createTable('mlflow_artifacts')
        .addColumn('path', 'text', (c) => c.primaryKey())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      // Per-version MLflow fields Stagecraft has no column for; keyed by the version's id.
      await db.schema
        .createTable('mlflow_version_meta')
        .addColumn('version_id', 'text', (c) => c.primaryKey())
        .addColumn('storage_location', 'text')
        .addColumn('run_link', 'text')
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      for (const t of ['mlflow_version_meta', 'mlflow_artifacts', 'mlflow_run_metrics', 'mlflow_run_tags', 'mlflow_run_params', 'mlflow_runs', 'mlflow_experiments']) {
        await db.schema.dropTable(t).execute();
      }
    },
  };
}
