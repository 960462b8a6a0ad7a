// The only SQL for the events table, and its row type.
import type { ColumnType, Generated, Insertable } from 'kysely';
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
 * PostgreSQL the log lock is taken at the first append and held to the commit (see
 * DialectCaps.lockEventLog), so a transaction appending several events locks once, and the NOTIFY
 * rides in the insert's RETURNING: one statement per event after the first's lock.
 */
export function eventAppender(db: Db, caps: DialectCaps): (row: Insertable<EventsTable>) => Promise<number> {
  let locked = false;
  return async (row) => {
    if (!locked) {
      await caps.lockEventLog(db);
      locked = true;
    }
    const insert = db.insertInto('events').values(row);
    const inserted = await (caps.notifyReturning ? insert.returning(['id', caps.notifyReturning]) : insert.returning('id')).executeTakeFirstOrThrow();
    return Number(inserted.id);
  };
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
