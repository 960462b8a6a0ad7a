// Frozen: never edit after it lands; add a new migration instead.
// Where monitoring data came from, so the guard can say whose data it judged: the gateway replica
// that served each segment of retained predictions, the token that sent each label, and the token
// that set each reference profile. Null for what was kept before (unknown).
import type { Kysely } from 'kysely';

export function monitoringSourcesMigration() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('mon_segments').addColumn('source', 'text').execute();
      await db.schema.alterTable('mon_labels').addColumn('source', 'text').execute();
      await db.schema.alterTable('mon_references').addColumn('created_by', 'text').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('mon_references').dropColumn('created_by').execute();
      await db.schema.alterTable('mon_labels').dropColumn('source').execute();
      await db.schema.alterTable('mon_segments').dropColumn('source').execute();
    },
  };
}
