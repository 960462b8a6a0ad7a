// Opens the registry database: embedded SQLite by default, PostgreSQL for a postgres:// URL.
// Migrations run at start; Kysely's migrator holds a lock (an advisory lock on PostgreSQL) so
// several servers starting together migrate once.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, sql, SqliteDialect } from 'kysely';
import type pg from 'pg';
import { postgresCaps, sqliteCaps, type DialectCaps } from './dialect.js';
import { MIGRATIONS, migrationProvider } from './migrations/index.js';
import { startCheckpointer } from './sqlite-checkpointer.js';
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

// node-postgres is loaded only for a postgres:// URL (issue 18.5: ~50 ms of a SQLite server's start);
// required synchronously (it is CommonJS) so opening stays synchronous.
const requirePg = (): typeof pg => createRequire(import.meta.url)('pg') as typeof pg;

// pg returns int8 as strings to protect precision; our int8 values (ms timestamps, ids, sizes)
// fit comfortably in a double.
// One parser for every int8 column: node-postgres asks for the parsers of every column of every result.
const parseInt8 = (v: string) => Number(v);
const pgTypes = (driver: typeof pg) => ({
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === 20) return parseInt8;
    return driver.types.getTypeParser(oid, format as 'text');
  },
});

export async function openDatabase(opts: { databaseUrl: string | null; sqliteFile: string }): Promise<OpenedDb> {
  const opened = openUnmigrated(opts);
  if (!(await migrated(opened))) await migrate(opened);
  opened.statements.enable();
  return opened;
}

/**
 * True when the database already ran exactly the migrations this build knows: one query, where
 * Kysely's migrator would create its tables if missing, take its lock and read the list (a start on
 * an up-to-date database is the common case). Anything else — no table yet (a new database),
 * a missing migration, or one this build does not know — goes through the migrator, which migrates
 * or reports it as before.
 */
async function migrated(opened: OpenedDb): Promise<boolean> {
  try {
    const { rows } = await sql<{ name: string }>`select name from kysely_migration`.execute(opened.db);
    const done = new Set(rows.map((r) => r.name));
    return done.size === MIGRATIONS.length && MIGRATIONS.every(([name]) => done.has(name));
  } catch {
    return false;
  }
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
  // WAL checkpoints (the only fsyncs) in a worker thread, not inside a request's commit.
  const checkpointer = file === ':memory:' ? null : startCheckpointer(sqlite, file);
  const close = async () => {
    await checkpointer?.stop();
    await db.destroy();
  };
  return { db, caps: sqliteCaps, statements, close };
}

function openPostgres(url: string): OpenedDb {
  const driver = requirePg();
  const pool = new driver.Pool({ connectionString: url, max: 10, types: pgTypes(driver) });
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
