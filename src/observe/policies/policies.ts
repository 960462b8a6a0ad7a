// Health policies: one per model, the rules the guard evaluates. Pure validation with messages a
// person can act on (every mistake is a 400 naming the field).
import { invalid } from '../../errors.js';
import type { ClassificationOptions } from '../metrics/metrics.js';

export const RULE_METRICS = ['error_rate', 'shed_rate', 'latency_p99_ms', 'accuracy', 'precision', 'recall', 'f1', 'mae', 'rmse', 'drift_share'] as const;
export const CLASSIFICATION_METRICS = ['accuracy', 'precision', 'recall', 'f1'] as const;
export const LABEL_METRICS = new Set<string>([...CLASSIFICATION_METRICS, 'mae', 'rmse']);

export interface Rule {
  metric: string;
  threshold: number;
  positive_label: number | string;
  min: number | null;
  max: number | null;
  max_drop: number | null;
  min_samples: number;
  /** Share of predictions in the window that must have a label before a label metric counts. */
  min_label_coverage: number;
  window_seconds: number;
  failure_limit: number;
  action: 'rollback' | 'alert';
  dry_run: boolean;
}

export interface Policy {
  model: string;
  interval_seconds: number;
  watch_minutes: number;
  cooldown_seconds: number;
  /** A Staging version without a reference profile gets one from its first N served rows (0: never). */
  reference_requests: number;
  /**
   * Label metrics count only labels sent by these tokens (feedback keeps its sender's name); null:
   * every label. Feedback is editor-level, so a policy that acts on labels can name whose it trusts.
   */
  label_sources: string[] | null;
  rules: Rule[];
}

const POLICY_KEYS = new Set(['model', 'interval_seconds', 'watch_minutes', 'cooldown_seconds', 'reference_requests', 'label_sources', 'rules']);
const MAX_LABEL_SOURCES = 50;

