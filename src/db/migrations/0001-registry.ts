// Frozen: never edit after it lands; add a new migration instead.
import { sql, type Kysely } from 'kysely';
import type { DialectCaps } from '../dialect.js';

export function registryMigration(caps: DialectCaps) {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('models')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('last_version', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('deleted_at', 'bigint')
        .execute();
      // A deleted model frees its name; its rows stay for history.
      await db.schema
        .createIndex('models_live_name')
        .on('models')
        .column('name')
        .unique()
        .where(sql.ref('deleted_at'), 'is', null)
        .execute();

      await db.schema
        .createTable('versions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('model_id', 'text', (c) => c.notNull().references('models.id'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('label', 'text')
        .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('source', 'text')
        .addColumn('run_id', 'text')
        .addColumn('params', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('metrics', 'text', (c) => c.notNull().defaultTo('{}'))
        .addColumn('dataset_digest', 'text')
        .addColumn('code_ref', 'text')
        .addColumn('signature', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_message', 'text')
        .addColumn('stage', 'text', (c) => c.notNull().defaultTo('None'))
        .addColumn('health', 'text', (c) => c.notNull().defaultTo('unknown'))
        .addColumn('health_reason', 'text')
        .addColumn('digest', 'text')
        .addColumn('size_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('runtime', 'text')
        .addColumn('endpoint_url', 'text')
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('deleted_at', 'bigint')
        .addUniqueConstraint('versions_model_version', ['model_id', 'version'])
        .execute();
      // Labels stay reserved after a delete, like version numbers.
      await db.schema
        .createIndex('versions_model_label')
        .on('versions')
        .columns(['model_id', 'label'])
        .unique()
        .where(sql.ref('label'), 'is not', null)
        .execute();
      await db.schema.createIndex('versions_model_stage').on('versions').columns(['model_id', 'stage', 'version']).execute();
      await db.schema.createIndex('versions_stage').on('versions').columns(['stage', 'model_id']).execute();
      await db.schema.createIndex('versions_run').on('versions').column('run_id').execute();

      await db.schema
        .createTable('version_files')
        .addColumn('version_id', 'text', (c) => c.notNull().references('versions.id'))
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('version_files_pk', ['version_id', 'path'])
        .execute();
      await db.schema.createIndex('version_files_sha').on('version_files').column('sha256').execute();

      await db.schema
        .createTable('model_tags')
        .addColumn('model_id', 'text', (c) => c.notNull().references('models.id'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('model_tags_pk', ['model_id', 'key'])
        .execute();
      await db.schema
        .createTable('version_tags')
        .addColumn('version_id', 'text', (c) => c.notNull().references('versions.id'))
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('version_tags_pk', ['version_id', 'key'])
        .execute();
      await db.schema.createIndex('version_tags_kv').on('version_tags').columns(['key', 'value']).execute();

      await db.schema
        .createTable('aliases')
        .addColumn('model_id', 'text', (c) => c.notNull().references('models.id'))
        .addColumn('alias', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('aliases_pk', ['model_id', 'alias'])
        .execute();

      await db.schema
        .createTable('targets')
        .addColumn('model_id', 'text', (c) => c.notNull().references('models.id'))
        .addColumn('target', 'text', (c) => c.notNull())
        .addColumn('revision', 'integer', (c) => c.notNull().defaultTo(0))
        .addPrimaryKeyConstraint('targets_pk', ['model_id', 'target'])
        .execute();

      await db.schema
        .createTable('events')
        .addColumn('id', caps.serialType, (c) => caps.serialColumn(c))
        .addColumn('time', 'bigint', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('model', 'text')
        .addColumn('model_id', 'text')
        .addColumn('version', 'integer')
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('from_value', 'text')
        .addColumn('to_value', 'text')
        .addColumn('reason', 'text')
        .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}'))
        .execute();
      await db.schema.createIndex('events_model').on('events').columns(['model_id', 'id']).execute();
      await db.schema.createIndex('events_type').on('events').columns(['type', 'id']).execute();
      await db.schema.createIndex('events_time').on('events').column('time').execute();

      await db.schema
        .createTable('tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('revoked_at', 'bigint')
        .execute();
    },
  };
}
