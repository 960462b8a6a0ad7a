// runs/search: MLflow's run filter (metrics.<k> <op> <number>, params./tags. string comparisons,
// attributes status/run_name/user_id/start_time/end_time/run_id IN) and order_by on any of them.
// Runs of the requested experiments are filtered in memory: experiments hold hundreds to a few
// thousand runs, and a metric's "latest value" semantics are awkward to express portably in SQL.
import type { Deps } from '../deps.js';
import { badParam } from './mlflow-errors.js';
import type { MlflowRunsTable } from './mlflow-tables.js';
import { parseFilter, type Comparison } from './mlflow-search-filter.js';
import { listRuns, runData } from './mlflow-tracking-store.js';

/** More runs than this in the searched experiments is refused rather than scanned. */
const MAX_SCANNED = 50_000;

const RUN_ATTRS = {
  run_id: { type: 'string' as const, allowIn: true },
  run_name: { type: 'string' as const },
  status: { type: 'string' as const },
  user_id: { type: 'string' as const },
  artifact_uri: { type: 'string' as const },
  start_time: { type: 'number' as const },
  end_time: { type: 'number' as const },
};

interface RunView {
  run: MlflowRunsTable;
  attrs: Record<string, string | number | null>;
  metrics: Map<string, number>;
  params: Map<string, string>;
  tags: Map<string, string>;
}

function likeRegex(pattern: string, flags: string): RegExp {
  const body = pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
  return new RegExp(`^${body}$`, flags);
}

/** One comparison of MLflow's grammar evaluated on a value (undefined = the entity lacks it: no match). */
export function matches(actual: string | number | null | undefined, op: string, expected: unknown): boolean {
  if (actual === undefined || actual === null) return false;
  switch (op) {
    case '=':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case 'LIKE':
      return likeRegex(String(expected), 's').test(String(actual));
    case 'ILIKE':
      return likeRegex(String(expected), 'si').test(String(actual));
    case 'IN':
      return (expected as string[]).includes(String(actual));
    case '<':
      return Number(actual) < (expected as number);
    case '<=':
      return Number(actual) <= (expected as number);
    case '>':
      return Number(actual) > (expected as number);
    case '>=':
      return Number(actual) >= (expected as number);
    default:
      return false;
  }
}

function valueOf(v: RunView, c: { kind: string; key: string }): string | number | null | undefined {
  if (c.kind === 'metric') return v.metrics.get(c.key);
  if (c.kind === 'param') return v.params.get(c.key);
  if (c.kind === 'tag') return v.tags.get(c.key);
  return v.attrs[c.key];
}

/** "metrics.acc DESC", "attributes.start_time", "params.C ASC", "tags.`a b`". */
function parseRunOrder(clauses: string[]) {
  return clauses.map((clause) => {
    const m = /^\s*(?:(attributes?|metrics?|params?|tags?)\.)?(`[^`]+`|"[^"]+"|[\w.\-:/ ]+?)(?:\s+(asc|desc))?\s*$/i.exec(clause);
    if (!m) throw badParam(`Invalid order_by clause '${clause}'. Could not be parsed.`);
    const entity = (m[1] ?? 'attribute').toLowerCase().replace(/s$/, '');
    const kind = entity === 'attribute' ? 'attr' : entity;
    const key = m[2].replace(/^[`"]|[`"]$/g, '');
    if (kind === 'attr' && !(key in RUN_ATTRS)) throw badParam(`Invalid attribute key '${key}' specified in order_by.`);
    return { kind, key, desc: (m[3] ?? 'asc').toLowerCase() === 'desc' };
  });
}

async function loadViews(deps: Deps, experimentIds: number[], stage: string | undefined): Promise<RunView[]> {
  const runs = await listRuns(deps.db, { experimentIds, stage, offset: 0, limit: MAX_SCANNED + 1, order: [] });
  if (runs.length > MAX_SCANNED) throw badParam(`runs/search scans at most ${MAX_SCANNED} runs; narrow experiment_ids`);
  const views = new Map<string, RunView>();
  for (const run of runs) {
    const attrs = { run_id: run.run_id, run_name: run.run_name, status: run.status, user_id: run.user_id, artifact_uri: run.artifact_uri, start_time: Number(run.start_time), end_time: run.end_time === null ? null : Number(run.end_time) };
    views.set(run.run_id, { run, attrs, metrics: new Map(), params: new Map(), tags: new Map() });
  }
  const ids = [...views.keys()];
  // Chunked: SQLite limits bound parameters per statement.
  for (let i = 0; i < ids.length; i += 500) {
    const data = await runData(deps.db, ids.slice(i, i + 500));
    const latest = new Map<string, { step: number; ts: number }>();
    for (const m of data.metrics) {
      const id = `${m.run_id}\u0000${m.key}`;
      const prev = latest.get(id);
      const cur = { step: Number(m.step), ts: Number(m.timestamp) };
      if (prev && (cur.step < prev.step || (cur.step === prev.step && cur.ts < prev.ts))) continue;
      latest.set(id, cur);
      views.get(m.run_id)!.metrics.set(m.key, Number(m.value));
    }
    for (const p of data.params) views.get(p.run_id)!.params.set(p.key, p.value);
    for (const t of data.tags) views.get(t.run_id)!.tags.set(t.key, t.value);
  }
  return [...views.values()];
}

export async function searchRuns(
  deps: Deps,
  q: { experimentIds: number[]; stage: string | undefined; filter?: string; orderBy: string[]; offset: number; limit: number },
): Promise<MlflowRunsTable[]> {
  const where: Comparison[] = parseFilter(q.filter, RUN_ATTRS, { runs: true });
  const order = parseRunOrder(q.orderBy);
  const views = (await loadViews(deps, q.experimentIds, q.stage)).filter((v) => where.every((c) => matches(valueOf(v, c), c.op, c.value)));
  // Missing values sort last, as in MLflow; then start_time DESC, run_id as tie-breaks.
  const keys = [...order, { kind: 'attr', key: 'start_time', desc: true }, { kind: 'attr', key: 'run_id', desc: false }];
  views.sort((a, b) => {
    for (const k of keys) {
      const x = valueOf(a, k);
      const y = valueOf(b, k);
      if (x === y) continue;
      if (x === undefined || x === null) return 1;
      if (y === undefined || y === null) return -1;
      const cmp = x < y ? -1 : 1;
      return k.desc ? -cmp : cmp;
    }
    return 0;
  });
  return views.slice(q.offset, q.offset + q.limit).map((v) => v.run);
}
