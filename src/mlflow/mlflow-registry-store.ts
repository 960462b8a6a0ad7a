// Read-only SQL over the registry's tables in the shapes MLflow answers with (millisecond times,
// per-stage latest versions, MLflow's search grammar). Every write goes through the registry's
// services instead, so events, history and the change feed see it.
import { sql, type ExpressionBuilder, type Expression, type SqlBool } from 'kysely';
import type { Db } from '../db/tables.js';
import type { DialectCaps } from '../db/dialect.js';
import type { Comparison, OrderClause } from './mlflow-search-filter.js';
import type { VersionRow as VersionsTable } from '../registry/index.js';

export type MlVersionRow = VersionsTable & { model_name: string; storage_location: string | null; run_link: string | null };

export const PROMPT_TAG = 'mlflow.prompt.is_prompt';

export async function findModel(db: Db, name: string) {
  return db.selectFrom('models').selectAll().where('name', '=', name).where('deleted_at', 'is', null).executeTakeFirst();
}

function versionQuery(db: Db) {
  return db
    .selectFrom('versions as v')
    .innerJoin('models as m', 'm.id', 'v.model_id')
    .leftJoin('mlflow_version_meta as mm', 'mm.version_id', 'v.id')
    .selectAll('v')
    .select(['m.name as model_name', 'mm.storage_location', 'mm.run_link'])
    .where('v.deleted_at', 'is', null)
    .where('m.deleted_at', 'is', null);
}

export async function findVersionRow(db: Db, name: string, version: number): Promise<MlVersionRow | undefined> {
  return versionQuery(db).where('m.name', '=', name).where('v.version', '=', version).executeTakeFirst() as Promise<MlVersionRow | undefined>;
}

export async function tagsOfVersions(db: Db, ids: string[]) {
  if (ids.length === 0) return [];
  return db.selectFrom('version_tags').selectAll().where('version_id', 'in', ids).orderBy('key').execute();
}

export async function tagsOfModels(db: Db, ids: string[]) {
  if (ids.length === 0) return [];
  return db.selectFrom('model_tags').selectAll().where('model_id', 'in', ids).orderBy('key').execute();
}

export async function aliasesOfModels(db: Db, ids: string[]) {
  if (ids.length === 0) return [];
  return db.selectFrom('aliases').selectAll().where('model_id', 'in', ids).orderBy('alias').execute();
}

/** Tags and aliases of models in one round trip (registered-models/get is the hottest read). */
export async function tagsAndAliasesOfModels(db: Db, ids: string[]) {
  if (ids.length === 0) return { tags: [], aliases: [] };
  const rows = await db
    .selectFrom('model_tags')
    .select([sql<string>`'t'`.as('kind'), 'model_id', 'key', 'value'])
    .where('model_id', 'in', ids)
    .unionAll(
      db
        .selectFrom('aliases')
        .select([sql<string>`'a'`.as('kind'), 'model_id', 'alias as key', sql<string>`cast(version as text)`.as('value')])
        .where('model_id', 'in', ids),
    )
    .execute();
  const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
  return {
    tags: rows.filter((r) => r.kind === 't').sort(byKey),
    aliases: rows
      .filter((r) => r.kind === 'a')
      .sort(byKey)
      .map((r) => ({ model_id: r.model_id, alias: r.key, version: Number(r.value) })),
  };
}

/** For each model and stage, the highest live version in it (MLflow's latest_versions), in one query. */
export async function latestPerStage(db: Db, modelIds: string[], stages?: string[]): Promise<MlVersionRow[]> {
  if (modelIds.length === 0) return [];
  let tops = db
    .selectFrom('versions')
    .select(['model_id', 'stage', (eb) => eb.fn.max('version').as('top')])
    .where('model_id', 'in', modelIds)
    .where('deleted_at', 'is', null);
  if (stages && stages.length) tops = tops.where('stage', 'in', stages);
  const grouped = tops.groupBy(['model_id', 'stage']).as('t');
  const found = (await versionQuery(db)
    .innerJoin(grouped, (join) => join.onRef('t.model_id', '=', 'v.model_id').onRef('t.top', '=', 'v.version'))
    .execute()) as MlVersionRow[];
  return found.sort((a, b) => a.version - b.version);
}

export async function versionFilesOf(db: Db, versionId: string) {
  return db.selectFrom('version_files').select(['path', 'size', 'sha256']).where('version_id', '=', versionId).orderBy('path').execute();
}

