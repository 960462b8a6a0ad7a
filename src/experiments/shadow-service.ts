// Shadow runs: mirror a share of a model's requests to a candidate off the response path and
// compare. Start and stop are events (gateways install the mirror from them); the report is the
// live statistics while running and the stored ones after.
import type { Deps } from '../deps.js';
import { conflict, invalid, notFound } from '../errors.js';
import { commit, getModel, requireModel, requireVersion, withModelNames, type RegistryEvent } from '../registry/index.js';
import { requireFreeExperimentSlot } from './experiment-slot.js';
import type { ShadowRegistry } from './shadow-mirror.js';
import type { ShadowResultsBatch } from './shadow-shipping.js';
import { ShadowStats, type ShadowSummary } from './shadow-stats.js';
import { finishShadow, insertShadow, latestShadow, runningShadow, runningShadowById, runningShadows, type ShadowRow } from './shadow-store.js';

export interface ShadowView {
  id: string;
  model: string;
  version: number;
  serving_version: number | null;
  percent: number;
  status: 'running' | 'stopped';
  started_at: string;
  stopped_at: string | null;
  created_by: string;
  report: ShadowSummary | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

function toView(row: ShadowRow, model: string, live: ShadowRegistry): ShadowView {
  const stored = JSON.parse(row.stats) as { serving_version: number | null; report: ShadowSummary | null };
  const report = row.status === 'running' ? live.get(row.id)?.summary() ?? null : stored.report;
  return { id: row.id, model, version: row.version, serving_version: stored.serving_version, percent: Number(row.percent), status: row.status as ShadowView['status'], started_at: iso(row.started_at)!, stopped_at: iso(row.stopped_at), created_by: row.created_by, report };
}

export async function startShadow(deps: Deps, live: ShadowRegistry, actor: string, modelName: string, input: { version: number; percent: number; task?: 'classification' | 'regression' }) {
  if (!(input.percent > 0 && input.percent <= 100)) throw invalid('percent must be above 0 and at most 100');
  const { model, row: cand } = await requireVersion(deps.db, modelName, input.version);
  if (cand.status !== 'READY') throw conflict(`version ${input.version} is ${cand.status}`);
  const serving = (await getModel(deps, modelName)).stages.Production;
  if (serving === input.version) throw conflict(`version ${input.version} is the one serving; shadow a different version`);
  const now = deps.clock.now();
  const row: ShadowRow = { id: deps.ids.uuid(), model_id: model.id, version: input.version, percent: input.percent, status: 'running', stats: JSON.stringify({ serving_version: serving, report: null }), created_by: actor, started_at: now, stopped_at: null };
  await commit(deps, async (trx, append) => {
    await requireFreeExperimentSlot(trx, { id: model.id, name: modelName }, 'shadow');
    await insertShadow(trx, row);
    await append({ actor, type: 'shadow.started', model, version: input.version, details: { shadow_id: row.id, candidate: input.version, percent: input.percent, serving_version: serving, task: input.task ?? 'classification' } });
  });
  return toView(row, model.name, live);
}

export async function stopShadow(deps: Deps, live: ShadowRegistry, actor: string, modelName: string, reason?: string) {
  const model = await requireModel(deps.db, modelName);
  const row = await runningShadow(deps.db, model.id);
  if (!row) throw conflict(`"${modelName}" has no shadow running`);
  const report = live.get(row.id)?.summary() ?? null;
  const stored = JSON.parse(row.stats) as { serving_version: number | null };
  const now = deps.clock.now();
  await commit(deps, async (trx, append) => {
    if (!(await finishShadow(trx, row.id, { stats: JSON.stringify({ ...stored, report }), stopped_at: now }))) throw conflict('shadow stopped concurrently');
    await append({ actor, type: 'shadow.stopped', model, version: row.version, reason: reason ?? null, details: { shadow_id: row.id, report } });
  });
  live.delete(row.id);
  return toView({ ...row, status: 'stopped', stopped_at: now, stats: JSON.stringify({ ...stored, report }) }, model.name, live);
}

export async function getShadow(deps: Deps, live: ShadowRegistry, modelName: string) {
  const model = await requireModel(deps.db, modelName);
  const row = await latestShadow(deps.db, model.id);
  if (!row) throw notFound(`"${modelName}" has never run a shadow`);
  return toView(row, model.name, live);
}

/** Every running shadow with its model's name (a deleted model's too, as it always was), in two queries. */
async function namedRunningShadows(deps: Deps) {
  return withModelNames(deps.db, await runningShadows(deps.db), { includeDeleted: true });
}

/** Every running shadow as the event a gateway would have followed (for a gateway that starts mid-run). */
export async function runningShadowEvents(deps: Deps): Promise<RegistryEvent[]> {
  const rows = await namedRunningShadows(deps);
  return rows.map((r) => ({ id: 0, time: iso(r.started_at)!, time_ms: Number(r.started_at), actor: r.created_by, model: r.model_name, version: r.version, type: 'shadow.started', target: null, from: null, to: null, reason: 'restored', details: { shadow_id: r.id, candidate: r.version, percent: Number(r.percent) } }));
}

/** Every running shadow in one query (the UI's models list badges). */
export async function runningShadowSummaries(deps: Deps): Promise<Array<{ model: string; version: number; percent: number }>> {
  const rows = await namedRunningShadows(deps);
  return rows.map((r) => ({ model: r.model_name, version: r.version, percent: Number(r.percent) }));
}

/** Comparisons a standalone replica made, added to the live statistics of a running shadow. */
export async function addReplicaShadowResults(deps: Deps, live: ShadowRegistry, batch: ShadowResultsBatch): Promise<number> {
  let stats = live.get(batch.shadow_id);
  if (!stats) {
    // Only a running shadow accepts results: a late or stray batch must not grow the registry.
    if (!(await runningShadowById(deps.db, batch.shadow_id))) throw notFound(`no running shadow ${batch.shadow_id}`);
    stats = new ShadowStats(batch.task);
    live.set(batch.shadow_id, stats);
  }
  stats.dropped += batch.dropped;
  for (const r of batch.results) {
    if (r.served && r.shadow) stats.record(r.latency_ms, r.served, r.shadow);
    else stats.recordError(r.latency_ms);
  }
  return batch.results.length;
}
