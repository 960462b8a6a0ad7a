// One model's view in ONE prepared query (issue 18.4: get model is a hot read). The batched read
// (read-models.ts modelViews, for pages of models) sends the model's row and then five queries;
// here the tags, aliases, latest and Staging versions, the Production version with its health and
// the last event come back beside the row, from subqueries (small lists as JSON), each on an index.
import { sql, type RawBuilder } from 'kysely';
import { dialectOf, type DialectName } from '../db/dialect.js';
import { preparedQuery } from '../db/prepared-query.js';
import type { Db } from '../db/tables.js';
import type {} from './events/events.js'; // the events table's type, declared beside its store
import type { ModelRow } from './models/models.js';
import { modelView, type ModelView } from './model-view.js';

type Row = ModelRow & {
  tags_json: string;
  aliases_json: string;
  latest: number | string | null;
  staging: number | string | null;
  production_json: string | null;
  event_json: string | null;
};

/** A JSON array of `items` over `from` (SQLite json_group_array / PostgreSQL json_agg as text, '[]' when empty). */
function list(d: DialectName, items: RawBuilder<unknown>, from: RawBuilder<unknown>): RawBuilder<string> {
  return d === 'postgres'
    ? sql<string>`(select coalesce(json_agg(json_build_array(${items})), '[]')::text from ${from})`
    : sql<string>`(select json_group_array(json_array(${items})) from ${from})`;
}

/** The first row of `from` as a JSON array of `items`, or null. */
function first(d: DialectName, items: RawBuilder<unknown>, from: RawBuilder<unknown>): RawBuilder<string | null> {
  return d === 'postgres' ? sql<string | null>`(select json_build_array(${items})::text from ${from})` : sql<string | null>`(select json_array(${items}) from ${from})`;
}

/** The live model `name`'s row with its tags and aliases as JSON lists: what both reads below start from. */
function withPointers(db: Db, d: DialectName, name: string) {
  return db
    .selectFrom('models as m')
    .selectAll('m')
    .select([
      list(d, sql`t.key, t.value`, sql`model_tags t where t.model_id = m.id`).as('tags_json'),
      list(d, sql`a.alias, a.version`, sql`aliases a where a.model_id = m.id`).as('aliases_json'),
    ])
    .where('m.name', '=', name)
    .where('m.deleted_at', 'is', null);
}

const byName = preparedQuery((db, p: { name: string }) => {
  const live = sql`versions v where v.model_id = m.id and v.deleted_at is null`;
  const d = dialectOf(db);
  return withPointers(db, d, p.name).select([
    sql<number | null>`(select max(v.version) from ${live})`.as('latest'),
    sql<number | null>`(select max(v.version) from ${live} and v.stage = ${'Staging'})`.as('staging'),
    first(d, sql`v.version, v.health, v.health_reason`, sql`${live} and v.stage = ${'Production'} order by v.version desc limit 1`).as('production_json'),
    first(d, sql`e.id, e.type, e.time, e.actor, e.reason`, sql`events e where e.model_id = m.id order by e.id desc limit 1`).as('event_json'),
  ]);
});

const byKey = <T extends [string, unknown]>(a: T, b: T) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** The view of the live model `name`, or undefined when there is none. */
export async function modelViewByName(db: Db, name: string): Promise<ModelView | undefined> {
  const row = (await byName(db, { name }))[0] as Row | undefined;
  if (!row) return undefined;
  // The row is passed on as it came (the extra columns are read by no one; no rest-spread copy).
  const { tags_json, aliases_json, latest, staging, production_json, event_json } = row;
  const model: ModelRow = row;
  const production = production_json ? (JSON.parse(production_json) as [number, string, string | null]) : null;
  const event = event_json ? (JSON.parse(event_json) as [number, string, number, string, string | null]) : null;
  return modelView(model, {
    tags: Object.fromEntries((JSON.parse(tags_json) as Array<[string, string]>).sort(byKey)),
    aliases: Object.fromEntries((JSON.parse(aliases_json) as Array<[string, number]>).sort(byKey)),
    latest: latest === null ? null : Number(latest),
    staging: staging === null ? null : Number(staging),
    production: production ? { version: production[0], health: production[1], health_reason: production[2] } : null,
    lastEvent: event ? { id: event[0], type: event[1], time: event[2], actor: event[3], reason: event[4] } : null,
  });
}

/** A live model's row with its tags (by key) and aliases (by alias): what MLflow's registered model shows. */
export interface ModelWithPointers {
  model: ModelRow;
  tags: Array<{ key: string; value: string }>;
  aliases: Array<{ alias: string; version: number }>;
}

const pointersByName = preparedQuery((db, p: { name: string }) => withPointers(db, dialectOf(db), p.name));

/** The live model `name` with its tags and aliases, in one query; undefined when there is none. */
export async function modelWithPointers(db: Db, name: string): Promise<ModelWithPointers | undefined> {
  const row = (await pointersByName(db, { name }))[0] as (ModelRow & { tags_json: string; aliases_json: string }) | undefined;
  if (!row) return undefined;
  const { tags_json, aliases_json } = row;
  return {
    model: row,
    tags: (JSON.parse(tags_json) as Array<[string, string]>).sort(byKey).map(([key, value]) => ({ key, value })),
    aliases: (JSON.parse(aliases_json) as Array<[string, number]>).sort(byKey).map(([alias, version]) => ({ alias, version: Number(version) })),
  };
}
