// MLflow tracking RPCs: experiments and runs, the subset log_model / register_model / load_model use.
import type { FastifyInstance } from 'fastify';
import type { Deps } from '../deps.js';
import { badParam, missingParam } from './mlflow-errors.js';
import { decodePageToken, encodePageToken, maxResults } from './mlflow-search-filter.js';
import * as tracking from './mlflow-tracking-service.js';
import { listExperiments } from './mlflow-tracking-store.js';
import { matches, searchRuns } from './mlflow-run-search.js';
import { modelRefs } from './mlflow-logged-models-routes.js';
import { recordModelMetrics, recordRunModels } from './mlflow-logged-models-service.js';
import { parseFilter } from './mlflow-search-filter.js';
import { validateTagKey } from './mlflow-rules.js';
import { intParam, keyValues, listParam, numberParam, optString, reqString, rpc, type Input } from './mlflow-transport.js';

/** Clients send both run_id and the older run_uuid; either names the run. */
function runIdOf(input: Input): string {
  const id = optString(input, 'run_id') || optString(input, 'run_uuid');
  if (!id) throw missingParam('run_id');
  return id;
}

const VIEW: Record<string, string | undefined> = { ACTIVE_ONLY: 'active', DELETED_ONLY: 'deleted', ALL: undefined };

function viewType(input: Input, name: string): string | undefined {
  const v = optString(input, name) ?? 'ACTIVE_ONLY';
  if (!(v in VIEW)) throw badParam(`Invalid value ${v} for parameter '${name}'`);
  return VIEW[v];
}

function metricsOf(input: Input, now: number) {
  const raw = input.metrics;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw badParam("Invalid value for parameter 'metrics': expected a list");
  return raw.map((m) => metricOf(m as Input, now));
}

/** A metric point; MLflow 3 clients may name the logged model (and dataset) it measures. */
function metricOf(m: Input, now: number) {
  const key = reqString(m, 'key');
  const value = numberParam(m, 'value');
  if (value === undefined) throw missingParam('value');
  const point = { key, value, timestamp: intParam(m, 'timestamp') ?? now, step: intParam(m, 'step') ?? 0 };
  const model = { model_id: optString(m, 'model_id') || undefined, dataset_name: optString(m, 'dataset_name') || undefined, dataset_digest: optString(m, 'dataset_digest') || undefined };
  return { point, model };
}

