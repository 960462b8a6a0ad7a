// logged-models/search: MLflow's logged-model filter (attributes name, model_id, model_type, status,
// source_run_id, creation/last-updated timestamps; params., tags. string comparisons; metrics.
// numeric comparisons on any point, optionally restricted to datasets), order_by as
// [{field_name, ascending, dataset_name, dataset_digest}] (attributes or metrics.<key>, by the latest
// point), and MLflow's page tokens (which must match the request they came from). The experiments'
// models are filtered in memory, as runs/search does.
import type { Deps } from '../deps.js';
import { badParam } from './mlflow-errors.js';
import { pyJsonDumps } from './mlflow-logged-models-json.js';
import type { MlflowLoggedModelMetricsTable, MlflowLoggedModelsTable } from './mlflow-logged-models-tables.js';
import { activeLoggedModels, loggedModelData } from './mlflow-logged-models-store.js';
import { matches } from './mlflow-run-search.js';
import { parseFilter, type AttrSpec, type Comparison } from './mlflow-search-filter.js';

const MAX_SCANNED = 50_000;

const STRING_ATTRS = ['name', 'model_id', 'model_type', 'status', 'source_run_id'];
const NUMBER_ATTRS: Record<string, 'creation_time' | 'last_update_time'> = {
  creation_timestamp: 'creation_time',
  creation_time: 'creation_time',
  creation_timestamp_ms: 'creation_time',
  last_updated_timestamp: 'last_update_time',
  last_updated_time: 'last_update_time',
  last_updated_timestamp_ms: 'last_update_time',
};
const ATTRS: Record<string, AttrSpec> = {
  ...Object.fromEntries(STRING_ATTRS.map((k) => [k, { type: 'string' as const, allowIn: true }])),
  ...Object.fromEntries(Object.keys(NUMBER_ATTRS).map((k) => [k, { type: 'number' as const }])),
};

export interface DatasetFilter {
  dataset_name: string;
  dataset_digest?: string;
}

export interface OrderBy {
  field_name: string;
  ascending: boolean;
  dataset_name: string | null;
  dataset_digest: string | null;
}

export interface LoggedModelSearch {
  experimentIds: string[];
  filter?: string;
  datasets: DatasetFilter[];
  orderBy: OrderBy[];
  pageToken?: string;
  maxResults: number;
}

interface View {
  model: MlflowLoggedModelsTable;
  params: Map<string, string>;
  tags: Map<string, string>;
  metrics: MlflowLoggedModelMetricsTable[];
}

/** Statuses compare by MLflow's enum name, with or without its LOGGED_MODEL_ prefix. */
const statusName = (s: string) => s.replace(/^LOGGED_MODEL_/, '');

function attrValue(v: View, key: string): string | number | null {
  if (key in NUMBER_ATTRS) return Number(v.model[NUMBER_ATTRS[key]]);
  if (key === 'status') return statusName(v.model.status);
  const value = v.model[key as 'name' | 'model_id' | 'model_type' | 'source_run_id'];
  return value ?? null;
}

const onDataset = (m: MlflowLoggedModelMetricsTable, d: { dataset_name?: string | null; dataset_digest?: string | null }) =>
  (!d.dataset_name || m.dataset_name === d.dataset_name) && (!d.dataset_digest || m.dataset_digest === d.dataset_digest);

function clauseMatches(v: View, c: Comparison, datasets: DatasetFilter[]): boolean {
  switch (c.kind) {
    case 'param':
      return matches(v.params.get(c.key), c.op, c.value);
    case 'tag':
      return matches(v.tags.get(c.key), c.op, c.value);
    case 'metric':
      return v.metrics.some((m) => m.key === c.key && (datasets.length === 0 || datasets.some((d) => onDataset(m, d))) && matches(Number(m.value), c.op, c.value));
    default: {
      const expected = c.key === 'status' ? (Array.isArray(c.value) ? c.value.map(statusName) : statusName(String(c.value))) : c.value;
      return matches(attrValue(v, c.key), c.op, expected);
    }
  }
}

