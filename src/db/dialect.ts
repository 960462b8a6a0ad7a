// The few real differences between SQLite and PostgreSQL, as named capabilities.
import { PostgresAdapter, sql, type AliasedRawBuilder, type ColumnDefinitionBuilder, type RawBuilder } from 'kysely';
import type { Db } from './tables.js';

export type DialectName = 'sqlite' | 'postgres';

export interface DialectCaps {
  name: DialectName;
  /** A monotonically increasing integer primary key. */
  serialType: 'integer' | 'bigserial';
  serialColumn(col: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /**
   * Serialises event appends until commit, so event ids become visible in id order and a follower
   * reading "after id N" can never miss an event that commits late. SQLite has one writer anyway
   * (null). On PostgreSQL a transaction-scoped lock as a one-row subquery: the first event insert
   * of a transaction selects its row from it, so the lock is taken before the insert draws its id,
   * in the same statement, and holds to the commit.
   */
  eventLogLock: RawBuilder<unknown> | null;
  /**
   * A column for the event insert's RETURNING that wakes followers on other servers with the new
   * event's id (PostgreSQL NOTIFY, delivered at commit): in the insert, not a statement of its own
   * (a round trip per event). null where there are no other servers to wake (SQLite).
   */
  notifyReturning: AliasedRawBuilder<unknown, 'notified'> | null;
  isUniqueViolation(err: unknown): boolean;
  /** Case-insensitive LIKE operator. */
  ilike: 'like' | 'ilike';
}

export const EVENTS_CHANNEL = 'stagecraft_events';

export const sqliteCaps: DialectCaps = {
  name: 'sqlite',
  serialType: 'integer',
  serialColumn: (col) => col.primaryKey().autoIncrement(),
  eventLogLock: null,
  notifyReturning: null,
  isUniqueViolation: (err) =>
    typeof err === 'object' && err !== null && String((err as { code?: string }).code).startsWith('SQLITE_CONSTRAINT'),
  ilike: 'like',
};

export const postgresCaps: DialectCaps = {
  name: 'postgres',
  serialType: 'bigserial',
  serialColumn: (col) => col.primaryKey(),
  eventLogLock: sql`(select pg_advisory_xact_lock(7340001))`,
  // `id` is the inserted row's; the payload is its id, so a follower already past it skips the read.
  notifyReturning: sql`pg_notify(${sql.lit(EVENTS_CHANNEL)}, id::text)`.as('notified'),
  isUniqueViolation: (err) => typeof err === 'object' && err !== null && (err as { code?: string }).code === '23505',
  ilike: 'ilike',
};


/**
 * The dialect a handle (or transaction) talks to, for a query built once per dialect
 * (db/prepared-query.ts) where no DialectCaps is at hand.
 */
export function dialectOf(db: Db): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}