export function mlflowTrackingRoutes(app: FastifyInstance, deps: Deps): void {
  rpc(app, 'GET', '/experiments/get-by-name', 'read', async (input) => ({
    experiment: tracking.experimentJson(await tracking.experimentByName(deps, reqString(input, 'experiment_name'))),
  }));
  rpc(app, 'POST', '/experiments/create', 'write', async (input) => ({
    experiment_id: await tracking.createExperiment(deps, reqString(input, 'name'), optString(input, 'artifact_location')),
  }));
  rpc(app, 'GET', '/experiments/get', 'read', async (input) => ({
    experiment: tracking.experimentJson(await tracking.requireExperiment(deps, reqString(input, 'experiment_id'))),
  }));
  const searchExperiments = async (input: Input) => {
    // Experiments are few: filter (name only; experiment tags are not kept) in memory, then page.
    const where = parseFilter(optString(input, 'filter'), { name: { type: 'string' } });
    const limit = maxResults(intParam(input, 'max_results'), 1000, 50_000);
    const offset = decodePageToken(optString(input, 'page_token'));
    const all = await listExperiments(deps.db, { stage: viewType(input, 'view_type'), offset: 0, limit: 100_000 });
    const kept = all.filter((e) => where.every((c) => matches(c.kind === 'attr' ? e.name : undefined, c.op, c.value)));
    const rows = kept.slice(offset, offset + limit + 1);
    const out: Record<string, unknown> = {};
    if (rows.length) out.experiments = rows.slice(0, limit).map(tracking.experimentJson);
    if (rows.length > limit) out.next_page_token = encodePageToken(offset + limit);
    return out;
  };
  rpc(app, 'POST', '/experiments/search', 'read', searchExperiments);
  rpc(app, 'GET', '/experiments/search', 'read', searchExperiments);

  rpc(app, 'POST', '/runs/create', 'write', async (input) => {
    const run = await tracking.createRun(deps, {
      experimentId: optString(input, 'experiment_id') || '0',
      userId: optString(input, 'user_id') ?? '',
      startTime: intParam(input, 'start_time'),
      runName: optString(input, 'run_name'),
      tags: keyValues(input, 'tags'),
    });
    const [json] = await tracking.runsJson(deps, [run], false);
    return { run: json };
  });
  rpc(app, 'GET', '/runs/get', 'read', async (input) => {
    const [json] = await tracking.runsJson(deps, [await tracking.requireRun(deps, runIdOf(input))]);
    return { run: json };
  });
  rpc(app, 'POST', '/runs/update', 'write', async (input) => {
    const run = await tracking.updateRun(deps, runIdOf(input), {
      status: optString(input, 'status'),
      endTime: intParam(input, 'end_time'),
      runName: optString(input, 'run_name'),
    });
    return { run_info: tracking.runInfoJson(run) };
  });
  rpc(app, 'POST', '/runs/delete', 'write', async (input) => {
    await tracking.setRunLifecycle(deps, runIdOf(input), 'deleted');
    return {};
  });
  rpc(app, 'POST', '/runs/restore', 'write', async (input) => {
    await tracking.setRunLifecycle(deps, runIdOf(input), 'active');
    return {};
  });
  rpc(app, 'POST', '/runs/log-batch', 'write', async (input) => {
    const metrics = metricsOf(input, deps.clock.now());
    const runId = runIdOf(input);
    await tracking.logBatch(deps, runId, { params: keyValues(input, 'params'), tags: keyValues(input, 'tags'), metrics: metrics.map((m) => m.point) });
    await recordModelMetrics(deps, runId, metrics.map((m) => ({ ...m.point, ...m.model })));
    return {};
  });
  rpc(app, 'POST', '/runs/log-metric', 'write', async (input) => {
    const metric = metricOf(input, deps.clock.now());
    const runId = runIdOf(input);
    await tracking.logBatch(deps, runId, { params: [], tags: [], metrics: [metric.point] });
    await recordModelMetrics(deps, runId, [{ ...metric.point, ...metric.model }]);
    return {};
  });
  rpc(app, 'POST', '/runs/log-parameter', 'write', async (input) => {
    await tracking.logBatch(deps, runIdOf(input), { params: [{ key: reqString(input, 'key'), value: optString(input, 'value') ?? '' }], tags: [], metrics: [] });
    return {};
  });
  rpc(app, 'POST', '/runs/set-tag', 'write', async (input) => {
    await tracking.logBatch(deps, runIdOf(input), { params: [], tags: [{ key: reqString(input, 'key'), value: optString(input, 'value') ?? '' }], metrics: [] });
    return {};
  });
  rpc(app, 'POST', '/runs/delete-tag', 'write', async (input) => {
    await tracking.deleteRunTag(deps, runIdOf(input), validateTagKey(reqString(input, 'key')));
    return {};
  });
  rpc(app, 'POST', '/runs/log-model', 'write', async (input) => {
    await tracking.logModel(deps, runIdOf(input), reqString(input, 'model_json'));
    return {};
  });
  rpc(app, 'GET', '/metrics/get-history', 'read', async (input) => {
    const metrics = await tracking.metricHistory(deps, runIdOf(input), reqString(input, 'metric_key'));
    return metrics.length ? { metrics } : {};
  });
  // Dataset inputs (autolog's log_input) are accepted and not kept: see docs/mlflow-compat.md.
  // Model inputs (MLflow 3) are kept and shown by runs/get.
  rpc(app, 'POST', '/runs/log-inputs', 'write', async (input) => {
    const runId = runIdOf(input);
    await tracking.requireRun(deps, runId);
    await recordRunModels(deps, runId, 'input', modelRefs(input, false));
    return {};
  });
  rpc(app, 'POST', '/runs/search', 'read', async (input) => {
    const ids = listParam(input, 'experiment_ids').map((id) => (/^\d+$/.test(id) && Number.isSafeInteger(Number(id)) ? Number(id) : NaN));
    if (ids.some(Number.isNaN)) throw badParam('Invalid experiment ID in experiment_ids');
    const limit = maxResults(intParam(input, 'max_results'), 1000, 50_000);
    const offset = decodePageToken(optString(input, 'page_token'));
    const rows = await searchRuns(deps, {
      experimentIds: ids,
      stage: viewType(input, 'run_view_type'),
      filter: optString(input, 'filter'),
      orderBy: listParam(input, 'order_by'),
      offset,
      limit: limit + 1,
    });
    const out: Record<string, unknown> = {};
    if (rows.length) out.runs = await tracking.runsJson(deps, rows.slice(0, limit));
    if (rows.length > limit) out.next_page_token = encodePageToken(offset + limit);
    return out;
  });
}
