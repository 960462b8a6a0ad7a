// Frozen: never edit after it lands; add a new migration instead.
// Where imported rows came from (`stagecraft import`, `stagecraft gto import`): the origin key of
// the model, version or event on the registry that exported it. Null for rows made here. Importing
// the same archive again finds every key already present and changes nothing; an event keeps its
// original actor and time, and this column is what marks it as imported rather than lived here.
import type { Kysely, Migration } from 'kysely';
import type { DialectCaps } from '../dialect.js';

export function importsMigration(_caps: DialectCaps): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema.alterTable('models').addColumn('imported_from', 'text').execute();
      await db.schema.alterTable('versions').addColumn('imported_from', 'text').execute();
      await db.schema.alterTable('events').addColumn('imported_from', 'text').execute();
      await db.schema.createIndex('events_model_imported').on('events').columns(['model_id', 'imported_from']).execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropIndex('events_model_imported').execute();
      await db.schema.alterTable('events').dropColumn('imported_from').execute();
      await db.schema.alterTable('versions').dropColumn('imported_from').execute();
      await db.schema.alterTable('models').dropColumn('imported_from').execute();
    },
  };
}
