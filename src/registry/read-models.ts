// Read models: the only queries that join across the kernel's tables (models, versions, tags,
// aliases, events). Every kernel module may call them and they call no module, so they can answer
// "a model with its pointers and last event" without models depending on versions or events, and
// extensions get the same answers without SQL on kernel tables.
import type { Db } from '../db/tables.js';
import type {} from './events/events.js'; // the events table's type, declared beside its store
import type { ModelRow } from './models/models.js';
import { SERVING_STAGES, type VersionRow } from './versions/versions.js';

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

/** Live versions of these models in one stage, highest first. */
export async function stageMembers(db: Db, modelIds: string[], stage: string) {
  if (modelIds.length === 0) return [];
  return db
    .selectFrom('versions')
    .select(['model_id', 'version', 'health', 'health_reason'])
    .where('model_id', 'in', modelIds)
    .where('deleted_at', 'is', null)
    .where('stage', '=', stage)
    .orderBy('version', 'desc')
    .execute();
}

/**
 * What the API shows of models: their own fields plus where their pointers are and their last event,
 * read in batches so a page of 100 models costs a handful of queries, not hundreds.
 */
export async function modelViews(db: Db, models: ModelRow[]): Promise<ModelView[]> {
  if (models.length === 0) return [];
  const ids = models.map((m) => m.id);
  const [tags, latest, staged, aliases, production, lastIds] = await Promise.all([
    db.selectFrom('model_tags').selectAll().where('model_id', 'in', ids).execute(),
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
    stageMembers(db, ids, 'Production'),
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
      last_event: ev ? { id: Number(ev.id), type: ev.type, time: iso(ev.time), actor: ev.actor, reason: ev.reason } : null,
    };
  });
}

export interface VersionSearch {
  modelId?: string;
  /** Case-insensitive substring of the model name (global search). */
  nameLike?: string;
  stage?: string;
  health?: string;
  runId?: string;
  label?: string;
  tag?: { key: string; value?: string };
  /** Keyset: versions of models after (modelName, version) in (name asc, version desc) order. */
  after?: [string, number];
  limit: number;
  ilike: 'like' | 'ilike';
}

/** Live versions of live models, with their model's name, in (name asc, version desc) order. */
export async function searchVersions(db: Db, q: VersionSearch): Promise<Array<VersionRow & { model_name: string }>> {
  let query = db
    .selectFrom('versions as v')
    .innerJoin('models as m', 'm.id', 'v.model_id')
    .selectAll('v')
    .select('m.name as model_name')
    .where('v.deleted_at', 'is', null)
    .where('m.deleted_at', 'is', null);
  if (q.modelId) query = query.where('v.model_id', '=', q.modelId);
  if (q.nameLike) query = query.where('m.name', q.ilike, `%${q.nameLike.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  if (q.stage) query = query.where('v.stage', '=', q.stage);
  if (q.health) query = query.where('v.health', '=', q.health);
  if (q.runId) query = query.where('v.run_id', '=', q.runId);
  if (q.label) query = query.where('v.label', '=', q.label);
  if (q.tag) {
    const tag = q.tag;
    query = query.where((eb) =>
      eb.exists(
        eb
          .selectFrom('version_tags as t')
          .select('t.version_id')
          .whereRef('t.version_id', '=', 'v.id')
          .where('t.key', '=', tag.key)
          .$if(tag.value !== undefined, (sq) => sq.where('t.value', '=', tag.value!)),
      ),
    );
  }
  if (q.after) {
    const [name, version] = q.after;
    query = query.where((eb) => eb.or([eb('m.name', '>', name), eb.and([eb('m.name', '=', name), eb('v.version', '<', version)])]));
  }
  return query.orderBy('m.name').orderBy('v.version', 'desc').limit(q.limit).execute();
}

/** Where one live model's pointers are: live versions per serving stage (highest first) and its aliases. */
export interface ModelPointers {
  id: string;
  name: string;
  stages: Record<string, number[]>;
  aliases: Record<string, number>;
}

/** Every live model's pointers, for gateways that route by them (see serving's snapshot). */
export async function servingPointers(db: Db): Promise<ModelPointers[]> {
  const models = await db.selectFrom('models').select(['id', 'name']).where('deleted_at', 'is', null).execute();
  const versions = await db
    .selectFrom('versions')
    .select(['model_id', 'version', 'stage'])
    .where('deleted_at', 'is', null)
    .where('stage', 'in', SERVING_STAGES)
    .orderBy('version', 'desc')
    .execute();
  const aliases = await db.selectFrom('aliases').select(['model_id', 'alias', 'version']).execute();
  const byId = new Map<string, ModelPointers>();
  for (const m of models) byId.set(m.id, { id: m.id, name: m.name, stages: {}, aliases: {} });
  for (const v of versions) {
    const p = byId.get(v.model_id);
    if (p) (p.stages[v.stage] ??= []).push(v.version);
  }
  for (const a of aliases) {
    const p = byId.get(a.model_id);
    if (p) p.aliases[a.alias] = a.version;
  }
  return [...byId.values()];
}
