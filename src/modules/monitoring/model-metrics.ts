// The time series the web UI charts: GET /api/v1/models/{name}/metrics. Per version and step:
// requests, error rate, p99 latency, accuracy, recall, drift share; the policy's thresholds; and
// the rollbacks in the window. Built from the retained records, so every replica's traffic counts.
import type { Deps } from '../../deps.js';
import { invalid } from '../../errors.js';
import { measureDrift } from '../drift/drift-service.js';
import { listEvents } from '../events/events-service.js';
import { requireModel } from '../models/models-service.js';
import { findPolicy } from '../policies/policies-store.js';
import { p99 } from '../guard/measure.js';
import { classificationQuality } from './quality.js';
import { queryRecords, type RecordRow } from './records-store.js';

const ROW_CAP = 100_000;
const MAX_POINTS = 1000;
/** Fewer rows than this in a step gives drift_share null rather than a noisy number. */
const MIN_DRIFT_ROWS = 30;

export interface SeriesPoint {
  t: string;
  requests: number;
  error_rate: number | null;
  latency_p99_ms: number | null;
  accuracy: number | null;
  recall: number | null;
  drift_share: number | null;
}

async function point(deps: Deps, model: string, version: number, t: number, rows: RecordRow[], cls: { threshold: number; positiveLabel: number | string }): Promise<SeriesPoint> {
  const reqs = rows.filter((r) => r.row === 0 && r.outcome !== 'client_error');
  const ok = rows.filter((r) => r.outcome === 'ok');
  const q = classificationQuality(ok.filter((r) => r.label !== null), cls);
  const drift = ok.length >= MIN_DRIFT_ROWS ? await measureDrift(deps, model, version, 0, 0, ok) : null;
  return {
    t: new Date(t).toISOString(),
    requests: rows.filter((r) => r.row === 0).length,
    error_rate: reqs.length ? reqs.filter((r) => r.outcome === 'model_error').length / reqs.length : null,
    latency_p99_ms: p99(reqs.map((r) => r.latency_ms)),
    accuracy: q.labeled ? q.accuracy : null,
    recall: q.labeled ? q.recall : null,
    drift_share: drift?.drift_share ?? null,
  };
}

export async function modelMetrics(deps: Deps, modelName: string, windowSeconds: number, stepSeconds: number) {
  if (stepSeconds > windowSeconds) throw invalid('step_seconds must not exceed window_seconds');
  if (windowSeconds / stepSeconds > MAX_POINTS) throw invalid(`at most ${MAX_POINTS} points per series: raise step_seconds`);
  const model = await requireModel(deps.db, modelName);
  const now = deps.clock.now();
  const stepMs = stepSeconds * 1000;
  // Steps aligned to the step size so successive polls line up.
  const end = Math.floor(now / stepMs) * stepMs + stepMs;
  const from = end - Math.ceil(windowSeconds / stepSeconds) * stepMs;
  const rows = await queryRecords(deps.db, { model: modelName, from, to: end, limit: ROW_CAP });
  const policy = await findPolicy(deps.db, modelName);
  const labelRule = policy?.rules.find((r) => ['recall', 'accuracy', 'precision', 'f1'].includes(r.metric));
  const cls = { threshold: labelRule?.threshold ?? 0.5, positiveLabel: labelRule?.positive_label ?? 1 };
  const byVersion = new Map<number, Map<number, RecordRow[]>>();
  for (const r of rows) {
    const steps = byVersion.get(r.version) ?? byVersion.set(r.version, new Map()).get(r.version)!;
    const t = Math.floor((r.time - from) / stepMs) * stepMs + from;
    (steps.get(t) ?? steps.set(t, []).get(t)!).push(r);
  }
  const versions = [];
  for (const [version, steps] of [...byVersion].sort((a, b) => a[0] - b[0])) {
    const series = [];
    for (let t = from; t < end; t += stepMs) series.push(await point(deps, modelName, version, t, steps.get(t) ?? [], cls));
    versions.push({ version, series });
  }
  const rollbacks = (await listEvents(deps, { modelId: model.id, types: ['rollback'], sinceMs: from, limit: 1000, order: 'asc' })).events.map((e) => ({
    time: e.time,
    from_version: Number(e.from),
    to_version: Number(e.to),
    actor: e.actor,
    reason: e.reason,
  }));
  const thresholds = (policy?.rules ?? []).map((r) => ({ metric: r.metric, min: r.min, max: r.max }));
  return { window_seconds: windowSeconds, step_seconds: stepSeconds, versions, thresholds, rollbacks };
}
