// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- jstat ships no types; the web build compiles this file without the server tsconfig that includes the declaration
/// <reference path="./jstat.d.ts" />
// Drift statistics, pure. Test choice follows Evidently's defaults: numeric features with more than
// 5 distinct values use two-sample Kolmogorov–Smirnov (drift if p < 0.05) when the reference has at
// most 1000 rows, normalized Wasserstein (drift if >= 0.1) above that; categorical features (and
// numeric ones with <= 5 distinct values) use chi-square (drift if p < 0.05) when the reference has
// at most 1000 rows — a Z-test for proportions when the feature is binary — and Jensen–Shannon
// distance (drift if >= 0.1) above that. PSI is always reported (a `psi:<feature>` rule can act on it).
import jstatModule from 'jstat';
import { PREDICTION_FEATURE } from './prediction-feature.js';

const { jStat } = jstatModule as unknown as typeof import('jstat');

export type Value = number | string | null;

export interface NumericProfile {
  kind: 'numeric';
  count: number;
  /** Sorted sample of the reference (at most SAMPLE_CAP values). */
  sample: number[];
  /** Quantile bin edges (deciles) for PSI. */
  edges: number[];
  std: number;
  distinct: number;
}
export interface CategoricalProfile {
  kind: 'categorical';
  count: number;
  freqs: Record<string, number>;
}
export type FeatureProfile = NumericProfile | CategoricalProfile;
export type Profile = Record<string, FeatureProfile>;

export interface FeatureDrift {
  feature: string;
  method: 'ks' | 'wasserstein' | 'jensenshannon' | 'chisquare' | 'z';
  score: number;
  threshold: number;
  drifted: boolean;
  psi: number;
  reference_count: number;
  current_count: number;
}

const SAMPLE_CAP = 5000;
const EPS = 1e-4;

function evenSample(sorted: number[], cap: number): number[] {
  if (sorted.length <= cap) return sorted;
  const step = sorted.length / cap;
  return Array.from({ length: cap }, (_, i) => sorted[Math.floor(i * step)]);
}

export function profileFeature(values: Value[]): FeatureProfile | null {
  const present = values.filter((v): v is number | string => v !== null && v !== undefined);
  if (present.length === 0) return null;
  if (present.every((v) => typeof v === 'number')) {
    const sorted = (present as number[]).slice().sort((a, b) => a - b);
    const distinct = new Set(sorted).size;
    if (distinct > 5) {
      const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
      const std = Math.sqrt(sorted.reduce((a, b) => a + (b - mean) ** 2, 0) / sorted.length);
      const edges = Array.from({ length: 9 }, (_, i) => sorted[Math.floor(((i + 1) / 10) * (sorted.length - 1))]);
      return { kind: 'numeric', count: sorted.length, sample: evenSample(sorted, SAMPLE_CAP), edges: [...new Set(edges)], std, distinct };
    }
  }
  const freqs: Record<string, number> = {};
  for (const v of present) freqs[String(v)] = (freqs[String(v)] ?? 0) + 1;
  for (const k of Object.keys(freqs)) freqs[k] /= present.length;
  return { kind: 'categorical', count: present.length, freqs };
}

export function buildProfile(rows: Array<Record<string, Value>>): Profile {
  const names = new Set(rows.flatMap((r) => Object.keys(r)));
  const profile: Profile = {};
  for (const name of names) {
    const p = profileFeature(rows.map((r) => r[name] ?? null));
    if (p) profile[name] = p;
  }
  return profile;
}

function histogram(sorted: number[], edges: number[]): number[] {
  const counts = new Array(edges.length + 1).fill(0);
  for (const v of sorted) {
    let i = 0;
    while (i < edges.length && v > edges[i]) i++;
    counts[i] += 1;
  }
  return counts.map((c) => c / Math.max(sorted.length, 1));
}

export function psi(expected: number[], actual: number[]): number {
  let s = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = Math.max(expected[i], EPS);
    const a = Math.max(actual[i] ?? 0, EPS);
    s += (a - e) * Math.log(a / e);
  }
  return s;
}

/** Two-sample KS statistic and its asymptotic p-value (Numerical Recipes' Q_KS). */
export function ksTest(a: number[], b: number[]): { d: number; p: number } {
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length && j < b.length) {
    const x = Math.min(a[i], b[j]);
    while (i < a.length && a[i] <= x) i++;
    while (j < b.length && b[j] <= x) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  const en = Math.sqrt((a.length * b.length) / (a.length + b.length));
  const lambda = (en + 0.12 + 0.11 / en) * d;
  let p = 0;
  for (let k = 1; k <= 100; k++) p += 2 * (k % 2 ? 1 : -1) * Math.exp(-2 * k * k * lambda * lambda);
  return { d, p: Math.min(Math.max(lambda < 0.3 ? 1 : p, 0), 1) };
}

/** Wasserstein-1 distance between two sorted samples (area between their empirical CDFs). */
export function wasserstein(a: number[], b: number[]): number {
  const all = [...a, ...b].sort((x, y) => x - y);
  let i = 0;
  let j = 0;
  let area = 0;
  for (let k = 0; k < all.length - 1; k++) {
    while (i < a.length && a[i] <= all[k]) i++;
    while (j < b.length && b[j] <= all[k]) j++;
    area += Math.abs(i / a.length - j / b.length) * (all[k + 1] - all[k]);
  }
  return area;
}

