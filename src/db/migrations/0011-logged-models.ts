// Frozen: never edit after it lands; add a new migration instead.
// MLflow 3's logged models: a model logged from a run (or on its own) with its params, tags and
// metrics (its files are the artifact proxy's, under its location), the runs that read or wrote it,
// and which registered versions were made from it.
import type { Kysely, Migration } from 'kysely';
import type { DialectCaps } from '../dialect.js';

const TABLES = [
  'mlflow_version_logged_models',
  'mlflow_run_models',
  'mlflow_logged_model_metrics',
  'mlflow_logged_model_tags',
  'mlflow_logged_model_params',
  'mlflow_logged_models',
];

export function loggedModelsMigration(_caps: DialectCaps): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('mlflow_logged_models')
        .addColumn('model_id', 'text', (c) => c.primaryKey())
        .addColumn('experiment_id', 'bigint', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('artifact_location', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_message', 'text')
        .addColumn('model_type', 'text')
        .addColumn('source_run_id', 'text')
        .addColumn('lifecycle_stage', 'text', (c) => c.notNull())
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .addColumn('last_update_time', 'bigint', (c) => c.notNull())
        // The digest of its files' manifest when it was finalized READY (null before).
        .addColumn('digest', 'text')
        .execute();
      await db.schema.createIndex('mlflow_logged_models_experiment').on('mlflow_logged_models').columns(['experiment_id', 'creation_time']).execute();
      await db.schema.createIndex('mlflow_logged_models_run').on('mlflow_logged_models').columns(['source_run_id', 'name']).execute();

      for (const t of ['mlflow_logged_model_params', 'mlflow_logged_model_tags']) {
        await db.schema
          .createTable(t)
          .addColumn('model_id', 'text', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('value', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${t}_pk`, ['model_id', 'key'])
          .execute();
      }

      // Every point logged with this model_id (runs/log-metric, log-batch), with the run and dataset.
      await db.schema
        .createTable('mlflow_logged_model_metrics')
        .addColumn('model_id', 'text', (c) => c.notNull())
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addColumn('dataset_name', 'text')
        .addColumn('dataset_digest', 'text')
        .execute();
      await db.schema.createIndex('mlflow_logged_model_metrics_model').on('mlflow_logged_model_metrics').columns(['model_id', 'key']).execute();

      // runs/log-inputs (direction 'input') and runs/outputs ('output', with a step).
      await db.schema
        .createTable('mlflow_run_models')
        .addColumn('run_id', 'text', (c) => c.notNull())
        .addColumn('model_id', 'text', (c) => c.notNull())
        .addColumn('direction', 'text', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('mlflow_run_models_pk', ['run_id', 'direction', 'model_id', 'step'])
        .execute();

      // A registered version made from a logged model (the registry's version id -> model_id).
      await db.schema
        .createTable('mlflow_version_logged_models')
        .addColumn('version_id', 'text', (c) => c.primaryKey())
        .addColumn('model_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('mlflow_version_logged_models_model').on('mlflow_version_logged_models').columns(['model_id', 'created_at']).execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      for (const t of TABLES) await db.schema.dropTable(t).execute();
    },
  };
}
