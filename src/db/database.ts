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
import { cachingSqlite, namingPgPool, StatementCache, type PgNames, type StatementCacheStats } from './statement-cache.js';
import type { Database } from './tables.js';

export interface OpenedDb {
  db: Kysely<Database>;
  caps: DialectCaps;
  /** Present on PostgreSQL: the pool, for LISTEN connections. */
  pgPool?: pg.Pool;
  close(): Promise<void>;
  /** Prepared-statement reuse (issue 18.4): on once migrated, off while a migration runs. */
  statements: StatementSwitch;
}

export interface StatementSwitch {
  enable(): void;
  disable(): void;
  stats(): StatementCacheStats;
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
  opened.statements.enable();
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
  const statements = new StatementCache<SqliteDatabase.Statement>();
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingSqlite(sqlite, statements) }) });
  return { db, caps: sqliteCaps, statements, close: () => db.destroy() };
}

function openPostgres(url: string): OpenedDb {
  const pool = new pg.Pool({ connectionString: url, max: 10, types: pgTypes });
  const statements: PgNames = new StatementCache<string>();
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: namingPgPool(pool, statements) }) });
  return { db, caps: postgresCaps, pgPool: pool, statements, close: () => db.destroy() };
}

/** Runs the migrations up to `to` (a migration name), or all of them. */
export async function migrate(opened: OpenedDb, to?: string): Promise<void> {
  // Feature migrations are independent of each other; a data directory that ran a later-numbered
  // one first (a feature landed out of order) must still start, so unordered is allowed.
  // A migration may alter what a cached statement refers to; the caller turns the cache back on.
  opened.statements.disable();
  const migrator = new Migrator({ db: opened.db, provider: migrationProvider(opened.caps), allowUnorderedMigrations: true });
  const { error } = to ? await migrator.migrateTo(to) : await migrator.migrateToLatest();
  if (error) throw error;
}
