// Filterable searches over live models and versions: a conjunction of field and tag conditions, an
// ordering and an offset page. A read model like those of read-models.ts (it joins models, versions
// and their tags), general on purpose: a door with its own filter grammar (MLflow's search_* calls)
// parses it itself and translates it into these conditions, so the SQL on the kernel's tables stays here.
import { sql, type Expression, type SqlBool } from 'kysely';
import type { DialectCaps } from '../db/dialect.js';
import type { Db } from '../db/tables.js';
import type { ModelRow } from './models/models.js';
import { namedVersions, type NamedVersion } from './read-models.js';

/** `LIKE` matches case-sensitively and `ILIKE` ignores case, the same on both databases; `IN` takes a list. */
export type FilterOp = '=' | '!=' | 'LIKE' | 'ILIKE' | 'IN' | '<' | '<=' | '>' | '>=';

/**
 * One condition of a search. On a field: the field compares to the value. On a tag: the row has a tag
 * `tag` whose value compares to the value (a row without the tag never matches), or, with `none`,
 * the row has no such tag (a row without the tag matches).
 */
export type SearchFilter<Field extends string> =
  | { field: Field; op: FilterOp; value: string | number | string[] }
  | { tag: string; op: FilterOp; value: string; none?: boolean };

export interface FilteredSearch<Field extends string, Order extends string> {
  /** All must hold. */
  where: Array<SearchFilter<Field>>;
  /** Ties are broken by model name, then (versions) by version, highest first, so offset pages are stable. */
  order: Array<{ by: Order; desc: boolean }>;
  /**
   * Leaves out models carrying this tag, and their versions. Such models are expected to be few
   * (MLflow's prompts share the tables): one lookup, then a NOT IN, rather than a NOT EXISTS per row.
   */
  excludeModelsTagged?: { key: string; value: string };
  offset: number;
  limit: number;
}

export type ModelSearch = FilteredSearch<'name', 'name' | 'created_at' | 'updated_at'>;
export type FilteredVersionSearch = FilteredSearch<'name' | 'run_id' | 'source' | 'version', 'name' | 'version' | 'created_at' | 'updated_at'>;

function likeToGlob(pattern: string): string {
  return pattern.replace(/[[*?%_]/g, (c) => ({ '[': '[[]', '*': '[*]', '?': '[?]', '%': '*', _: '?' })[c]!);
}

function compare(caps: DialectCaps, col: string, op: FilterOp, value: unknown): Expression<SqlBool> {
  const ref = sql.ref(col);
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
      throw new Error(`unknown comparator ${String(op)}`);
  }
}

async function taggedModelIds(db: Db, tag: { key: string; value: string } | undefined): Promise<string[]> {
  if (!tag) return [];
  const rows = await db.selectFrom('model_tags').select('model_id').where('key', '=', tag.key).where('value', '=', tag.value).execute();
  return rows.map((r) => r.model_id);
}

const MODEL_COLUMNS = { name: 'm.name', created_at: 'm.created_at', updated_at: 'm.updated_at' } as const;

/** Live models matching every condition, in the order asked (then by name), one page. */
export async function filterModels(db: Db, caps: DialectCaps, q: ModelSearch): Promise<ModelRow[]> {
  let query = db.selectFrom('models as m').selectAll('m').where('m.deleted_at', 'is', null);
  for (const f of q.where) {
    query = query.where((eb) => {
      if (!('tag' in f)) return compare(caps, MODEL_COLUMNS[f.field], f.op, f.value);
      const match = eb.exists(
        eb
          .selectFrom('model_tags as t')
          .select(sql.lit(1).as('one'))
          .whereRef('t.model_id', '=', 'm.id')
          .where('t.key', '=', f.tag)
          .where(compare(caps, 't.value', f.op, f.value)),
      );
      return f.none ? eb.not(match) : match;
    });
  }
  const excluded = await taggedModelIds(db, q.excludeModelsTagged);
  if (excluded.length) query = query.where('m.id', 'not in', excluded);
  for (const o of q.order) query = query.orderBy(sql.ref(MODEL_COLUMNS[o.by]), o.desc ? 'desc' : 'asc');
  if (!q.order.some((o) => o.by === 'name')) query = query.orderBy('m.name', 'asc');
  return query.offset(q.offset).limit(q.limit).execute();
}

const VERSION_COLUMNS = {
  name: 'm.name',
  run_id: 'v.run_id',
  source: 'v.source',
  version: 'v.version',
  created_at: 'v.created_at',
  updated_at: 'v.updated_at',
} as const;

/** Live versions of live models matching every condition, in the order asked (then name, version desc), one page. */
export async function filterVersions(db: Db, caps: DialectCaps, q: FilteredVersionSearch): Promise<NamedVersion[]> {
  let query = namedVersions(db);
  for (const f of q.where) {
    query = query.where((eb) => {
      if (!('tag' in f)) return compare(caps, VERSION_COLUMNS[f.field], f.op, f.value);
      const match = eb.exists(
        eb
          .selectFrom('version_tags as t')
          .select(sql.lit(1).as('one'))
          .whereRef('t.version_id', '=', 'v.id')
          .where('t.key', '=', f.tag)
          .where(compare(caps, 't.value', f.op, f.value)),
      );
      return f.none ? eb.not(match) : match;
    });
  }
  const excluded = await taggedModelIds(db, q.excludeModelsTagged);
  if (excluded.length) query = query.where('m.id', 'not in', excluded);
  const order = [...q.order];
  if (!order.some((o) => o.by === 'name')) order.push({ by: 'name', desc: false });
  if (!order.some((o) => o.by === 'version')) order.push({ by: 'version', desc: true });
  for (const o of order) query = query.orderBy(sql.ref(VERSION_COLUMNS[o.by]), o.desc ? 'desc' : 'asc');
  return query.offset(q.offset).limit(q.limit).execute();
}