function labelSources(raw: unknown): string[] | null {
  if (raw === undefined || raw === null) return null;
  const ok = Array.isArray(raw) && raw.length > 0 && raw.length <= MAX_LABEL_SOURCES && raw.every((s) => typeof s === 'string' && s.length > 0 && s.length <= 128);
  if (!ok) throw invalid(`policy.label_sources must be a list of 1 to ${MAX_LABEL_SOURCES} token names whose labels count (got ${JSON.stringify(raw)}); leave it out to count every label`);
  return [...new Set(raw as string[])];
}
const RULE_KEYS = new Set(['metric', 'threshold', 'positive_label', 'min', 'max', 'max_drop', 'min_samples', 'min_label_coverage', 'window_seconds', 'failure_limit', 'action', 'dry_run']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function num(o: Obj, key: string, where: string, dflt: number | null, check: (n: number) => boolean, rule: string): number | null {
  const v = o[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) throw invalid(`${where}.${key} must be ${rule} (got ${JSON.stringify(v)})`);
  return v;
}

function unknownKeys(o: Obj, allowed: Set<string>, where: string): void {
  const extra = Object.keys(o).filter((k) => !allowed.has(k));
  if (extra.length) throw invalid(`${where} has unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => `"${k}"`).join(', ')}; allowed: ${[...allowed].join(', ')}`);
}

export function validateRule(raw: unknown, i: number): Rule {
  const where = `rules[${i}]`;
  if (!isObj(raw)) throw invalid(`${where} must be an object`);
  unknownKeys(raw, RULE_KEYS, where);
  const metric = raw.metric;
  if (typeof metric !== 'string' || !((RULE_METRICS as readonly string[]).includes(metric) || /^psi:.+$/.test(metric))) {
    throw invalid(`${where}.metric must be one of ${RULE_METRICS.join(', ')} or psi:<feature> (got ${JSON.stringify(metric)})`);
  }
  const any = () => true;
  const rule: Rule = {
    metric,
    threshold: num(raw, 'threshold', where, 0.5, (n) => n >= 0 && n <= 1, 'a number between 0 and 1')!,
    positive_label: (raw.positive_label as number | string | undefined) ?? 1,
    min: num(raw, 'min', where, null, any, 'a number'),
    max: num(raw, 'max', where, null, any, 'a number'),
    max_drop: num(raw, 'max_drop', where, null, (n) => n > 0 && n < 1, 'a fraction between 0 and 1 (0.1 = a 10% drop)'),
    min_samples: num(raw, 'min_samples', where, 100, (n) => Number.isInteger(n) && n >= 1, 'a positive integer')!,
    min_label_coverage: num(raw, 'min_label_coverage', where, 0, (n) => n >= 0 && n <= 1, 'a fraction between 0 and 1')!,
    window_seconds: num(raw, 'window_seconds', where, 600, (n) => n >= 1 && n <= 30 * 86400, 'between 1 and 2592000 seconds')!,
    failure_limit: num(raw, 'failure_limit', where, 1, (n) => Number.isInteger(n) && n >= 1, 'a positive integer')!,
    action: (raw.action as Rule['action'] | undefined) ?? 'rollback',
    dry_run: (raw.dry_run as boolean | undefined) ?? false,
  };
  if (typeof rule.positive_label !== 'number' && typeof rule.positive_label !== 'string') throw invalid(`${where}.positive_label must be a number or a string`);
  const bounds = [rule.min, rule.max, rule.max_drop].filter((b) => b !== null).length;
  if (bounds === 0) throw invalid(`${where} needs a bound: min, max or max_drop`);
  if (rule.max_drop !== null && bounds > 1) throw invalid(`${where}: max_drop cannot be combined with min or max`);
  if (rule.min !== null && rule.max !== null && rule.min > rule.max) throw invalid(`${where}: min ${rule.min} is above max ${rule.max}`);
  if (rule.action !== 'rollback' && rule.action !== 'alert') throw invalid(`${where}.action must be rollback or alert (got ${JSON.stringify(raw.action)})`);
  if (typeof rule.dry_run !== 'boolean') throw invalid(`${where}.dry_run must be true or false`);
  return rule;
}

export function validatePolicy(raw: unknown, modelName: string): Policy {
  if (!isObj(raw)) throw invalid('a policy must be an object with interval_seconds, watch_minutes and rules');
  unknownKeys(raw, POLICY_KEYS, 'policy');
  if (raw.model !== undefined && raw.model !== modelName) throw invalid(`policy names model "${String(raw.model)}" but was sent for "${modelName}"`);
  if (!Array.isArray(raw.rules) || raw.rules.length === 0) throw invalid('policy.rules must be a non-empty list');
  if (raw.rules.length > 50) throw invalid('policy.rules may hold at most 50 rules');
  return {
    model: modelName,
    interval_seconds: num(raw, 'interval_seconds', 'policy', 10, (n) => n >= 1 && n <= 86400, 'between 1 and 86400')!,
    watch_minutes: num(raw, 'watch_minutes', 'policy', 60, (n) => n >= 0 && n <= 525600, 'between 0 and 525600')!,
    cooldown_seconds: num(raw, 'cooldown_seconds', 'policy', 600, (n) => n >= 0 && n <= 86400 * 7, 'between 0 and 604800')!,
    reference_requests: num(raw, 'reference_requests', 'policy', 1000, (n) => Number.isInteger(n) && (n === 0 || (n >= 10 && n <= 200_000)), '0 or an integer between 10 and 200000')!,
    label_sources: labelSources(raw.label_sources),
    rules: raw.rules.map(validateRule),
  };
}

/**
 * How the model's quality is classified where no rule of its own says (the health summary, the UI's
 * series): the threshold and positive label of its policy's first classification rule, else 0.5 and 1.
 */
export function classificationOptions(policy: Policy | null): ClassificationOptions {
  const rule = policy?.rules.find((r) => (CLASSIFICATION_METRICS as readonly string[]).includes(r.metric));
  return { threshold: rule?.threshold ?? 0.5, positiveLabel: rule?.positive_label ?? 1 };
}

/** How a rule reads in a reason or a timeline: "recall >= 0.8". */
export function describeBound(rule: Rule): string {
  if (rule.max_drop !== null) return `drop <= ${rule.max_drop * 100}% vs previous Production`;
  return [rule.min !== null ? `>= ${rule.min}` : null, rule.max !== null ? `<= ${rule.max}` : null].filter(Boolean).join(' and ');
}