export function jensenShannon(p: Record<string, number>, q: Record<string, number>): number {
  const keys = new Set([...Object.keys(p), ...Object.keys(q)]);
  const kl = (x: Record<string, number>, m: Record<string, number>) =>
    [...keys].reduce((s, k) => ((x[k] ?? 0) > 0 ? s + x[k] * Math.log2(x[k] / m[k]) : s), 0);
  const m: Record<string, number> = {};
  for (const k of keys) m[k] = ((p[k] ?? 0) + (q[k] ?? 0)) / 2;
  // Distance (square root of the divergence, base 2: in [0, 1]), as scipy and Evidently report it.
  return Math.sqrt(Math.max((kl(p, m) + kl(q, m)) / 2, 0));
}

/**
 * Evidently's chi-square: expected counts are the reference shares scaled to the current sample;
 * a category never seen in the reference makes the statistic infinite (p = 0).
 */
export function chiSquareTest(refFreqs: Record<string, number>, curCounts: Record<string, number>, n: number): number {
  const keys = [...new Set([...Object.keys(refFreqs), ...Object.keys(curCounts)])];
  if (keys.length < 2) return 1;
  let stat = 0;
  for (const k of keys) {
    const expected = (refFreqs[k] ?? 0) * n;
    const observed = curCounts[k] ?? 0;
    if (expected === 0) {
      if (observed > 0) return 0;
      continue;
    }
    stat += (observed - expected) ** 2 / expected;
  }
  return 1 - jStat.chisquare.cdf(stat, keys.length - 1);
}

/** Evidently's Z-test for a binary feature: two-sided test of the share of one category. */
export function proportionsZTest(refShare: number, refN: number, curShare: number, curN: number): number {
  const pooled = (refShare * refN + curShare * curN) / (refN + curN);
  const variance = pooled * (1 - pooled) * (1 / refN + 1 / curN);
  if (variance === 0) return refShare === curShare ? 1 : 0;
  const z = (refShare - curShare) / Math.sqrt(variance);
  return 2 * (1 - jStat.normal.cdf(Math.abs(z), 0, 1));
}

export function featureDrift(name: string, ref: FeatureProfile, current: Value[]): FeatureDrift | null {
  const present = current.filter((v): v is number | string => v !== null && v !== undefined);
  if (present.length === 0) return null;
  if (ref.kind === 'numeric' && present.every((v) => typeof v === 'number')) {
    const cur = (present as number[]).slice().sort((a, b) => a - b);
    const psiValue = psi(histogram(ref.sample, ref.edges), histogram(cur, ref.edges));
    const base = { feature: name, psi: psiValue, reference_count: ref.count, current_count: cur.length };
    if (ref.count <= 1000) {
      const { p } = ksTest(ref.sample, cur);
      return { ...base, method: 'ks', score: p, threshold: 0.05, drifted: p < 0.05 };
    }
    const w = wasserstein(ref.sample, cur) / (ref.std || 1);
    return { ...base, method: 'wasserstein', score: w, threshold: 0.1, drifted: w >= 0.1 };
  }
  const freqs: Record<string, number> = {};
  for (const v of present) freqs[String(v)] = (freqs[String(v)] ?? 0) + 1 / present.length;
  const refFreqs = ref.kind === 'categorical' ? ref.freqs : {};
  const keys = [...new Set([...Object.keys(refFreqs), ...Object.keys(freqs)])];
  const base = {
    feature: name,
    psi: psi(keys.map((k) => refFreqs[k] ?? 0), keys.map((k) => freqs[k] ?? 0)),
    reference_count: ref.count,
    current_count: present.length,
  };
  if (ref.count <= 1000) {
    // Small references: p-value tests, as Evidently does by default.
    if (keys.length <= 2) {
      const top = Object.keys(refFreqs).sort((a, b) => refFreqs[b] - refFreqs[a])[0] ?? keys[0];
      const p = proportionsZTest(refFreqs[top] ?? 0, ref.count, freqs[top] ?? 0, present.length);
      return { ...base, method: 'z', score: p, threshold: 0.05, drifted: p < 0.05 };
    }
    const counts = Object.fromEntries(Object.entries(freqs).map(([k, f]) => [k, Math.round(f * present.length)]));
    const p = chiSquareTest(refFreqs, counts, present.length);
    return { ...base, method: 'chisquare', score: p, threshold: 0.05, drifted: p < 0.05 };
  }
  const js = jensenShannon(refFreqs, freqs);
  return { ...base, method: 'jensenshannon', score: js, threshold: 0.1, drifted: js >= 0.1 };
}

export interface DatasetDrift {
  features: FeatureDrift[];
  drifted_features: number;
  drift_share: number | null;
  /** Evidently's default: the dataset drifts when at least half of its features do. */
  dataset_drift: boolean;
}

export function datasetDrift(profile: Profile, rows: Array<Record<string, Value>>): DatasetDrift {
  const features: FeatureDrift[] = [];
  for (const [name, ref] of Object.entries(profile)) {
    if (name === PREDICTION_FEATURE) continue;
    const d = featureDrift(name, ref, rows.map((r) => r[name] ?? null));
    if (d) features.push(d);
  }
  const drifted = features.filter((f) => f.drifted).length;
  const share = features.length ? drifted / features.length : null;
  return { features, drifted_features: drifted, drift_share: share, dataset_drift: share !== null && share >= 0.5 };
}
