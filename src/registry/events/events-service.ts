// Every state change commits with its audit event in one transaction; after the commit the
// change feed is poked so gateways, SSE streams and webhooks see it at once. The events module is
// the bottom of the kernel: every other module appends through commit(), and it imports none of them.
import type { Insertable, Transaction } from 'kysely';
import type { Database, Db } from '../../db/tables.js';
import type { Deps } from '../deps.js';
import { AppError, invalid } from '../../errors.js';
import { visiblePage } from '../../http/paging.js';
import { type EventQuery, type EventsTable, eventAppender, lastEventId as lastEventIdIn, queryEvents } from './events-store.js';
import { toEvent, type EventType, type NewEvent, type RegistryEvent } from './events.js';

export type Append = (event: NewEvent) => Promise<number>;
/** Appends several events in order, in one statement where the database allows: their ids. */
export type AppendAll = (events: NewEvent[]) => Promise<number[]>;

export async function commit<T>(
  deps: Deps,
  work: (trx: Transaction<Database>, append: Append, appendAll: AppendAll) => Promise<T>,
  onUniqueViolation?: () => AppError,
): Promise<T> {
  let result: T;
  try {
    result = await deps.db.transaction().execute((trx) => {
      const insert = eventAppender(trx, deps.caps);
      return work(
        trx,
        (event) => insert(eventRow(deps.clock.now(), event)),
        (events) => {
          const now = deps.clock.now();
          return insert.all(events.map((e) => eventRow(now, e)));
        },
      );
    });
  } catch (err) {
    if (onUniqueViolation && deps.caps.isUniqueViolation(err)) throw onUniqueViolation();
    throw err;
  }
  void deps.feed.poke();
  return result;
}

function eventRow(time: number, e: NewEvent): Insertable<EventsTable> {
  return {
    time,
    actor: e.actor,
    model: e.model?.name ?? null,
    model_id: e.model?.id ?? null,
    version: e.version ?? null,
    type: e.type,
    target: e.target ?? null,
    from_value: e.from === undefined || e.from === null ? null : String(e.from),
    to_value: e.to === undefined || e.to === null ? null : String(e.to),
    reason: e.reason ?? null,
    details: JSON.stringify(e.details ?? {}),
  };
}

export interface EventsPage {
  events: RegistryEvent[];
  next_cursor: string | null;
}

export function parseTime(value: string | undefined, what: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (!Number.isFinite(ms)) throw invalid(`${what} "${value}" is not a time; use ISO 8601 or epoch milliseconds`);
  return ms;
}

export async function listEvents(
  deps: Deps,
  q: Omit<EventQuery, 'beforeId' | 'afterId' | 'order' | 'limit'> & { cursor?: number; order?: 'asc' | 'desc'; limit: number },
  /** The events the caller may see (per-model grants, by the event's model); the others are skipped. */
  visible?: (model: string | null) => boolean,
): Promise<EventsPage> {
  const order = q.order ?? 'desc';
  const rows = await visiblePage(
    (cursor, limit) =>
      queryEvents(deps.db, {
        ...q,
        order,
        limit,
        afterId: order === 'asc' ? cursor : undefined,
        beforeId: order === 'desc' ? cursor : undefined,
      }),
    (r) => Number(r.id),
    visible && ((r) => visible(r.model)),
    q.cursor,
    q.limit,
  );
  const page = rows.slice(0, q.limit).map(toEvent);
  const more = rows.length > q.limit;
  return { events: page, next_cursor: more ? String(page[page.length - 1].id) : null };
}

/** Every event of one model of these types, oldest first: what replays of a target's past read. */
export async function modelEvents(db: Db, modelId: string, types: EventType[]): Promise<RegistryEvent[]> {
  return (await queryEvents(db, { modelId, types, order: 'asc' })).map(toEvent);
}

/** The id of the newest committed event (0 when none): a snapshot reflects everything up to it. */
export function lastEventId(db: Db): Promise<number> {
  return lastEventIdIn(db);
}
