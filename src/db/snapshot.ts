// A consistent read of the whole registry database while the server keeps writing: on PostgreSQL one
// REPEATABLE READ READ ONLY transaction on a connection of its own; on SQLite a read transaction on a
// second, read-only connection to the WAL database (the server's own connection is never held, so its
// writers carry on, and the snapshot sees none of their commits). Rows stream in batches.
import SqliteDatabase from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import type { DialectName } from './dialect.js';
import type { Database } from './tables.js';
import { quoteId, type RunSql } from './table-catalog.js';

export interface Snapshot {
  dialect: DialectName;
  /** Runs a read inside the snapshot. */
  run: RunSql;
  /** A table's rows as arrays in `columns` order, a batch at a time. */
  rows(table: string, columns: readonly string[], batch?: number): AsyncIterable<unknown[][]>;
  /** Ends the snapshot (nothing was written). */
  close(): Promise<void>;
}

export interface SnapshotSource {
  db: Kysely<Database>;
  dialect: DialectName;
  pgPool?: pg.Pool;
}

const BATCH = 1000;

export async function openSnapshot(src: SnapshotSource): Promise<Snapshot> {
  if (src.dialect === 'postgres') {
    if (!src.pgPool) throw new Error('a PostgreSQL snapshot needs the pool');
    return postgresSnapshot(await src.pgPool.connect());
  }
  const main = await sql<{ file: string }>`select file from pragma_database_list where name = 'main'`.execute(src.db);
  const file = main.rows[0]?.file;
  if (!file) throw new Error('an in-memory SQLite database cannot be snapshotted from a second connection');
  return sqliteSnapshot(file);
}

async function postgresSnapshot(client: pg.PoolClient): Promise<Snapshot> {
  let cursors = 0;
  try {
    await client.query('begin isolation level repeatable read read only');
    // The snapshot is taken at the first query, not at begin: take it now.
    await client.query('select 1');
  } catch (err) {
    client.release(err as Error);
    throw err;
  }
  return {
    dialect: 'postgres',
    run: async (text) => (await client.query<Record<string, unknown>>(text)).rows,
    async *rows(table, columns, batch = BATCH) {
      // A cursor streams the table in constant memory; rowMode array keeps the column order.
      const cursor = `backup_cursor_${++cursors}`;
      await client.query(`declare ${cursor} no scroll cursor for select ${columns.map(quoteId).join(', ')} from ${quoteId(table)}`);
      try {
        for (;;) {
          const r = await client.query<unknown[]>({ text: `fetch ${batch} from ${cursor}`, rowMode: 'array' });
          if (r.rows.length === 0) break;
          yield r.rows;
        }
      } finally {
        await client.query(`close ${cursor}`);
      }
    },
    async close() {
      try {
        await client.query('rollback');
        client.release();
      } catch (err) {
        client.release(err as Error);
      }
    },
  };
}

function sqliteSnapshot(file: string): Snapshot {
  const conn = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
  try {
    conn.pragma('busy_timeout = 5000');
    conn.exec('begin');
    // A deferred read transaction takes its WAL snapshot at its first read.
    conn.prepare('select count(*) from sqlite_master').get();
  } catch (err) {
    conn.close();
    throw err;
  }
  return {
    dialect: 'sqlite',
    run: async (text) => conn.prepare(text).all() as Array<Record<string, unknown>>,
    async *rows(table, columns, batch = BATCH) {
      const stmt = conn.prepare(`select ${columns.map(quoteId).join(', ')} from ${quoteId(table)}`).raw(true);
      let rows: unknown[][] = [];
      for (const row of stmt.iterate() as IterableIterator<unknown[]>) {
        rows.push(row);
        if (rows.length >= batch) {
          yield rows;
          rows = [];
        }
      }
      if (rows.length) yield rows;
    },
    async close() {
      if (conn.inTransaction) conn.exec('rollback');
      conn.close();
    },
  };
}
