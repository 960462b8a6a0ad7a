// Validation gates: what a model demands of a version before it may enter Staging or Production,
// and the pure rules that judge a candidate (signature compatibility, metric thresholds).
import { invalid } from '../../errors.js';
import type { Signature, TensorSpec } from '../../onnx/onnx-signature.js';
import { SERVING_STAGES, canonicalStage, type Stage } from '../../registry/index.js';

export const METRICS = ['accuracy', 'precision', 'recall', 'f1', 'mae', 'rmse'] as const;
export type MetricName = (typeof METRICS)[number];
/** Error metrics get worse as they grow; the others as they shrink. */
const LOWER_IS_BETTER = new Set<MetricName>(['mae', 'rmse']);

export interface HoldoutSpec {
  /** sha256 of the dataset's bytes, uploaded to /api/v1/blobs. */
  sha256: string;
  format: 'csv' | 'jsonl';
  /** Column (CSV) or key (JSON lines) holding the label. */
  label: string;
  /** Feature columns in model input order; default: every other column, in file order. */
  features?: string[];
  task?: 'classification' | 'regression';
  /** Probability at or above which a single-output classifier predicts class 1. */
  threshold?: number;
}

export interface Threshold {
  metric: MetricName;
  min?: number;
  max?: number;
  /** Largest allowed worsening against Production on the same data, in the metric's units. */
  max_drop?: number;
  /** Largest allowed worsening against Production as a fraction of Production's value. */
  max_drop_relative?: number;
}

export interface GatesConfig {
  stages: Stage[];
  signature: boolean;
  digest: boolean;
  holdout: HoldoutSpec | null;
  thresholds: Threshold[];
  /** Production only: the version must have been the candidate of a passing rollback drill in Staging. */
  require_drill: boolean;
}

export interface CheckResult {
  name: string;
  passed: boolean;
  skipped: boolean;
  message: string;
}

export function normalizeGates(input: Partial<GatesConfig>): GatesConfig {
  const stages = (input.stages ?? SERVING_STAGES).map((s) => canonicalStage(s));
  for (const s of stages) if (!(SERVING_STAGES as string[]).includes(s)) throw invalid(`gates apply to Staging or Production, not ${s}`);
  const thresholds = input.thresholds ?? [];
  for (const t of thresholds) {
    if (!(METRICS as readonly string[]).includes(t.metric)) throw invalid(`unknown metric "${t.metric}"; expected one of ${METRICS.join(', ')}`);
    if ([t.min, t.max, t.max_drop, t.max_drop_relative].every((v) => v === undefined)) {
      throw invalid(`threshold on ${t.metric} sets none of min, max, max_drop, max_drop_relative`);
    }
  }
  if (thresholds.length && !input.holdout) throw invalid('metric thresholds need a holdout dataset to evaluate on');
  if (input.holdout) {
    const h = input.holdout;
    if (!/^[0-9a-f]{64}$/.test(h.sha256)) throw invalid(`holdout sha256 "${h.sha256}" is not a sha256 hex digest`);
    if (h.threshold !== undefined && !(h.threshold > 0 && h.threshold < 1)) throw invalid('holdout threshold must be between 0 and 1');
  }
  return { stages, signature: input.signature ?? true, digest: input.digest ?? true, holdout: input.holdout ? { ...input.holdout, label: input.holdout.label ?? 'label' } : null, thresholds, require_drill: input.require_drill ?? false };
}

const FAMILIES: Record<string, string> = {
  float16: 'float', float32: 'float', float64: 'float',
  int8: 'int', int16: 'int', int32: 'int', int64: 'int', uint8: 'int', uint16: 'int', uint32: 'int', uint64: 'int',
};
const family = (type: string) => FAMILIES[type] ?? type;

