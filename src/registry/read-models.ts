// Read models: the only queries that join across the kernel's tables (models, versions, tags,
// aliases, events). Every kernel module may call them and they call no module, so they can answer
// "a model with its pointers and last event" without models depending on versions or events, and
// extensions get the same answers without SQL on kernel tables.
import { sql } from 'kysely';
import { preparedQuery } from '../db/prepared-query.js';
import type { Db } from '../db/tables.js';
import type {} from './events/events.js'; // the events table's type, declared beside its store
import type { ModelRow } from './models/models.js';
import { modelView, type ModelView } from './model-view.js';
import { SERVING_STAGES, type VersionRow } from './versions/versions.js';

export type { ModelView };

/** A version row with its model's name. */
export type NamedVersion = VersionRow & { model_name: string };

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
  // Six queries whatever the page size (a model's page is a hot read: issue 18.4). The highest
  // version per (model, stage) gives both the latest version and the Production/Staging pointers;
  // the last event per model is found by a subquery rather than a second round trip.
  const [tags, staged, aliases, production, lastEvents] = await Promise.all([
    db.selectFrom('model_tags').selectAll().where('model_id', 'in', ids).execute(),
    db
      .selectFrom('versions')
      .select(['model_id', 'stage', (eb) => eb.fn.max('version').as('v')])
      .where('model_id', 'in', ids)
      .where('deleted_at', 'is', null)
      .groupBy(['model_id', 'stage'])
      .execute(),
    db.selectFrom('aliases').selectAll().where('model_id', 'in', ids).execute(),
    stageMembers(db, ids, 'Production'),
    db
      .selectFrom('events')
      .select(['id', 'model_id', 'type', 'time', 'actor', 'reason'])
      .where('id', 'in', (eb) => eb.selectFrom('events').select((e) => e.fn.max('id').as('id')).where('model_id', 'in', ids).groupBy('model_id'))
      .execute(),
  ]);

  return models.map((m) => {
    const prodRows = production.filter((p) => p.model_id === m.id).sort((a, b) => b.version - a.version);
    const ev = lastEvents.find((e) => e.model_id === m.id);
    const own = staged.filter((s) => s.model_id === m.id);
    const stageOf = (stage: string) => {
      const row = own.find((s) => s.stage === stage);
      return row ? Number(row.v) : null;
    };
    return modelView(m, {
      tags: Object.fromEntries(tags.filter((t) => t.model_id === m.id).map((t) => [t.key, t.value])),
      aliases: Object.fromEntries(aliases.filter((a) => a.model_id === m.id).map((a) => [a.alias, a.version])),
      latest: own.length ? Math.max(...own.map((s) => Number(s.v))) : null,
      staging: stageOf('Staging'),
      production: prodRows[0] ? { version: prodRows[0].version, health: prodRows[0].health, health_reason: prodRows[0].health_reason } : null,
      lastEvent: ev ?? null,
    });
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
export async function searchVersions(db: Db, q: VersionSearch): Promise<NamedVersion[]> {
  let query = namedVersions(db);
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

/**
 * An extension's rows (anything with a model_id) with their model's name, order kept, in one query.
 * Rows of deleted models are left out unless `includeDeleted` (records that outlive their model).
 */
export async function withModelNames<T extends { model_id: string }>(db: Db, rows: T[], opts: { includeDeleted?: boolean } = {}): Promise<Array<T & { model_name: string }>> {
  if (rows.length === 0) return [];
  let q = db.selectFrom('models').select(['id', 'name']).where('id', 'in', [...new Set(rows.map((r) => r.model_id))]);
  if (!opts.includeDeleted) q = q.where('deleted_at', 'is', null);
  const names = new Map((await q.execute()).map((m) => [m.id, m.name]));
  return rows.flatMap((r) => {
    const name = names.get(r.model_id);
    return name === undefined ? [] : [{ ...r, model_name: name }];
  });
}

/** Live versions of live models, each with its model's name: the base of every version read model. */
export function namedVersions(db: Db) {
  return db
    .selectFrom('versions as v')
    .innerJoin('models as m', 'm.id', 'v.model_id')
    .selectAll('v')
    .select('m.name as model_name')
    .where('v.deleted_at', 'is', null)
    .where('m.deleted_at', 'is', null);
}

// Prepared (db/prepared-query.ts): the MLflow door's get of a version reads it on every call.
const namedVersion = preparedQuery((db, p: { name: string; version: number }) => namedVersions(db).where('m.name', '=', p.name).where('v.version', '=', p.version));

/** The live version `version` of the live model `name`, with the name, in one query. */
export async function findNamedVersion(db: Db, name: string, version: number): Promise<NamedVersion | undefined> {
  return (await namedVersion(db, { name, version }))[0];
}


/** The live versions among these ids (of live models), with their model's name, in one query. */
export async function namedVersionsByIds(db: Db, versionIds: string[]): Promise<NamedVersion[]> {
  if (versionIds.length === 0) return [];
  return namedVersions(db).where('v.id', 'in', [...new Set(versionIds)]).execute();
}

/** For each model and stage (or only these stages), the highest live version in it, in one query; by version. */
export async function latestPerStage(db: Db, modelIds: string[], stages?: string[]): Promise<NamedVersion[]> {
  if (modelIds.length === 0) return [];
  let tops = db
    .selectFrom('versions')
    .select(['model_id', 'stage', (eb) => eb.fn.max('version').as('top')])
    .where('model_id', 'in', modelIds)
    .where('deleted_at', 'is', null);
  if (stages && stages.length) tops = tops.where('stage', 'in', stages);
  const grouped = tops.groupBy(['model_id', 'stage']).as('t');
  const found = await namedVersions(db)
    .innerJoin(grouped, (join) => join.onRef('t.model_id', '=', 'v.model_id').onRef('t.top', '=', 'v.version'))
    .execute();
  return found.sort((a, b) => a.version - b.version);
}

/** The tags of these versions, by key. */
export async function tagsOfVersions(db: Db, versionIds: string[]) {
  if (versionIds.length === 0) return [];
  return db.selectFrom('version_tags').selectAll().where('version_id', 'in', versionIds).orderBy('key').execute();
}

/** One tag of these models (e.g. stagecraft.python), by model id. */
export async function modelTagOf(db: Db, modelIds: string[], key: string): Promise<Map<string, string>> {
  if (modelIds.length === 0) return new Map();
  const rows = await db.selectFrom('model_tags').select(['model_id', 'value']).where('model_id', 'in', modelIds).where('key', '=', key).execute();
  return new Map(rows.map((r) => [r.model_id, r.value]));
}

/** The aliases of these models, by alias. */
export async function aliasesOfModels(db: Db, modelIds: string[]) {
  if (modelIds.length === 0) return [];
  return db.selectFrom('aliases').selectAll().where('model_id', 'in', modelIds).orderBy('alias').execute();
}

/** Tags (by key) and aliases (by alias) of these models in one round trip: a model's page is a hot read. */
export async function tagsAndAliasesOfModels(db: Db, modelIds: string[]) {
  if (modelIds.length === 0) return { tags: [], aliases: [] };
  const rows = await db
    .selectFrom('model_tags')
    .select([sql<string>`'t'`.as('kind'), 'model_id', 'key', 'value'])
    .where('model_id', 'in', modelIds)
    .unionAll(
      db
        .selectFrom('aliases')
        .select([sql<string>`'a'`.as('kind'), 'model_id', 'alias as key', sql<string>`cast(version as text)`.as('value')])
        .where('model_id', 'in', modelIds),
    )
    .execute();
  const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  return {
    tags: rows
      .filter((r) => r.kind === 't')
      .sort(byKey)
      .map((r) => ({ model_id: r.model_id, key: r.key, value: r.value })),
    aliases: rows
      .filter((r) => r.kind === 'a')
      .sort(byKey)
      .map((r) => ({ model_id: r.model_id, alias: r.key, version: Number(r.value) })),
  };
}

/** The files of a live version (none when it is deleted or unknown), by path. */
export async function liveVersionFiles(db: Db, versionId: string): Promise<Array<{ path: string; size: number; sha256: string }>> {
  const rows = await db
    .selectFrom('version_files as f')
    .innerJoin('versions as v', 'v.id', 'f.version_id')
    .select(['f.path', 'f.size', 'f.sha256'])
    .where('f.version_id', '=', versionId)
    .where('v.deleted_at', 'is', null)
    .orderBy('f.path')
    .execute();
  return rows.map((r) => ({ path: r.path, size: Number(r.size), sha256: r.sha256 }));
}
