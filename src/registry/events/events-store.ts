// The only SQL for the events table, and its row type.
import { CompiledQuery, sql, type ColumnType, type Generated, type Insertable } from 'kysely';
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

/** Appends events inside one transaction: one, or several in one statement (their ids in order). */
export interface EventAppender {
  (row: Insertable<EventsTable>): Promise<number>;
  all(rows: Array<Insertable<EventsTable>>): Promise<number[]>;
}

// Every column an append writes, in a fixed order: the SQL text is the same for every call, so it
// is built once and prepared once (statement cache below Kysely), with no query builder per event.
const COLUMNS = ['time', 'actor', 'model', 'model_id', 'version', 'type', 'target', 'from_value', 'to_value', 'reason', 'details', 'imported_from'] as const;
/** PostgreSQL array types of the columns, for unnest. */
const PG_TYPES: Record<(typeof COLUMNS)[number], string> = { time: 'int8', version: 'int4', actor: 'text', model: 'text', model_id: 'text', type: 'text', target: 'text', from_value: 'text', to_value: 'text', reason: 'text', details: 'text', imported_from: 'text' };
const valuesOf = (row: Insertable<EventsTable>): unknown[] => COLUMNS.map((c) => (c === 'details' ? (row.details ?? '{}') : (row[c] ?? null)));

/** The statements' texts per dialect caps (the lock and NOTIFY are the caps' own SQL, compiled once). */
const texts = new WeakMap<DialectCaps, { first: string; rest: string }>();
function statementsFor(db: Db, caps: DialectCaps): { first: string; rest: string } {
  let t = texts.get(caps);
  if (t) return t;
  const cols = COLUMNS.join(', ');
  if (!caps.eventLogLock) {
    const one = `insert into events (${cols}) values (${COLUMNS.map(() => '?').join(', ')}) returning id`;
    t = { first: one, rest: one };
  } else {
    // Several rows in one statement: the columns as arrays, unnest()ed in order (with ordinality);
    // ids are drawn as the sorted rows reach the insert, so they follow the events' order.
    const arrays = COLUMNS.map((c, i) => `$${i + 1}::${PG_TYPES[c]}[]`).join(', ');
    const returning = caps.notifyReturning ? `id, ${sql`${caps.notifyReturning}`.compile(db).sql}` : 'id';
    const select = (from: string) => `insert into events (${cols}) select ${COLUMNS.map((c) => `e.${c}`).join(', ')} from ${from} order by e.ord returning ${returning}`;
    const rows = `unnest(${arrays}) with ordinality as e(${cols}, ord)`;
    // The first append of a transaction takes the log lock in its own statement: the lock's one-row
    // subquery is joined to the rows and the Sort reads them all before any id is drawn.
    t = { first: select(`${caps.eventLogLock.compile(db).sql} as event_log_lock cross join ${rows}`), rest: select(rows) };
  }
  texts.set(caps, t);
  return t;
}

/**
 * Appends events inside one transaction (`db`): each call inserts its rows and answers their ids.
 * On PostgreSQL the first append of a transaction takes the log lock in its insert (see
 * DialectCaps.eventLogLock), which holds to the commit, every insert carries its NOTIFY in its
 * RETURNING, and `all` inserts several events in one statement: one round trip per append.
 */
export function eventAppender(db: Db, caps: DialectCaps): EventAppender {
  const { first, rest } = statementsFor(db, caps);
  // The lock still to take: only the transaction's first insert takes it.
  let locked = !caps.eventLogLock;
  const run = async (text: string, parameters: unknown[]) => (await db.executeQuery<{ id: number | string }>(CompiledQuery.raw(text, parameters))).rows.map((r) => Number(r.id));
  const all = async (rows: Array<Insertable<EventsTable>>): Promise<number[]> => {
    if (rows.length === 0) return [];
    if (!caps.eventLogLock) {
      const ids: number[] = [];
      for (const row of rows) ids.push(...(await run(first, valuesOf(row))));
      return ids;
    }
    const values = rows.map(valuesOf);
    const text = locked ? rest : first;
    locked = true;
    return (await run(text, COLUMNS.map((_, i) => values.map((v) => v[i])))).sort((a, b) => a - b);
  };
  return Object.assign(async (row: Insertable<EventsTable>) => (await all([row]))[0], { all });
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
