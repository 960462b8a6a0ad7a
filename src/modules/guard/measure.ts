// Measures one rule's metric for one version over its window, from the retained records in the
// database (so every replica's traffic counts). No data is never "healthy": too few samples or too
// little label coverage gives an inconclusive result.
import type { Deps } from '../../deps.js';
import { measureDrift } from '../drift/drift-service.js';
import { queryRecords, lastRecordTime } from '../monitoring/records-store.js';
import { classificationQuality, regressionQuality } from '../monitoring/quality.js';
import { LABEL_METRICS, type Rule } from '../policies/policies.js';

export const QUALITY_ROW_CAP = 50_000;

export interface Measurement {
  metric: string;
  value: number | null;
  samples: number;
  /** Labeled share of the window's predictions (label metrics only). */
  label_coverage: number | null;
  window_seconds: number;
}

export function p99(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)];
}

export async function measure(deps: Deps, model: string, version: number, rule: Rule, end: number): Promise<Measurement> {
  const from = end - rule.window_seconds * 1000;
  const base = { metric: rule.metric, window_seconds: rule.window_seconds, label_coverage: null };
  if (rule.metric === 'error_rate' || rule.metric === 'latency_p99_ms') {
    const reqs = await queryRecords(deps.db, { model, version, from, to: end + 1, requestsOnly: true, limit: QUALITY_ROW_CAP });
    // A caller's mistake (4xx) says nothing about the model: it counts for neither errors nor latency.
    const served = reqs.filter((r) => r.outcome !== 'client_error');
    const value = rule.metric === 'error_rate'
      ? (served.length ? served.filter((r) => r.outcome === 'model_error').length / served.length : null)
      : p99(served.map((r) => r.latency_ms));
    return { ...base, value, samples: served.length };
  }
  if (LABEL_METRICS.has(rule.metric)) {
    const rows = await queryRecords(deps.db, { model, version, from, to: end + 1, withFeatures: true, limit: QUALITY_ROW_CAP });
    const labeled = rows.filter((r) => r.label !== null);
    const regression = rule.metric === 'mae' || rule.metric === 'rmse';
    const q = regression ? regressionQuality(labeled) : classificationQuality(labeled, { threshold: rule.threshold, positiveLabel: rule.positive_label });
    const value = q[rule.metric as 'accuracy'];
    return { ...base, value, samples: q.labeled, label_coverage: rows.length ? labeled.length / rows.length : null };
  }
  const drift = await measureDrift(deps, model, version, from, end + 1);
  if (!drift) return { ...base, value: null, samples: 0 };
  if (rule.metric === 'drift_share') return { ...base, value: drift.drift_share, samples: drift.rows };
  const feature = rule.metric.slice('psi:'.length);
  const f = feature === 'prediction' ? drift.prediction : drift.features.find((x) => x.feature === feature);
  return { ...base, value: f?.psi ?? null, samples: f?.current_count ?? 0 };
}

/** The previous Production version's own value, over the same-length window ending at its last traffic. */
export async function baselineValue(deps: Deps, model: string, previous: number, rule: Rule): Promise<Measurement | null> {
  const last = await lastRecordTime(deps.db, model, previous);
  if (last === null) return null;
  return measure(deps, model, previous, rule, last);
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
