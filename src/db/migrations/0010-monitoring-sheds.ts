// Frozen: never edit after it lands; add a new migration instead.
// Overload made visible: each segment of retained predictions counts the requests its version's
// gateway answered 503 without running them (load-shed or queue timeout), beside its requests,
// so the guard's shed_rate reads whole segments from their metadata as error_rate does. 0 for what
// was kept before (no shed was recorded then).
import type { Kysely } from 'kysely';

export function monitoringShedsMigration() {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('mon_segments').addColumn('sheds', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('mon_segments').dropColumn('sheds').execute();
    },
  };
}
