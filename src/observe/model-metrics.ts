// The time series the web UI charts: GET /api/v1/models/{name}/metrics. Per version and step:
// requests, error rate, p99 latency, accuracy, recall, drift share; the policy's thresholds; and
// the rollbacks in the window. Built from the retained records, so every replica's traffic counts.
// Request counts and error rates are exact (SQL group by); latency, quality and drift come from an
// even sample of at most SAMPLE_CAP rows, so a busy window costs the same as a quiet one.
import type { Deps } from '../deps.js';
import { invalid } from '../errors.js';
import { measureDrift } from './drift/drift-service.js';
import { listEvents, requireModel } from '../registry/index.js';
import { classificationScores, errorRate, p99, type ClassificationOptions } from './metrics/metrics.js';
import { classificationOptions } from './policies/policies.js';
import { findModelPolicy } from './policies/policies-service.js';
import { readRecords, requestsPerStep, rowCount, type RecordRow, type StepCounts } from './records/records-service.js';

const SAMPLE_CAP = 20_000;
const MAX_POINTS = 1000;
/** Fewer sampled rows than this in a step gives drift_share null rather than a noisy number. */
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

async function point(deps: Deps, model: string, version: number, t: number, counts: StepCounts | undefined, rows: RecordRow[], cls: ClassificationOptions): Promise<SeriesPoint> {
  const ok = rows.filter((r) => r.outcome === 'ok');
  const q = classificationScores(ok, cls);
  const drift = ok.length >= MIN_DRIFT_ROWS ? await measureDrift(deps, model, version, 0, 0, ok) : null;
  return {
    t: new Date(t).toISOString(),
    requests: counts?.requests ?? 0,
    error_rate: errorRate(counts?.served ?? 0, counts?.errors ?? 0),
    latency_p99_ms: p99(rows.filter((r) => r.row === 0 && r.outcome !== 'client_error' && r.outcome !== 'shed' && r.outcome !== 'queue_timeout').map((r) => r.latency_ms)),
    accuracy: q.labeled ? q.accuracy : null,
    recall: q.labeled ? q.recall : null,
    drift_share: drift?.drift_share ?? null,
  };
}

export async function modelMetrics(deps: Deps, modelName: string, windowSeconds: number, stepSeconds: number) {
  if (stepSeconds > windowSeconds) throw invalid('step_seconds must not exceed window_seconds');
  if (windowSeconds / stepSeconds > MAX_POINTS) throw invalid(`at most ${MAX_POINTS} points per series: raise step_seconds`);
  const model = await requireModel(deps.db, modelName);
  const stepMs = stepSeconds * 1000;
  // Steps aligned to the step size so successive polls line up.
  const end = Math.floor(deps.clock.now() / stepMs) * stepMs + stepMs;
  const steps = Math.ceil(windowSeconds / stepSeconds);
  const from = end - steps * stepMs;
  const counts = await requestsPerStep(deps, modelName, from, end, stepMs);
  const sampleEvery = Math.ceil((await rowCount(deps, modelName, from, end)) / SAMPLE_CAP);
  const rows = await readRecords(deps, { model: modelName, from, to: end, sampleEvery, limit: SAMPLE_CAP * 2 });
  const policy = await findModelPolicy(deps, modelName);
  const cls = classificationOptions(policy);
  const versions = [];
  for (const version of [...new Set(counts.map((c) => c.version))].sort((a, b) => a - b)) {
    const series = [];
    for (let i = 0; i < steps; i++) {
      const t = from + i * stepMs;
      const stepRows = rows.filter((r) => r.version === version && r.time >= t && r.time < t + stepMs);
      series.push(await point(deps, modelName, version, t, counts.find((c) => c.version === version && c.step === i), stepRows, cls));
    }
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
