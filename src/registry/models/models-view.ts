// What the API shows of a model: its own fields plus where its pointers are, read in batches so a
// page of 100 models costs a handful of queries, not hundreds.
import type { Selectable } from 'kysely';
import type { Db, ModelsTable } from '../../db/tables.js';
import { modelTags } from './models-store.js';

export interface ModelView {
  name: string;
  description: string;
  created_at: string;
  updated_at: string;
  created_by: string;
  tags: Record<string, string>;
  latest_version: number | null;
  /** Highest version in each serving stage (what models:/name/<stage> resolves to). */
  stages: { Production: number | null; Staging: number | null };
  aliases: Record<string, number>;
  production: { version: number; health: string; health_reason: string | null } | null;
  last_event: { id: number; type: string; time: string; actor: string; reason: string | null } | null;
}

const iso = (ms: number) => new Date(Number(ms)).toISOString();

export async function modelViews(db: Db, models: Selectable<ModelsTable>[]): Promise<ModelView[]> {
  if (models.length === 0) return [];
  const ids = models.map((m) => m.id);
  const [tags, latest, staged, aliases, production, lastIds] = await Promise.all([
    modelTags(db, ids),
    db
      .selectFrom('versions')
      .select(['model_id', (eb) => eb.fn.max('version').as('v')])
      .where('model_id', 'in', ids)
      .where('deleted_at', 'is', null)
      .groupBy('model_id')
      .execute(),
    db
      .selectFrom('versions')
      .select(['model_id', 'stage', (eb) => eb.fn.max('version').as('v')])
      .where('model_id', 'in', ids)
      .where('deleted_at', 'is', null)
      .where('stage', 'in', ['Production', 'Staging'])
      .groupBy(['model_id', 'stage'])
      .execute(),
    db.selectFrom('aliases').selectAll().where('model_id', 'in', ids).execute(),
    db
      .selectFrom('versions')
      .select(['model_id', 'version', 'health', 'health_reason'])
      .where('model_id', 'in', ids)
      .where('deleted_at', 'is', null)
      .where('stage', '=', 'Production')
      .execute(),
    db
      .selectFrom('events')
      .select(['model_id', (eb) => eb.fn.max('id').as('id')])
      .where('model_id', 'in', ids)
      .groupBy('model_id')
      .execute(),
  ]);
  const eventIds = lastIds.map((r) => Number(r.id));
  const lastEvents = eventIds.length
    ? await db.selectFrom('events').select(['id', 'model_id', 'type', 'time', 'actor', 'reason']).where('id', 'in', eventIds).execute()
    : [];

  return models.map((m) => {
    const prodRows = production.filter((p) => p.model_id === m.id).sort((a, b) => b.version - a.version);
    const ev = lastEvents.find((e) => e.model_id === m.id);
    const stageOf = (stage: string) => {
      const row = staged.find((s) => s.model_id === m.id && s.stage === stage);
      return row ? Number(row.v) : null;
    };
    const latestRow = latest.find((l) => l.model_id === m.id);
    return {
      name: m.name,
      description: m.description,
      created_at: iso(m.created_at),
      updated_at: iso(m.updated_at),
      created_by: m.created_by,
      tags: Object.fromEntries(tags.filter((t) => t.model_id === m.id).map((t) => [t.key, t.value])),
      latest_version: latestRow ? Number(latestRow.v) : null,
      stages: { Production: stageOf('Production'), Staging: stageOf('Staging') },
      aliases: Object.fromEntries(aliases.filter((a) => a.model_id === m.id).map((a) => [a.alias, a.version])),
      production: prodRows[0]
        ? { version: prodRows[0].version, health: prodRows[0].health, health_reason: prodRows[0].health_reason }
        : null,
      last_event: ev
        ? { id: Number(ev.id), type: ev.type, time: iso(ev.time), actor: ev.actor, reason: ev.reason }
        : null,
    };
  });
}
