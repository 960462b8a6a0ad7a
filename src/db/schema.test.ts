// Migrations are frozen: migrating an empty database must always give the same schema. The schema
// each database gets is committed (src/db/schema/<kind>.json); a change to it shows up in review as a
// diff of that file, made by a new migration (`npx vitest run src/db/schema.test.ts -u` rewrites it).
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Database } from './tables.js';
import { describe, expect, it } from 'vitest';
import { DATABASES, freshPostgresUrl, tempDir, type DbKind } from '../../test/databases.js';
import { openDatabase } from './database.js';

interface IndexRow {
  name: string;
  table: string;
  definition: string;
}

async function indexes(db: Kysely<Database>, kind: DbKind): Promise<IndexRow[]> {
  if (kind === 'sqlite') {
    const r = await sql<IndexRow>`select name, tbl_name as "table", sql as definition from sqlite_master where type = 'index' and sql is not null order by name`.execute(db);
    return r.rows;
  }
  const r = await sql<IndexRow>`select indexname as name, tablename as "table", indexdef as definition from pg_indexes where schemaname = 'public' order by indexname`.execute(db);
  return r.rows;
}

async function schemaOf(db: Kysely<Database>, kind: DbKind) {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: false });
  return {
    tables: tables
      .map((t) => ({
        name: t.name,
        // One line a column, so a schema change reads as a one-line diff.
        columns: t.columns.map((c) => [c.name, c.dataType, c.isNullable ? 'null' : 'not null', c.hasDefaultValue ? 'default' : '', c.isAutoIncrementing ? 'autoincrement' : ''].filter(Boolean).join(' ')),
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    indexes: await indexes(db, kind),
  };
}

describe.each(DATABASES)('migrations on %s', (kind) => {
  it('turn an empty database into exactly the committed schema', async () => {
    const opened = await openDatabase({ databaseUrl: kind === 'postgres' ? await freshPostgresUrl() : null, sqliteFile: path.join(tempDir(), 'registry.sqlite') });
    try {
      const schema = await schemaOf(opened.db, kind);
      expect(schema.tables.length).toBeGreaterThan(20);
      await expect(`${JSON.stringify(schema, null, 2)}\n`).toMatchFileSnapshot(`./schema/${kind}.json`);
    } finally {
      await opened.close();
    }
  });
});
