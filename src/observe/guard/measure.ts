// Measures one rule's metric for one version over its window, from the retained records in the
// database (so every replica's traffic counts). No data is never "healthy": too few samples or too
// little label coverage gives an inconclusive result.
import type { Deps } from '../../deps.js';
import { measureDrift } from '../drift/drift-service.js';
import { classificationScores, errorRate, p99, regressionScores, scoresFromConfusion, shedRate, type ClassificationScores } from '../metrics/metrics.js';
import { EVAL_ROW_CAP, lastServedAt, readRecords, windowBinaryConfusion, windowLabels, windowLatencies, windowRegression, windowRequests, type Window } from '../records/records-service.js';
import { LABEL_METRICS, type Rule } from '../policies/policies.js';

export interface Measurement {
  metric: string;
  value: number | null;
  samples: number;
  /** Labeled share of the window's predictions (label metrics only). */
  label_coverage: number | null;
  window_seconds: number;
}

/** `labelSources`: label metrics count only labels these tokens sent (a policy's label_sources); null: every label. */
export async function measure(deps: Deps, model: string, version: number, rule: Rule, end: number, labelSources: readonly string[] | null = null): Promise<Measurement> {
  const w: Window = { model, version, from: end - rule.window_seconds * 1000, to: end + 1, labelSources };
  const base = { metric: rule.metric, window_seconds: rule.window_seconds, label_coverage: null };
  if (rule.metric === 'shed_rate') {
    // Every request that reached the model counts, answered or shed (its samples).
    const { requests, sheds } = await windowRequests(deps, w);
    return { ...base, value: shedRate(requests, sheds), samples: requests + sheds };
  }
  if (rule.metric === 'error_rate' || rule.metric === 'latency_p99_ms') {
    // A caller's mistake (4xx) says nothing about the model: it counts for neither errors nor latency.
    const { served, modelErrors } = await windowRequests(deps, w);
    const value = rule.metric === 'error_rate' ? errorRate(served, modelErrors) : served ? p99(await windowLatencies(deps, w)) : null;
    return { ...base, value, samples: served };
  }
  if (LABEL_METRICS.has(rule.metric)) return measureQuality(deps, w, rule, base);
  const drift = await measureDrift(deps, model, version, w.from, w.to);
  if (!drift) return { ...base, value: null, samples: 0 };
  if (rule.metric === 'drift_share') return { ...base, value: drift.drift_share, samples: drift.rows };
  const feature = rule.metric.slice('psi:'.length);
  const f = feature === 'prediction' ? drift.prediction : drift.features.find((x) => x.feature === feature);
  return { ...base, value: f?.psi ?? null, samples: f?.current_count ?? 0 };
}

/**
 * Label metrics from database counts: binary labels as SQL confusion counts, anything else from the
 * (capped) labeled rows; either way the scores are metrics.ts's.
 */
async function measureQuality(deps: Deps, w: Window, rule: Rule, base: Omit<Measurement, 'value' | 'samples'>): Promise<Measurement> {
  const shape = await windowLabels(deps, w);
  const out = (value: number | null, samples: number) => ({ ...base, value, samples, label_coverage: shape.coverage });
  if (rule.metric === 'mae' || rule.metric === 'rmse') {
    const s = await windowRegression(deps, w);
    return out(regressionScores(s)[rule.metric], s.count);
  }
  const opts = { threshold: rule.threshold, positiveLabel: rule.positive_label };
  const binary = (shape.textLabels === 0 && shape.numericLabels <= 2) || (shape.numericLabels === 0 && shape.textLabels <= 2);
  const scores = binary
    ? scoresFromConfusion(await windowBinaryConfusion(deps, w, opts))
    : classificationScores(await readRecords(deps, { ...w, okOnly: true, labeledOnly: true, noFeatures: true, limit: EVAL_ROW_CAP }), opts);
  return out(scores[rule.metric as keyof Omit<ClassificationScores, 'labeled'>], scores.labeled);
}

/** The previous Production version's own value, over the same-length window ending at its last traffic. */
export async function baselineValue(deps: Deps, model: string, previous: number, rule: Rule, labelSources: readonly string[] | null = null): Promise<Measurement | null> {
  const last = await lastServedAt(deps, model, previous);
  if (last === null) return null;
  return measure(deps, model, previous, rule, last, labelSources);
}

export type Verdict = 'pass' | 'fail' | 'inconclusive';

export interface RuleResult extends Measurement {
  rule: number;
  verdict: Verdict;
  /** Why it is inconclusive, or what failed. */
  detail: string;
  bound: { min: number | null; max: number | null };
  baseline: number | null;
}

export function judge(rule: Rule, index: number, m: Measurement, baseline: number | null): RuleResult {
  let min = rule.min;
  const max = rule.max;
  const fields = { ...m, rule: index, baseline };
  const bound = () => ({ min, max });
  if (m.value === null || m.samples < rule.min_samples) {
    const why = m.value === null && m.samples >= rule.min_samples ? 'no value could be computed (no reference profile?)' : `${m.samples} samples, ${rule.min_samples} needed`;
    return { ...fields, verdict: 'inconclusive', detail: why, bound: bound() };
  }
  if (LABEL_METRICS.has(rule.metric) && (m.label_coverage ?? 0) < rule.min_label_coverage) {
    return { ...fields, verdict: 'inconclusive', detail: `label coverage ${(m.label_coverage ?? 0).toFixed(3)} below ${rule.min_label_coverage}`, bound: bound() };
  }
  if (rule.max_drop !== null) {
    if (baseline === null) return { ...fields, verdict: 'inconclusive', detail: 'no previous Production version to compare with', bound: bound() };
    min = baseline * (1 - rule.max_drop);
  }
  const ok = (min === null || m.value >= min) && (max === null || m.value <= max);
  const detail = ok ? 'within bounds' : min !== null && m.value < min ? `${m.value} below minimum ${min}` : `${m.value} above maximum ${max}`;
  return { ...fields, verdict: ok ? 'pass' : 'fail', detail, bound: bound() };
}
