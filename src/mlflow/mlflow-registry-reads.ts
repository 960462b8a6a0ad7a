// MLflow's search_registered_models / search_model_versions: MLflow's filter grammar (parsed by
// mlflow-search-filter.ts) translated into the kernel's filtered searches, which hold the SQL.
import type { Deps } from '../deps.js';
import { filterModels, filterVersions, type FilteredVersionSearch, type FilterOp, type ModelRow, type ModelSearch, type NamedVersion } from '../registry/index.js';
import type { Comparison, OrderClause } from './mlflow-search-filter.js';

/** MLflow's prompts are registered models with this tag; they share the tables but not the searches. */
export const PROMPT_TAG = 'mlflow.prompt.is_prompt';
const PROMPTS = { key: PROMPT_TAG, value: 'true' };

/** A tag comparison matches only owners that have the tag. */
function tagFilter(c: Extract<Comparison, { kind: 'tag' }>) {
  // The parser admits only the comparators of its grammar, all of which the kernel's search knows.
  return { tag: c.key, op: c.op as FilterOp, value: c.value };
}

/**
 * MLflow 3's rule (SqlAlchemyStore._is_querying_prompt): the first comparison on the prompt marker
 * decides. `= 'true'` or `!= 'false'` (value in any case) asks for prompts, and the comparisons
 * then apply as written; anything else (none, `= 'false'`, `!= 'true'`, LIKE, …) asks for models:
 * the marker comparisons are dropped and prompts left out, so `= 'false'` and `!= 'true'` agree.
 */
export function promptScope(where: Comparison[]): { where: Comparison[]; prompts: boolean } {
  const first = where.find((c) => c.kind === 'tag' && c.key === PROMPT_TAG);
  const value = typeof first?.value === 'string' ? first.value.toLowerCase() : '';
  const prompts = !!first && ((first.op === '=' && value === 'true') || (first.op === '!=' && value === 'false'));
  return prompts ? { where, prompts } : { where: where.filter((c) => !(c.kind === 'tag' && c.key === PROMPT_TAG)), prompts };
}

const MODEL_ORDER = { name: 'name', last_updated_timestamp: 'updated_at', creation_timestamp: 'created_at' } as const;

export async function searchMlModels(deps: Deps, filter: Comparison[], order: OrderClause[], offset: number, limit: number): Promise<ModelRow[]> {
  const { where, prompts } = promptScope(filter);
  const q: ModelSearch = {
    where: where.map((c) => (c.kind === 'tag' ? tagFilter(c) : { field: 'name', op: c.op as FilterOp, value: c.value })),
    order: order.map((o) => ({ by: MODEL_ORDER[o.key as keyof typeof MODEL_ORDER], desc: o.desc })),
    // Prompts stay out of searches unless the filter asks for them.
    excludeModelsTagged: prompts ? undefined : PROMPTS,
    offset,
    limit,
  };
  return filterModels(deps.db, deps.caps, q);
}

const VERSION_FIELDS = { name: 'name', run_id: 'run_id', source_path: 'source', version_number: 'version' } as const;
const VERSION_ORDER = { name: 'name', version_number: 'version', creation_timestamp: 'created_at', last_updated_timestamp: 'updated_at' } as const;

function versionFilter(c: Comparison): FilteredVersionSearch['where'][number] {
  if (c.kind === 'tag') return tagFilter(c);
  // run ids are lowercase hex: MLflow silently drops list entries with capitals ('' keeps the list non-empty).
  const value = c.op === 'IN' ? (c.value as string[]).filter((v) => v === v.toLowerCase()).concat(['']) : c.value;
  return { field: VERSION_FIELDS[c.key as keyof typeof VERSION_FIELDS], op: c.op as FilterOp, value };
}

export async function searchMlVersions(deps: Deps, filter: Comparison[], order: OrderClause[], offset: number, limit: number): Promise<NamedVersion[]> {
  const { where, prompts } = promptScope(filter);
  const q: FilteredVersionSearch = {
    where: where.map(versionFilter),
    // MLflow's default: most recently updated first (the kernel then breaks ties by name, version desc).
    order: order.length ? order.map((o) => ({ by: VERSION_ORDER[o.key as keyof typeof VERSION_ORDER], desc: o.desc })) : [{ by: 'updated_at', desc: true }],
    excludeModelsTagged: prompts ? undefined : PROMPTS,
    offset,
    limit,
  };
  return filterVersions(deps.db, deps.caps, q);
}
