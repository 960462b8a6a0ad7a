// Frozen: never edit after it lands; add a new migration instead.
// Per-model grants: a principal (user, group or token, by name) gets a role (or an explicit deny)
// on a model name, a glob of names, or '*'. Resolution happens in memory from the whole set
// (registry/grants/), so the table needs no index beyond its key; (type, name, scope) is unique:
// one grant per principal and scope, changed by removing and adding.
import type { Kysely, Migration } from 'kysely';
import type { DialectCaps } from '../dialect.js';

export function grantsMigration(caps: DialectCaps): Migration {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('grants')
        .addColumn('id', caps.serialType, (c) => caps.serialColumn(c))
        .addColumn('principal_type', 'text', (c) => c.notNull())
        .addColumn('principal_name', 'text', (c) => c.notNull())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addUniqueConstraint('grants_principal_scope', ['principal_type', 'principal_name', 'scope'])
        .execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      await db.schema.dropTable('grants').execute();
    },
  };
}
