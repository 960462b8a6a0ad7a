// Frozen: never edit after it lands; add a new migration instead.
// A deleted version keeps its files (and so its bytes) until an admin purges it. A purge removes
// the version's file rows so garbage collection can free the bytes, and records here who purged it
// and what it weighed; the version row itself stays, deleted, with its digest, in history.
// Garbage collection asks the MLflow artifact manifest which blobs it names, by digest: an index.
import type { Kysely, Migration } from 'kysely';
import type { DialectCaps } from '../dialect.js';

export function versionPurgesMigration(_caps: DialectCaps): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('version_purges')
        .addColumn('version_id', 'text', (c) => c.primaryKey().references('versions.id'))
        .addColumn('purged_at', 'bigint', (c) => c.notNull())
        .addColumn('purged_by', 'text', (c) => c.notNull())
        .addColumn('files', 'integer', (c) => c.notNull())
        .addColumn('bytes', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('mlflow_artifacts_sha').on('mlflow_artifacts').column('sha256').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('mlflow_artifacts_sha').execute();
      await db.schema.dropTable('version_purges').execute();
    },
  };
}
