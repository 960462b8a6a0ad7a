// One version as the API shows it, in ONE prepared query (issue 18.4): the version's row, its
// model's name, its tags, the aliases naming it and its model's interpreter tag come back as one
// row (the small lists as JSON from subqueries), where the general path (versions-service.ts
// loadVersion) sends four queries — one round trip instead of four on PostgreSQL, one statement
// instead of four on SQLite. Get version and resolve by number, alias or stage use it; a miss
// returns undefined and the caller takes the general path, which says precisely what is missing.
import { sql, type RawBuilder } from 'kysely';
import { dialectOf } from '../../db/dialect.js';
import { preparedQuery } from '../../db/prepared-query.js';
import type { Db } from '../../db/tables.js';
import type { ModelRef } from './models-uri.js';
import type { NamedVersion } from '../read-models.js';
import type { VersionRow } from './versions-store.js';
import { PYTHON_TAG, versionView, type VersionView, type ViewReads } from './versions-view.js';

type ViewRow = VersionRow & { model_name: string; tags_json: string; aliases_json: string; model_python: string | null };

/** `(select <json array of expr> from <rest>)`: SQLite's json_group_array, PostgreSQL's json_agg (as text, '[]' when empty). */
function jsonList(db: Db, expr: RawBuilder<unknown>, rest: RawBuilder<unknown>): RawBuilder<string> {
  return dialectOf(db) === 'postgres'
    ? sql<string>`(select coalesce(json_agg(${expr}), '[]')::text from ${rest})`
    : sql<string>`(select json_group_array(${expr}) from ${rest})`;
}

/**
 * Live versions of the live model `name` with everything their view needs; each query below adds
 * its `where`. The model is found by a scalar subquery rather than a `where` on the join, so the
 * planner starts from the model's versions (index on model_id, stage, version) and not from every
 * version in a stage across all models (what SQLite chose for `m.name = ? and v.stage = ?`).
 */
function viewRows(db: Db, name: string) {
  const pair = dialectOf(db) === 'postgres' ? sql`json_build_array(t.key, t.value)` : sql`json_array(t.key, t.value)`;
  return db
    .selectFrom('versions as v')
    .innerJoin('models as m', 'm.id', 'v.model_id')
    .selectAll('v')
    .select([
      'm.name as model_name',
      jsonList(db, pair, sql`version_tags t where t.version_id = v.id`).as('tags_json'),
      jsonList(db, sql`a.alias`, sql`aliases a where a.model_id = v.model_id and a.version = v.version`).as('aliases_json'),
      (eb) => eb.selectFrom('model_tags as mt').select('mt.value').whereRef('mt.model_id', '=', 'v.model_id').where('mt.key', '=', PYTHON_TAG).as('model_python'),
    ])
    .where('v.model_id', '=', (eb) => eb.selectFrom('models').select('id').where('name', '=', name).where('deleted_at', 'is', null))
    .where('v.deleted_at', 'is', null)
    .where('m.deleted_at', 'is', null);
}

const byNumber = preparedQuery((db, p: { name: string; version: number }) =>
  viewRows(db, p.name).where('v.version', '=', p.version),
);

const byAlias = preparedQuery((db, p: { name: string; alias: string }) =>
  viewRows(db, p.name)
    .innerJoin('aliases as al', (j) => j.onRef('al.model_id', '=', 'v.model_id').onRef('al.version', '=', 'v.version'))
    .where('al.alias', '=', p.alias),
);

/** The highest live version in the stage: what models:/name/<stage> resolves to. */
const byStage = preparedQuery((db, p: { name: string; stage: string }) =>
  // The top version by max() on the (model_id, stage, version) index, then that row by its key: an
  // `order by version desc limit 1` walked all the model's versions from the newest down instead.
  viewRows(db, p.name).where('v.version', '=', (eb) =>
    eb
      .selectFrom('versions as s')
      .select((s) => s.fn.max('s.version').as('top'))
      .where('s.model_id', '=', (m) => m.selectFrom('models').select('id').where('name', '=', p.name).where('deleted_at', 'is', null))
      .where('s.stage', '=', p.stage)
      .where('s.deleted_at', 'is', null),
  ),
);

/** A live version with its model's name, its tags (by key) and the aliases naming it (sorted): what both doors show of it. */
export interface VersionWithPointers {
  row: NamedVersion;
  tags: Array<{ key: string; value: string }>;
  aliases: string[];
  /** The model's stagecraft.python tag (the view's interpreter when the version has none of its own). */
  modelPython: string | null;
}

