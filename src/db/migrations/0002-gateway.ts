// Frozen: never edit after it lands; add a new migration instead.
// Serving bindings (which target a model is served from) and gateway replica heartbeats. Heartbeats
// live in the database so every registry server behind a load balancer answers the same status.
import type { Kysely, Migration } from 'kysely';
import type { DialectCaps } from '../dialect.js';

export function gatewayMigration(_caps: DialectCaps): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('bindings')
        .addColumn('model_id', 'text', (c) => c.primaryKey().references('models.id'))
        .addColumn('binding', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('gateway_replicas')
        .addColumn('replica_id', 'text', (c) => c.notNull())
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('url', 'text')
        .addColumn('binding', 'text', (c) => c.notNull())
        .addColumn('version', 'integer')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('last_heartbeat', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('gateway_replicas_pk', ['replica_id', 'model'])
        .execute();
      await db.schema.createIndex('gateway_replicas_model').on('gateway_replicas').column('model').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('gateway_replicas').execute();
      await db.schema.dropTable('bindings').execute();
    },
  };
}