/** The latest point of a metric (by timestamp, then step) on the order's dataset. */
function latestMetric(v: View, o: OrderBy): number | null {
  const key = o.field_name.slice('metrics.'.length);
  let best: MlflowLoggedModelMetricsTable | null = null;
  for (const m of v.metrics) {
    if (m.key !== key || !onDataset(m, o)) continue;
    if (!best || Number(m.timestamp) > Number(best.timestamp) || (Number(m.timestamp) === Number(best.timestamp) && Number(m.step) > Number(best.step))) best = m;
  }
  return best ? Number(best.value) : null;
}

export function parseOrderBy(raw: unknown): OrderBy[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw badParam('`order_by` must be a list of dictionaries.');
  return raw.map((o) => {
    if (typeof o !== 'object' || o === null) throw badParam('`order_by` must be a list of dictionaries.');
    const r = o as Record<string, unknown>;
    const field = typeof r.field_name === 'string' ? r.field_name.trim() : '';
    if (!field) throw badParam('`field_name` in the `order_by` clause must be specified.');
    if (field.includes('.')) {
      if (!field.startsWith('metrics.')) throw badParam(`Invalid order by field name: ${field}. Only metrics are supported.`);
    } else if (!(field in ATTRS)) {
      throw badParam(`Invalid order by field name: ${field}`);
    }
    const ascending = r.ascending === undefined || r.ascending === null ? true : r.ascending;
    if (typeof ascending !== 'boolean') throw badParam(`Value of \`ascending\` in the \`order_by\` clause must be a boolean, got ${typeof ascending} for field ${field}.`);
    const dataset_name = typeof r.dataset_name === 'string' && r.dataset_name ? r.dataset_name : null;
    const dataset_digest = typeof r.dataset_digest === 'string' && r.dataset_digest ? r.dataset_digest : null;
    if (dataset_digest && !dataset_name) throw badParam('`dataset_digest` can only be specified if `dataset_name` is also specified.');
    return { field_name: field, ascending, dataset_name, dataset_digest };
  });
}

function compareViews(a: View, b: View, order: OrderBy[]): number {
  for (const o of order) {
    const x = o.field_name.startsWith('metrics.') ? latestMetric(a, o) : attrValue(a, o.field_name);
    const y = o.field_name.startsWith('metrics.') ? latestMetric(b, o) : attrValue(b, o.field_name);
    if (x === y) continue;
    // Missing values last, whichever the direction (MLflow sorts NULLs last explicitly).
    if (x === null) return 1;
    if (y === null) return -1;
    const cmp = x < y ? -1 : 1;
    return o.ascending ? cmp : -cmp;
  }
  return 0;
}

/** MLflow's token: base64 of {"experiment_ids", "filter_string", "order_by", "offset"}, checked against the request. */
function encodeToken(q: LoggedModelSearch, offset: number): string {
  const orderBy = q.orderBy.length ? q.orderBy : null;
  return Buffer.from(pyJsonDumps({ experiment_ids: q.experimentIds, filter_string: q.filter || null, order_by: orderBy, offset })).toString('base64');
}

