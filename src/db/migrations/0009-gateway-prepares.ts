// Frozen: never edit after it lands; add a new migration instead.
// Prepare, commit, confirm: each replica's answer to "load and warm this destination" for a move
// of a served target, so whichever registry server runs the move sees every replica's answer.
import type { Kysely, Migration } from 'kysely';
import type { DialectCaps } from '../dialect.js';

export function gatewayPreparesMigration(_caps: DialectCaps): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('gateway_prepares')
        .addColumn('prepare_id', 'text', (c) => c.notNull())
        .addColumn('replica_id', 'text', (c) => c.notNull())
        .addColumn('ready', 'integer', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('ms', 'double precision')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('gateway_prepares_pk', ['prepare_id', 'replica_id'])
        .execute();
      await db.schema.createIndex('gateway_prepares_at').on('gateway_prepares').column('at').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('gateway_prepares').execute();
    },
  };
}
