// The only SQL for the events table, and its row type.
import { sql, type ColumnType, type Generated, type Insertable, type RawBuilder } from 'kysely';
import type { DialectCaps } from '../../db/dialect.js';
import type { Db } from '../../db/tables.js';

export interface EventsTable {
  id: Generated<number>;
  time: number;
  actor: string;
  model: string | null;
  model_id: string | null;
  version: number | null;
  type: string;
  target: string | null;
  from_value: string | null;
  to_value: string | null;
  reason: string | null;
  details: string;
  /** The origin key of an imported event (migration 0016): its actor and time are the original ones. Null when it happened here. */
  imported_from: ColumnType<string | null, string | null | undefined, string | null>;
}

declare module '../../db/tables.js' {
  interface Database {
    events: EventsTable;
  }
}

/**
 * Appends events inside one transaction (`db`): each call inserts one and answers its id. On
 * PostgreSQL the first append of a transaction takes the log lock in its insert (see
 * DialectCaps.eventLogLock), which holds to the commit, and every insert carries its NOTIFY in its
 * RETURNING: one statement per event.
 */
export function eventAppender(db: Db, caps: DialectCaps): (row: Insertable<EventsTable>) => Promise<number> {
  // The lock still to take: only the transaction's first insert takes it.
  let lock = caps.eventLogLock;
  return async (row) => {
    if (lock) {
      const id = await lockedInsert(db, lock, row, caps.notifyReturning ? sql`id, ${caps.notifyReturning}` : sql`id`);
      lock = null;
      return id;
    }
    const insert = db.insertInto('events').values(row);
    const inserted = await (caps.notifyReturning ? insert.returning(['id', caps.notifyReturning]) : insert.returning('id')).executeTakeFirstOrThrow();
    return Number(inserted.id);
  };
}

/** PostgreSQL types of the events columns that are not text: a value selected into an insert needs its cast. */
const NOT_TEXT: Partial<Record<keyof EventsTable, string>> = { id: 'int8', time: 'int8', version: 'int4' };

// The columns in a fixed order (the SQL text is the statement cache's key).
const keysOf = (row: Insertable<EventsTable>) => (Object.keys(row) as Array<keyof EventsTable>).filter((k) => row[k] !== undefined).sort();

/**
 * `insert … select … from (the lock)`: the lock's subquery yields the one row the insert's id is
 * drawn for, so PostgreSQL runs the lock first (the plan's child) — one statement, not two.
 */
async function lockedInsert(db: Db, lock: RawBuilder<unknown>, row: Insertable<EventsTable>, returning: RawBuilder<unknown>): Promise<number> {
  const keys = keysOf(row);
  const selected = keys.map((k) => sql`cast(${row[k]} as ${sql.raw(NOT_TEXT[k] ?? 'text')})`);
  const columns = sql.join(keys.map((k) => sql.ref(k)));
  const { rows } = await sql<{ id: number }>`insert into events (${columns}) select ${sql.join(selected)} from ${lock} as event_log_lock returning ${returning}`.execute(db);
  return Number(rows[0].id);
}

export interface EventQuery {
  modelId?: string;
  types?: string[];
  sinceMs?: number;
  untilMs?: number;
  afterId?: number;
  beforeId?: number;
  targets?: string[];
  /** At most this many; all of them when absent. */
  limit?: number;
  /** Newest first (UI, CLI) or oldest first (followers, replay). */
  order: 'asc' | 'desc';
}

export async function queryEvents(db: Db, q: EventQuery) {
  let query = db.selectFrom('events').selectAll();
  if (q.modelId) query = query.where('model_id', '=', q.modelId);
  if (q.types?.length) query = query.where('type', 'in', q.types);
  if (q.targets?.length) query = query.where('target', 'in', q.targets);
  if (q.sinceMs !== undefined) query = query.where('time', '>=', q.sinceMs);
  if (q.untilMs !== undefined) query = query.where('time', '<=', q.untilMs);
  if (q.afterId !== undefined) query = query.where('id', '>', q.afterId);
  if (q.beforeId !== undefined) query = query.where('id', '<', q.beforeId);
  query = query.orderBy('id', q.order);
  return (q.limit === undefined ? query : query.limit(q.limit)).execute();
}

/** The id of the newest event (0 when there is none): where a snapshot or a feed starts. */
export async function lastEventId(db: Db): Promise<number> {
  const row = await db.selectFrom('events').select((eb) => eb.fn.max('id').as('max')).executeTakeFirst();
  return Number(row?.max ?? 0);
}