function tensorProblem(kind: 'input' | 'output', want: TensorSpec, got: TensorSpec | undefined): string | null {
  if (!got) return `${kind} "${want.name}" is missing`;
  // Same family is compatible: the gateway converts JSON numbers to whatever float or int width the model takes.
  if (family(want.type) !== family(got.type)) return `${kind} "${want.name}" changed type ${want.type} -> ${got.type}`;
  if (want.shape.length !== got.shape.length) return `${kind} "${want.name}" changed rank [${want.shape}] -> [${got.shape}]`;
  for (let i = 0; i < want.shape.length; i++) {
    const a = want.shape[i];
    const b = got.shape[i];
    if (a !== -1 && b !== -1 && a !== b) return `${kind} "${want.name}" changed shape [${want.shape}] -> [${got.shape}]`;
  }
  return null;
}

/** Problems that would break callers of `serving` if `candidate` replaced it (empty: compatible). */
export function signatureProblems(serving: Signature, candidate: Signature): string[] {
  const problems: string[] = [];
  const inputs = new Map(candidate.inputs.map((t) => [t.name, t]));
  for (const want of serving.inputs) {
    const p = tensorProblem('input', want, inputs.get(want.name));
    if (p) problems.push(p);
  }
  const known = new Set(serving.inputs.map((t) => t.name));
  for (const extra of candidate.inputs) if (!known.has(extra.name)) problems.push(`new required input "${extra.name}"`);
  const outputs = new Map(candidate.outputs.map((t) => [t.name, t]));
  for (const want of serving.outputs) {
    const p = tensorProblem('output', want, outputs.get(want.name));
    if (p) problems.push(p);
  }
  return problems;
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(4));

function worsening(metric: MetricName, candidate: number, baseline: number): number {
  return LOWER_IS_BETTER.has(metric) ? candidate - baseline : baseline - candidate;
}

/** One result per bound a threshold sets; relative bounds pass as skipped when nothing is in Production. */
export function judgeThreshold(
  t: Threshold,
  candidate: Record<string, number>,
  baseline: { version: number; metrics: Record<string, number> } | null,
): CheckResult[] {
  const results: CheckResult[] = [];
  const value = candidate[t.metric];
  const name = (bound: string) => `${t.metric}.${bound}`;
  if (value === undefined || !Number.isFinite(value)) {
    return [{ name: name('value'), passed: false, skipped: false, message: `${t.metric} could not be computed on the holdout` }];
  }
  if (t.min !== undefined) {
    const ok = value >= t.min;
    results.push({ name: name('min'), passed: ok, skipped: false, message: `${t.metric} ${fmt(value)} ${ok ? '>=' : 'is below the minimum'} ${fmt(t.min)}` });
  }
  if (t.max !== undefined) {
    const ok = value <= t.max;
    results.push({ name: name('max'), passed: ok, skipped: false, message: `${t.metric} ${fmt(value)} ${ok ? '<=' : 'is above the maximum'} ${fmt(t.max)}` });
  }
  for (const bound of ['max_drop', 'max_drop_relative'] as const) {
    const limit = t[bound];
    if (limit === undefined) continue;
    const base = baseline?.metrics[t.metric];
    if (!baseline || base === undefined) {
      results.push({ name: name(bound), passed: true, skipped: true, message: 'no Production version to compare with' });
      continue;
    }
    const worse = worsening(t.metric, value, base);
    const measured = bound === 'max_drop' ? worse : base === 0 ? (worse > 0 ? Infinity : 0) : worse / Math.abs(base);
    const ok = measured <= limit + 1e-12;
    const what = bound === 'max_drop' ? fmt(worse) : `${(measured * 100).toFixed(1)}%`;
    const allowed = bound === 'max_drop' ? fmt(limit) : `${(limit * 100).toFixed(1)}%`;
    results.push({
      name: name(bound),
      passed: ok,
      skipped: false,
      message: `${t.metric} ${fmt(value)} vs Production v${baseline.version}'s ${fmt(base)}: worse by ${what} (allowed ${allowed})`,
    });
  }
  return results;
}
