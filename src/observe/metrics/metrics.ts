// Every quality and latency formula, once: the guard's evaluation, the health summary, the UI's
// series, the live stats and a canary's policy analysis all compute their numbers here, so what the
// UI shows is what the guard acts on. Counts come from wherever the rows are (SQL aggregates in
// records/records-aggregates.ts, or rows already in hand); the arithmetic on them is only here.
// Pure functions: no database, no clock.

/** a / b, or null when there is nothing to divide by (no data is never 0% or 100%). */
const ratio = (a: number, b: number): number | null => (b > 0 ? a / b : null);

/** Model errors among the requests the model served (a caller's 4xx is neither, nor a shed). */
export const errorRate = (served: number, modelErrors: number): number | null => ratio(modelErrors, served);

/**
 * Overload: the share of requests answered 503 without running — load-shed (queue full) or queue
 * timeout — among every request that reached the model: sheds / (requests answered + sheds).
 */
export const shedRate = (requests: number, sheds: number): number | null => ratio(sheds, requests + sheds);

/**
 * The nearest-rank quantile: the value at rank ceil(q·n) of the sorted values. Every latency
 * percentile the registry reports from raw values (the guard's, the health summary's, the UI's) is
 * this one.
 */
export function quantile(values: readonly number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = values.slice().sort((a, b) => a - b);
  return sorted[Math.min(Math.max(Math.ceil(q * sorted.length) - 1, 0), sorted.length - 1)];
}

export const p99 = (values: readonly number[]): number | null => quantile(values, 0.99);

/**
 * A quantile from bucket counts (bucket i holds values <= bounds[i], the last one the overflow):
 * the upper bound of the bucket where the running count reaches q·total; the overflow reads as twice
 * the last bound. The live stats keep histograms, not values, so this is their nearest rank.
 */
export function histogramQuantile(counts: readonly number[], bounds: readonly number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i];
    if (seen >= q * total) return bounds[i] ?? bounds[bounds.length - 1] * 2;
  }
  return null;
}

/** Binary confusion counts. */
export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface ClassificationScores {
  labeled: number;
  accuracy: number | null;
  precision: number | null;
  recall: number | null;
  f1: number | null;
}

const f1Of = (precision: number | null, recall: number | null): number | null =>
  precision === null || recall === null ? null : precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);

/** Accuracy, precision, recall and F1 of the positive class from its confusion counts. */
export function scoresFromConfusion(c: Confusion): ClassificationScores {
  const labeled = c.tp + c.fp + c.fn + c.tn;
  const precision = ratio(c.tp, c.tp + c.fp);
  const recall = ratio(c.tp, c.tp + c.fn);
  return { labeled, accuracy: ratio(c.tp + c.tn, labeled), precision, recall, f1: f1Of(precision, recall) };
}

export interface RegressionSums {
  count: number;
  /** Sum of |pred - label|. */
  abs: number;
  /** Sum of (pred - label)². */
  sq: number;
}

export function regressionScores(s: RegressionSums): { mae: number | null; rmse: number | null } {
  return s.count ? { mae: s.abs / s.count, rmse: Math.sqrt(s.sq / s.count) } : { mae: null, rmse: null };
}

type Value = number | string | null;

export interface ClassificationOptions {
  threshold: number;
  positiveLabel: number | string;
}

/** The positive label as a number, when it reads as one ("1" and 1 alike), else null. */
export function positiveNumber(positive: number | string): number | null {
  if (typeof positive === 'number') return positive;
  return Number.isFinite(Number(positive)) ? Number(positive) : null;
}

/**
 * The binary rule: a numeric prediction (a probability, or a 0/1 class) is positive at or above the
 * threshold; a text prediction when it is the positive label. A label is positive when it is the
 * positive label (a numeric label compared as a number). records-aggregates.ts windowConfusion()
 * is this rule in SQL; records-aggregates.test.ts holds the two to the same counts.
 */
const predictsPositive = (pred: number | string, opts: ClassificationOptions): boolean =>
  typeof pred === 'number' ? pred >= opts.threshold : pred === String(opts.positiveLabel);

const isPositiveLabel = (label: number | string, opts: ClassificationOptions): boolean =>
  typeof label === 'number' ? label === positiveNumber(opts.positiveLabel) : label === String(opts.positiveLabel);

/** Binary confusion counts of labeled predictions (a row without a prediction or a label counts for nothing). */
export function binaryConfusion(rows: ReadonlyArray<{ pred: Value; label: Value }>, opts: ClassificationOptions): Confusion {
  const c: Confusion = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (const r of rows) {
    if (r.pred === null || r.label === null) continue;
    const p = predictsPositive(r.pred, opts);
    const a = isPositiveLabel(r.label, opts);
    if (p && a) c.tp += 1;
    else if (p) c.fp += 1;
    else if (a) c.fn += 1;
    else c.tn += 1;
  }
  return c;
}

/**
 * Multiclass: per-class precision, recall and F1 averaged over the classes seen in the labels (a
 * class never predicted counts precision and F1 as 0); accuracy over all rows. A probability is cut
 * at the threshold to the positive label or "not" it, a class label stays itself.
 */
function macroScores(rows: ReadonlyArray<{ pred: Value; label: Value }>, opts: ClassificationOptions): ClassificationScores {
  const pos = String(opts.positiveLabel);
  const labeled = rows.filter((r): r is { pred: number | string; label: number | string } => r.label !== null && r.pred !== null);
  const classOf = (pred: number | string) => (typeof pred === 'number' && pred >= 0 && pred <= 1 ? (pred >= opts.threshold ? pos : `not ${pos}`) : String(pred));
  const pairs = labeled.map((r) => ({ label: String(r.label), pred: classOf(r.pred) }));
  const classes = [...new Set(pairs.map((x) => x.label))];
  const per = classes.map((cls) => {
    const c: Confusion = { tp: 0, fp: 0, fn: 0, tn: 0 };
    for (const x of pairs) {
      if (x.pred === cls) {
        if (x.label === cls) c.tp += 1;
        else c.fp += 1;
      } else if (x.label === cls) c.fn += 1;
      else c.tn += 1;
    }
    return scoresFromConfusion(c);
  });
  const mean = (xs: Array<number | null>) => (xs.length === 0 || xs.some((x) => x === null) ? null : xs.reduce<number>((a, b) => a + (b ?? 0), 0) / xs.length);
  const correct = pairs.filter((x) => x.pred === x.label).length;
  return {
    labeled: pairs.length,
    accuracy: ratio(correct, pairs.length),
    precision: mean(per.map((s) => s.precision ?? 0)),
    recall: mean(per.map((s) => s.recall)),
    f1: mean(per.map((s) => s.f1 ?? 0)),
  };
}

/**
 * Classification scores of labeled predictions in hand: the binary rule while the labels hold two
 * classes or fewer (as text: 1 and "1" are one class), macro averages past that. The guard's SQL
 * path (labelShape(), then windowConfusion() in the database) takes the binary branch only where
 * this one does.
 */
export function classificationScores(rows: ReadonlyArray<{ pred: Value; label: Value }>, opts: ClassificationOptions): ClassificationScores {
  const labeled = rows.filter((r) => r.pred !== null && r.label !== null);
  const classes = new Set(labeled.map((r) => String(r.label)));
  return classes.size > 2 ? macroScores(labeled, opts) : scoresFromConfusion(binaryConfusion(labeled, opts));
}
