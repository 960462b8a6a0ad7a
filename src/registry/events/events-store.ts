// The only SQL for the events table.
import type { DialectCaps } from '../../db/dialect.js';
import type { Db } from '../../db/tables.js';
import type { NewEvent } from './events.js';

export async function insertEvent(db: Db, caps: DialectCaps, time: number, e: NewEvent): Promise<number> {
  // Serialise appends (PostgreSQL) so ids become visible in order; see DialectCaps.lockEventLog.
  await caps.lockEventLog(db);
  const row = await db
    .insertInto('events')
    .values({
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
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const id = Number(row.id);
  await caps.notifyEvents(db, id);
  return id;
}

export interface EventQuery {
  modelId?: string;
  types?: string[];
  sinceMs?: number;
  untilMs?: number;
  afterId?: number;
  beforeId?: number;
  targets?: string[];
  limit: number;
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
  return query.orderBy('id', q.order).limit(q.limit).execute();
}
