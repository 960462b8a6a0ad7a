// Every state change commits with its audit event in one transaction; after the commit the
// change feed is poked so gateways, SSE streams and webhooks see it at once.
import type { Transaction } from 'kysely';
import type { Database } from '../../db/tables.js';
import type { Deps } from '../deps.js';
import { AppError, invalid } from '../../errors.js';
import { type EventQuery, insertEvent, queryEvents } from './events-store.js';
import { toEvent, type NewEvent, type RegistryEvent } from './events.js';

export type Append = (event: NewEvent) => Promise<number>;

export async function commit<T>(
  deps: Deps,
  work: (trx: Transaction<Database>, append: Append) => Promise<T>,
  onUniqueViolation?: () => AppError,
): Promise<T> {
  let result: T;
  try {
    result = await deps.db.transaction().execute((trx) =>
      work(trx, (event) => insertEvent(trx, deps.caps, deps.clock.now(), event)),
    );
  } catch (err) {
    if (onUniqueViolation && deps.caps.isUniqueViolation(err)) throw onUniqueViolation();
    throw err;
  }
  void deps.feed.poke();
  return result;
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
  q: Omit<EventQuery, 'beforeId' | 'afterId' | 'order'> & { cursor?: number; order?: 'asc' | 'desc' },
): Promise<EventsPage> {
  const order = q.order ?? 'desc';
  const rows = await queryEvents(deps.db, {
    ...q,
    order,
    limit: q.limit + 1,
    afterId: order === 'asc' ? q.cursor : undefined,
    beforeId: order === 'desc' ? q.cursor : undefined,
  });
  const page = rows.slice(0, q.limit).map(toEvent);
  const more = rows.length > q.limit;
  return { events: page, next_cursor: more ? String(page[page.length - 1].id) : null };
}
