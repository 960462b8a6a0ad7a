// Per-version live stats in rolling time windows with bounded memory: each version keeps a ring of
// per-interval buckets (default 60 × 60 s), so memory is O(versions × buckets), never O(requests).
// This is the process-local view (one gateway); the guard reads the retained records in the
// database instead, so its decisions see every replica's traffic.
import type { InferenceObservation } from '../../gateway/observer.js';

export const LATENCY_BOUNDS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
const MAX_CATEGORIES = 20;
const OTHER = '__other__';

interface NumericAgg {
  kind: 'numeric';
  count: number;
  sum: number;
  min: number;
  max: number;
}
interface CategoricalAgg {
  kind: 'categorical';
  count: number;
  counts: Record<string, number>;
}
type FeatureAgg = NumericAgg | CategoricalAgg;

export interface Bucket {
  start: number;
  requests: number;
  clientErrors: number;
  modelErrors: number;
  rejected: number;
  /** Counts per LATENCY_BOUNDS_MS bucket, plus one overflow bucket. */
  latency: number[];
  /** Class counts, or counts per numeric bin ('[0.4,0.5)'). */
  predictions: Record<string, number>;
  features: Record<string, FeatureAgg>;
}

function emptyBucket(start: number): Bucket {
  return { start, requests: 0, clientErrors: 0, modelErrors: 0, rejected: 0, latency: new Array(LATENCY_BOUNDS_MS.length + 1).fill(0), predictions: {}, features: {} };
}

// The ten probability bins' names, built once: this runs for every prediction served.
const PROBABILITY_BINS = Array.from({ length: 10 }, (_, i) => `[${(i / 10).toFixed(1)},${((i + 1) / 10).toFixed(1)})`);

/** Probabilities fall in tenths; other numbers in bins of their order of magnitude. */
export function predictionBin(p: number | string): string {
  if (typeof p === 'string') return p;
  if (p >= 0 && p <= 1) return PROBABILITY_BINS[Math.min(Math.floor(p * 10), 9)];
  const mag = Math.pow(10, Math.floor(Math.log10(Math.abs(p) || 1)));
  const lo = Math.floor(p / mag) * mag;
  return `[${lo},${lo + mag})`;
}

function countCategory(counts: Record<string, number>, key: string): void {
  if (key in counts || Object.keys(counts).length < MAX_CATEGORIES) counts[key] = (counts[key] ?? 0) + 1;
  else counts[OTHER] = (counts[OTHER] ?? 0) + 1;
}

function addFeature(b: Bucket, name: string, v: number | string | null): void {
  if (v === null || v === undefined) return;
  const agg = b.features[name];
  if (typeof v === 'number') {
    if (!agg) b.features[name] = { kind: 'numeric', count: 1, sum: v, min: v, max: v };
    else if (agg.kind === 'numeric') {
      agg.count += 1;
      agg.sum += v;
      agg.min = Math.min(agg.min, v);
      agg.max = Math.max(agg.max, v);
    }
    return;
  }
  if (!agg) b.features[name] = { kind: 'categorical', count: 1, counts: { [v]: 1 } };
  else if (agg.kind === 'categorical') {
    agg.count += 1;
    countCategory(agg.counts, v);
  }
}

export class VersionRing {
  private readonly buckets: Array<Bucket | null>;
  lastSeen = 0;

  constructor(
    private readonly intervalMs: number,
    size: number,
  ) {
    this.buckets = new Array(size).fill(null);
  }

  private bucketFor(time: number): Bucket {
    const start = Math.floor(time / this.intervalMs) * this.intervalMs;
    const i = Math.floor(start / this.intervalMs) % this.buckets.length;
    let b = this.buckets[i];
    // A slot holding an older interval is reused: that is what keeps memory bounded.
    if (!b || b.start !== start) this.buckets[i] = b = emptyBucket(start);
    return b;
  }

  add(o: InferenceObservation): void {
    this.lastSeen = Math.max(this.lastSeen, o.time);
    const b = this.bucketFor(o.time);
    b.requests += 1;
    if (o.outcome === 'client_error') b.clientErrors += 1;
    else if (o.outcome === 'model_error') b.modelErrors += 1;
    else if (o.outcome === 'rejected') b.rejected += 1;
    let li = 0;
    while (li < LATENCY_BOUNDS_MS.length && o.latencyMs > LATENCY_BOUNDS_MS[li]) li++;
    b.latency[li] += 1;
    if (o.outcome !== 'ok') return;
    if (o.predictions) for (const p of o.predictions) countCategory(b.predictions, predictionBin(p));
    const inputs = o.inputs;
    if (inputs) for (const name in inputs) for (const v of inputs[name]) addFeature(b, name, v);
  }

