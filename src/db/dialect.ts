// The few real differences between SQLite and PostgreSQL, as named capabilities.
import { sql, type AliasedRawBuilder, type ColumnDefinitionBuilder } from 'kysely';
import type { Db } from './tables.js';

export type DialectName = 'sqlite' | 'postgres';

export interface DialectCaps {
  name: DialectName;
  /** A monotonically increasing integer primary key. */
  serialType: 'integer' | 'bigserial';
  serialColumn(col: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
  /**
   * Serialises event appends until commit, so event ids become visible in id order and a follower
   * reading "after id N" can never miss an event that commits late. SQLite has one writer anyway.
   * Transaction-scoped: taken once, at a transaction's first append, it holds to the commit.
   */
  lockEventLog(trx: Db): Promise<void>;
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
  lockEventLog: async () => {},
  notifyReturning: null,
  isUniqueViolation: (err) =>
    typeof err === 'object' && err !== null && String((err as { code?: string }).code).startsWith('SQLITE_CONSTRAINT'),
  ilike: 'like',
};

export const postgresCaps: DialectCaps = {
  name: 'postgres',
  serialType: 'bigserial',
  serialColumn: (col) => col.primaryKey(),
  lockEventLog: async (trx) => {
    await sql`select pg_advisory_xact_lock(7340001)`.execute(trx);
  },
  // `id` is the inserted row's; the payload is its id, so a follower already past it skips the read.
  notifyReturning: sql`pg_notify(${sql.lit(EVENTS_CHANNEL)}, id::text)`.as('notified'),
  isUniqueViolation: (err) => typeof err === 'object' && err !== null && (err as { code?: string }).code === '23505',
  ilike: 'ilike',
};

