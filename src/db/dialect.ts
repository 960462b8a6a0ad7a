// The few real differences between SQLite and PostgreSQL, as named capabilities.
import { sql, type ColumnDefinitionBuilder } from 'kysely';
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
   */
  lockEventLog(trx: Db): Promise<void>;
  /** Wakes followers on other servers (PostgreSQL NOTIFY is delivered at commit). */
  notifyEvents(trx: Db, lastId: number): Promise<void>;
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
  notifyEvents: async () => {},
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
  notifyEvents: async (trx, lastId) => {
    await sql`select pg_notify(${EVENTS_CHANNEL}, ${String(lastId)})`.execute(trx);
  },
  isUniqueViolation: (err) => typeof err === 'object' && err !== null && (err as { code?: string }).code === '23505',
  ilike: 'ilike',
};

