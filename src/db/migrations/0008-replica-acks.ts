// Frozen: never edit after it lands; add a new migration instead.
// Honest convergence: a replica's heartbeat carries its change-feed position (the last event it
// applied), so status counts it converged only once it has read the move; and the last time its
// token was rejected, which it reports at its next successful contact.
import type { Kysely, Migration } from 'kysely';
import type { DialectCaps } from '../dialect.js';

export function replicaAcksMigration(_caps: DialectCaps): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('gateway_replicas').addColumn('feed_position', 'bigint').execute();
      await db.schema.alterTable('gateway_replicas').addColumn('last_rejection', 'text').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('gateway_replicas').dropColumn('last_rejection').execute();
      await db.schema.alterTable('gateway_replicas').dropColumn('feed_position').execute();
    },
  };
}
