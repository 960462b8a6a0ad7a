// Frozen: never edit after it lands; add a new migration instead.
// A model can be protected: while it serves (a version in Production or Staging, or an alias),
// deleting or renaming it (or deleting a serving version) is refused through every door.
import type { Kysely, Migration } from 'kysely';
import type { DialectCaps } from '../dialect.js';

export function protectedModelsMigration(_caps: DialectCaps): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .alterTable('models')
        .addColumn('protected', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('models').dropColumn('protected').execute();
    },
  };
}