const byKey = (a: [string, string], b: [string, string]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

const tagsOf = (json: string) => (JSON.parse(json) as Array<[string, string]>).sort(byKey).map(([key, value]) => ({ key, value }));

function parse(row: ViewRow | undefined): VersionWithPointers | undefined {
  if (!row) return undefined;
  // The row is kept as it came (its extra columns are read by no one): a rest-spread copy of its
  // 30 columns was a tenth of a registered-models/get's CPU.
  return { row, tags: tagsOf(row.tags_json), aliases: (JSON.parse(row.aliases_json) as string[]).sort(), modelPython: row.model_python };
}

/** What MLflow's latest_versions show of a version (its door's versionJson): no view, no aliases, no interpreter. */
export type LatestVersionRow = Pick<NamedVersion, 'id' | 'model_name' | 'version' | 'stage' | 'description' | 'source' | 'run_id' | 'status' | 'status_message' | 'created_at' | 'updated_at'>;

/**
 * For each stage, the highest live version of the model named `name`: MLflow's latest_versions.
 * Only the columns its answer shows, and its tags: per row, the whole version row (27 columns) and
 * the alias and interpreter subqueries cost about as much as finding the rows.
 */
const latestByName = preparedQuery((db, p: { name: string }) => {
  const pair = dialectOf(db) === 'postgres' ? sql`json_build_array(t.key, t.value)` : sql`json_array(t.key, t.value)`;
  return db
    .selectFrom('versions as v')
    .innerJoin('models as m', 'm.id', 'v.model_id')
    .select(['v.id', 'm.name as model_name', 'v.version', 'v.stage', 'v.description', 'v.source', 'v.run_id', 'v.status', 'v.status_message', 'v.created_at', 'v.updated_at'])
    .select(jsonList(db, pair, sql`version_tags t where t.version_id = v.id`).as('tags_json'))
    .where('v.model_id', '=', (eb) => eb.selectFrom('models').select('id').where('name', '=', p.name).where('deleted_at', 'is', null))
    .where('v.deleted_at', 'is', null)
    .where('m.deleted_at', 'is', null)
    .where('v.version', 'in', (eb) =>
      eb
        .selectFrom('versions as s')
        .select((s) => s.fn.max('s.version').as('top'))
        // The model by name once more (an uncorrelated subquery: computed once, not per row).
        .where('s.model_id', '=', (m) => m.selectFrom('models').select('id').where('name', '=', p.name).where('deleted_at', 'is', null))
        .where('s.deleted_at', 'is', null)
        .groupBy('s.stage'),
    )
    .orderBy('v.version');
});

/** The highest live version in each stage of the live model `name`, lowest version first, each with its tags (by key), in one query. */
export async function latestPerStageWithTags(db: Db, name: string): Promise<Array<{ row: LatestVersionRow; tags: Array<{ key: string; value: string }> }>> {
  return (await latestByName(db, { name })).map((row) => ({ row, tags: tagsOf(row.tags_json) }));
}

/** What composeVersionViews needs besides the row, from the one-query read. */
export function viewReadsOf({ row, tags, aliases, modelPython }: VersionWithPointers): ViewReads {
  return {
    tags: tags.map((t) => ({ version_id: row.id, ...t })),
    aliases: aliases.map((alias) => ({ model_id: row.model_id, alias, version: row.version })),
    modelInterpreters: new Map(modelPython === null ? [] : [[row.model_id, modelPython]]),
  };
}

function compose(found: VersionWithPointers | undefined): VersionView | undefined {
  if (!found) return undefined;
  const own: Record<string, string> = {};
  for (const t of found.tags) own[t.key] = t.value;
  return versionView(found.row, own, found.aliases, found.modelPython ?? undefined);
}

/** Version `version` of the live model `name` with its tags and aliases, in one query; undefined when either is missing. */
export async function versionWithPointers(db: Db, name: string, version: number): Promise<VersionWithPointers | undefined> {
  return parse((await byNumber(db, { name, version }))[0] as ViewRow | undefined);
}

/** The version alias `alias` of the live model `name` names, with its tags and aliases, in one query; undefined when there is none. */
export async function aliasedVersionWithPointers(db: Db, name: string, alias: string): Promise<VersionWithPointers | undefined> {
  return parse((await byAlias(db, { name, alias }))[0] as ViewRow | undefined);
}

/** The highest live version of the live model `name` in `stage`, with its tags and aliases, in one query; undefined when there is none. */
export async function stageTopWithPointers(db: Db, name: string, stage: string): Promise<VersionWithPointers | undefined> {
  return parse((await byStage(db, { name, stage }))[0] as ViewRow | undefined);
}

/** The view of version `version` of the live model `name`; undefined when either is missing. */
export async function versionViewByNumber(db: Db, name: string, version: number): Promise<VersionView | undefined> {
  return compose(await versionWithPointers(db, name, version));
}

/** The view of the version alias `alias` of the live model `name` names; undefined when there is none. */
export async function versionViewByAlias(db: Db, name: string, alias: string): Promise<VersionView | undefined> {
  return compose(await aliasedVersionWithPointers(db, name, alias));
}

/** The view of the highest live version of the live model `name` in `stage`; undefined when there is none. */
export async function versionViewByStage(db: Db, name: string, stage: string): Promise<VersionView | undefined> {
  return compose(await stageTopWithPointers(db, name, stage));
}

/** The view a models:/ reference points at now, in one query for a number, an alias or a stage; else undefined. */
export async function versionViewOfRef(db: Db, ref: ModelRef): Promise<VersionView | undefined> {
  switch (ref.kind) {
    case 'version':
      return versionViewByNumber(db, ref.name, ref.version);
    case 'alias':
      return versionViewByAlias(db, ref.name, ref.alias);
    case 'stage':
      return versionViewByStage(db, ref.name, ref.stage);
    default:
      return undefined;
  }
}
