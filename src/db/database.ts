// Opens the registry database: embedded SQLite by default, PostgreSQL for a postgres:// URL.
// Migrations run at start; Kysely's migrator holds a lock (an advisory lock on PostgreSQL) so
// several servers starting together migrate once.
import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { postgresCaps, sqliteCaps, type DialectCaps } from './dialect.js';
import { migrationProvider } from './migrations/index.js';
import type { Database } from './tables.js';

export interface OpenedDb {
  db: Kysely<Database>;
  caps: DialectCaps;
  /** Present on PostgreSQL: the pool, for LISTEN connections. */
  pgPool?: pg.Pool;
  close(): Promise<void>;
}

export function isPostgresUrl(url: string | null | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//.test(url);
}

// pg returns int8 as strings to protect precision; our int8 values (ms timestamps, ids, sizes)
// fit comfortably in a double.
const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export async function openDatabase(opts: { databaseUrl: string | null; sqliteFile: string }): Promise<OpenedDb> {
  const opened = openUnmigrated(opts);
  await migrate(opened);
  return opened;
}

/** Opens without migrating: restore migrates an empty database to the backup's schema, not the latest. */
export function openUnmigrated(opts: { databaseUrl: string | null; sqliteFile: string }): OpenedDb {
  return isPostgresUrl(opts.databaseUrl) ? openPostgres(opts.databaseUrl) : openSqlite(opts.sqliteFile);
}

function openSqlite(file: string): OpenedDb {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  return { db, caps: sqliteCaps, close: () => db.destroy() };
}

function openPostgres(url: string): OpenedDb {
  const pool = new pg.Pool({ connectionString: url, max: 10, types: pgTypes });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, caps: postgresCaps, pgPool: pool, close: () => db.destroy() };
}

/** Runs the migrations up to `to` (a migration name), or all of them. */
export async function migrate(opened: OpenedDb, to?: string): Promise<void> {
  // Feature migrations are independent of each other; a data directory that ran a later-numbered
  // one first (a feature landed out of order) must still start, so unordered is allowed.
  const migrator = new Migrator({ db: opened.db, provider: migrationProvider(opened.caps), allowUnorderedMigrations: true });
  const { error } = to ? await migrator.migrateTo(to) : await migrator.migrateToLatest();
  if (error) throw error;
}
