// A model's audit history in and out of a model archive (registry/transfer/). Exported events carry
// an origin key; imported ones are written with their original actor and time and that key in
// imported_from, which marks them as imported and lets a second import of the same history find
// them present. The events module's own SQL stays in its store; this file only maps.
import type { DialectCaps } from '../../db/dialect.js';
import type { Db } from '../../db/tables.js';
import { eventAppender, queryEvents } from './events-store.js';

/** An event as it travels between registries. */
export interface PortableEvent {
  origin: string;
  time: number;
  actor: string;
  version: number | null;
  type: string;
  target: string | null;
  from: string | null;
  to: string | null;
  reason: string | null;
  details: Record<string, unknown>;
}

/** The key naming an event wherever it travels: where it was first recorded. */
const originOf = (modelId: string, row: { id: number; imported_from: string | null }) => row.imported_from ?? `${modelId}#e${Number(row.id)}`;

/** Every event of the model, oldest first, with its origin key. */
export async function portableEvents(db: Db, modelId: string): Promise<PortableEvent[]> {
  const rows = await queryEvents(db, { modelId, order: 'asc' });
  return rows.map((r) => ({
    origin: originOf(modelId, r),
    time: Number(r.time),
    actor: r.actor,
    version: r.version === null ? null : Number(r.version),
    type: r.type,
    target: r.target,
    from: r.from_value,
    to: r.to_value,
    reason: r.reason,
    details: JSON.parse(r.details || '{}') as Record<string, unknown>,
  }));
}

/** The origin keys of the model's events already here. */
export async function presentEventOrigins(db: Db, modelId: string): Promise<Set<string>> {
  const rows = await queryEvents(db, { modelId, order: 'asc' });
  return new Set(rows.map((r) => originOf(modelId, r)));
}

/** Appends imported events in the given order: original actor and time, marked imported_from. */
export async function insertImportedEvents(db: Db, caps: DialectCaps, model: { id: string; name: string }, events: PortableEvent[]): Promise<void> {
  const insert = eventAppender(db, caps);
  for (const e of events) {
    await insert({
      time: e.time,
      actor: e.actor,
      model: model.name,
      model_id: model.id,
      version: e.version,
      type: e.type,
      target: e.target,
      from_value: e.from,
      to_value: e.to,
      reason: e.reason,
      details: JSON.stringify(e.details),
      imported_from: e.origin,
    });
  }
}