function decodeToken(q: LoggedModelSearch): number {
  if (!q.pageToken) return 0;
  let token: Record<string, unknown>;
  try {
    if (!/^[A-Za-z0-9+/=_-]+$/.test(q.pageToken)) throw new Error('not base64');
    token = JSON.parse(Buffer.from(q.pageToken, 'base64').toString('utf8')) as Record<string, unknown>;
    if (typeof token !== 'object' || token === null) throw new Error('not an object');
  } catch {
    // Never echo the decoded bytes: they may be anything.
    throw badParam('Invalid page token: it was not issued by logged-models/search.');
  }
  const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
  if (!same(token.experiment_ids, q.experimentIds)) {
    throw badParam(`Experiment IDs in the page token do not match the requested experiment IDs. Expected: ${pyJsonDumps(q.experimentIds)}. Found: ${pyJsonDumps(token.experiment_ids ?? null)}`);
  }
  if (!same(token.filter_string, q.filter || null)) {
    throw badParam(`Filter string in the page token does not match the requested filter string. Expected: ${q.filter || 'None'}. Found: ${typeof token.filter_string === 'string' ? token.filter_string : 'None'}`);
  }
  if (!same(token.order_by, q.orderBy.length ? q.orderBy : null)) throw badParam('Order by in the page token does not match the requested order by.');
  const offset = token.offset;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) throw badParam('Invalid page token: bad offset.');
  return offset;
}

export async function searchLoggedModels(deps: Deps, q: LoggedModelSearch): Promise<{ models: MlflowLoggedModelsTable[]; nextPageToken?: string }> {
  if (q.datasets.some((d) => !d.dataset_name)) throw badParam('`dataset_name` in the `datasets` clause must be specified.');
  const where = parseFilter(q.filter, ATTRS, { runs: true });
  const offset = decodeToken(q);
  const ids = q.experimentIds.map((id) => {
    if (!/^\d+$/.test(id) || !Number.isSafeInteger(Number(id))) throw badParam(`Invalid experiment ID: '${id}'`);
    return Number(id);
  });
  // Only what the filter and order look at is loaded for the scan (the page's JSON loads the rest).
  const want = {
    params: where.some((c) => c.kind === 'param'),
    tags: where.some((c) => c.kind === 'tag'),
    metrics: where.some((c) => c.kind === 'metric') || q.datasets.length > 0 || q.orderBy.some((o) => o.field_name.startsWith('metrics.')),
  };
  // No filter and the default order: the database's order is the answer, so read just the page (and one more).
  const plain = where.length === 0 && q.datasets.length === 0 && q.orderBy.length === 0;
  const models = await activeLoggedModels(deps.db, ids, plain ? offset + q.maxResults + 1 : MAX_SCANNED + 1);
  if (models.length > MAX_SCANNED) throw badParam(`logged-models/search scans at most ${MAX_SCANNED} models; narrow experiment_ids`);
  const views: View[] = models.map((model) => ({ model, params: new Map(), tags: new Map(), metrics: [] }));
  const byId = new Map(views.map((v) => [v.model.model_id, v]));
  for (let i = 0; i < views.length && (want.params || want.tags || want.metrics); i += 500) {
    const data = await loggedModelData(deps.db, views.slice(i, i + 500).map((v) => v.model.model_id), want);
    for (const p of data.params) byId.get(p.model_id)!.params.set(p.key, p.value);
    for (const t of data.tags) byId.get(t.model_id)!.tags.set(t.key, t.value);
    for (const m of data.metrics) byId.get(m.model_id)!.metrics.push(m);
  }
  const hasMetricClause = where.some((c) => c.kind === 'metric');
  const kept = views.filter(
    (v) => where.every((c) => clauseMatches(v, c, q.datasets)) && (hasMetricClause || q.datasets.length === 0 || v.metrics.some((m) => q.datasets.some((d) => onDataset(m, d)))),
  );
  // Newest first unless the order names the creation time; model_id breaks ties so pages are stable.
  const order = [...q.orderBy];
  if (!order.some((o) => NUMBER_ATTRS[o.field_name] === 'creation_time')) order.push({ field_name: 'creation_timestamp', ascending: false, dataset_name: null, dataset_digest: null });
  order.push({ field_name: 'model_id', ascending: true, dataset_name: null, dataset_digest: null });
  kept.sort((a, b) => compareViews(a, b, order));
  const page = kept.slice(offset, offset + q.maxResults);
  return { models: page.map((v) => v.model), nextPageToken: kept.length > offset + q.maxResults ? encodeToken(q, offset + q.maxResults) : undefined };
}