  /** Buckets that started within [now - windowMs, now], oldest first. */
  window(now: number, windowMs: number): Bucket[] {
    return this.buckets
      .filter((b): b is Bucket => b !== null && b.start > now - windowMs - this.intervalMs && b.start <= now)
      .sort((a, b) => a.start - b.start);
  }
}

export interface WindowSummary {
  requests: number;
  client_errors: number;
  model_errors: number;
  error_rate: number | null;
  latency_p50_ms: number | null;
  latency_p99_ms: number | null;
  latency_histogram: Array<{ le_ms: number | null; count: number }>;
  predictions: Record<string, number>;
  features: Record<string, { kind: string; count: number; mean?: number; min?: number; max?: number; counts?: Record<string, number> }>;
}

function quantileFromHistogram(hist: number[], q: number): number | null {
  const total = hist.reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  let seen = 0;
  for (let i = 0; i < hist.length; i++) {
    seen += hist[i];
    if (seen >= q * total) return LATENCY_BOUNDS_MS[i] ?? LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1] * 2;
  }
  return null;
}

export function summarize(buckets: Bucket[]): WindowSummary {
  const hist = new Array(LATENCY_BOUNDS_MS.length + 1).fill(0);
  const s: WindowSummary = { requests: 0, client_errors: 0, model_errors: 0, error_rate: null, latency_p50_ms: null, latency_p99_ms: null, latency_histogram: [], predictions: {}, features: {} };
  for (const b of buckets) {
    s.requests += b.requests;
    s.client_errors += b.clientErrors;
    s.model_errors += b.modelErrors;
    b.latency.forEach((c, i) => (hist[i] += c));
    for (const [k, c] of Object.entries(b.predictions)) s.predictions[k] = (s.predictions[k] ?? 0) + c;
    for (const [name, agg] of Object.entries(b.features)) {
      const f = (s.features[name] ??= { kind: agg.kind, count: 0 });
      f.count += agg.count;
      if (agg.kind === 'numeric') {
        f.mean = ((f.mean ?? 0) * (f.count - agg.count) + agg.sum) / f.count;
        f.min = Math.min(f.min ?? Infinity, agg.min);
        f.max = Math.max(f.max ?? -Infinity, agg.max);
      } else {
        f.counts ??= {};
        for (const [k, c] of Object.entries(agg.counts)) f.counts[k] = (f.counts[k] ?? 0) + c;
      }
    }
  }
  s.error_rate = s.requests ? s.model_errors / s.requests : null;
  s.latency_p50_ms = quantileFromHistogram(hist, 0.5);
  s.latency_p99_ms = quantileFromHistogram(hist, 0.99);
  s.latency_histogram = hist.map((count, i) => ({ le_ms: LATENCY_BOUNDS_MS[i] ?? null, count }));
  return s;
}

/** All versions' rings; the least recently seen version is evicted past maxVersions. */
export class RollingStats {
  private readonly rings = new Map<string, VersionRing>();

  constructor(
    readonly intervalMs = 60_000,
    readonly size = 60,
    private readonly maxVersions = 500,
  ) {}

  add(o: InferenceObservation): void {
    const key = `${o.model}\u0000${o.version}`;
    let ring = this.rings.get(key);
    if (!ring) {
      if (this.rings.size >= this.maxVersions) this.evictOldest();
      this.rings.set(key, (ring = new VersionRing(this.intervalMs, this.size)));
    }
    ring.add(o);
  }

  private evictOldest(): void {
    let oldest: [string, number] | null = null;
    for (const [k, r] of this.rings) if (!oldest || r.lastSeen < oldest[1]) oldest = [k, r.lastSeen];
    if (oldest) this.rings.delete(oldest[0]);
  }

  summary(model: string, version: number, now: number, windowMs: number): WindowSummary {
    return summarize(this.rings.get(`${model}\u0000${version}`)?.window(now, windowMs) ?? []);
  }
}