function likeToGlob(pattern: string): string {
  return pattern.replace(/[[*?%_]/g, (c) => ({ '[': '[[]', '*': '[*]', '?': '[?]', '%': '*', _: '?' })[c]!);
}

/** `=`, `!=`, case-sensitive LIKE and case-insensitive ILIKE, the same on both databases. */
function compare(caps: DialectCaps, col: Expression<unknown> | string, op: string, value: unknown): Expression<SqlBool> {
  const ref = typeof col === 'string' ? sql.ref(col) : col;
  switch (op) {
    case 'LIKE':
      // SQLite's LIKE ignores ASCII case; GLOB is its case-sensitive twin.
      return caps.name === 'sqlite' ? sql<SqlBool>`${ref} GLOB ${likeToGlob(String(value))}` : sql<SqlBool>`${ref} LIKE ${value}`;
    case 'ILIKE':
      return caps.name === 'sqlite' ? sql<SqlBool>`${ref} LIKE ${value}` : sql<SqlBool>`${ref} ILIKE ${value}`;
    case 'IN':
      return sql<SqlBool>`${ref} IN (${sql.join((value as string[]).map((v) => sql`${v}`))})`;
    case '=':
    case '!=':
    case '<':
    case '<=':
    case '>':
    case '>=':
      return sql<SqlBool>`${ref} ${sql.raw(op === '!=' ? '<>' : op)} ${value}`;
    default:
      throw new Error(`unknown comparator ${op}`);
  }
}

type Tag = { table: 'model_tags' | 'version_tags'; owner: 'model_id' | 'version_id'; ownerRef: string };

/** A tag comparison matches only owners that have the tag, except the prompt marker (absent = not a prompt). */
function tagCondition(eb: ExpressionBuilder<any, any>, caps: DialectCaps, tag: Tag, c: Extract<Comparison, { kind: 'tag' }>) {
  const sub = (op: string) =>
    eb
      .selectFrom(`${tag.table} as t` as any)
      .select(sql.lit(1).as('one'))
      .whereRef(`t.${tag.owner}` as any, '=', tag.ownerRef as any)
      .where('t.key' as any, '=', c.key)
      .where(compare(caps, 't.value', op, c.value));
  if (c.key === PROMPT_TAG && c.op === '!=') return eb.not(eb.exists(sub('=')));
  return eb.exists(sub(c.op));
}

/** Prompt models are few (usually none): one lookup, then a NOT IN, instead of an EXISTS per row. */
async function promptModelIds(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('model_tags').select('model_id').where('key', '=', PROMPT_TAG).where('value', '=', 'true').execute();
  return rows.map((r) => r.model_id);
}

const MODEL_ORDER: Record<string, string> = { name: 'm.name', last_updated_timestamp: 'm.updated_at', creation_timestamp: 'm.created_at' };

export async function searchModelRows(db: Db, caps: DialectCaps, where: Comparison[], order: OrderClause[], offset: number, limit: number) {
  let q = db.selectFrom('models as m').selectAll('m').where('m.deleted_at', 'is', null);
  for (const c of where) {
    q = q.where((eb) => (c.kind === 'tag' ? tagCondition(eb, caps, { table: 'model_tags', owner: 'model_id', ownerRef: 'm.id' }, c) : compare(caps, 'm.name', c.op, c.value)));
  }
  // Prompts share the tables; they stay out of searches unless the filter asks about them.
  if (!where.some((c) => c.kind === 'tag' && c.key === PROMPT_TAG)) {
    const prompts = await promptModelIds(db);
    if (prompts.length) q = q.where('m.id', 'not in', prompts);
  }
  for (const o of order) q = q.orderBy(sql.ref(MODEL_ORDER[o.key]), o.desc ? 'desc' : 'asc');
  if (!order.some((o) => o.key === 'name')) q = q.orderBy('m.name', 'asc');
  return q.offset(offset).limit(limit).execute();
}

const VERSION_ATTRS: Record<string, string> = { name: 'm.name', run_id: 'v.run_id', source_path: 'v.source', version_number: 'v.version' };
const VERSION_ORDER: Record<string, string> = {
  name: 'm.name',
  version_number: 'v.version',
  creation_timestamp: 'v.created_at',
  last_updated_timestamp: 'v.updated_at',
};

export async function searchVersionRows(db: Db, caps: DialectCaps, where: Comparison[], order: OrderClause[], offset: number, limit: number) {
  let q = versionQuery(db);
  for (const c of where) {
    q = q.where((eb) =>
      c.kind === 'tag'
        ? tagCondition(eb, caps, { table: 'version_tags', owner: 'version_id', ownerRef: 'v.id' }, c)
        : // run ids are lowercase hex: MLflow silently drops list entries with capitals.
          compare(caps, VERSION_ATTRS[c.key], c.op, c.op === 'IN' ? (c.value as string[]).filter((v) => v === v.toLowerCase()).concat(['']) : c.value),
    );
  }
  const prompts = await promptModelIds(db);
  if (prompts.length) q = q.where('m.id', 'not in', prompts);
  const ordering = order.length ? [...order] : [{ key: 'last_updated_timestamp', desc: true }];
  if (!ordering.some((o) => o.key === 'name')) ordering.push({ key: 'name', desc: false });
  if (!ordering.some((o) => o.key === 'version_number')) ordering.push({ key: 'version_number', desc: true });
  for (const o of ordering) q = q.orderBy(sql.ref(VERSION_ORDER[o.key]), o.desc ? 'desc' : 'asc');
  return (await q.offset(offset).limit(limit).execute()) as MlVersionRow[];
}

