// Per-version live stats in rolling time windows with bounded memory: each version keeps a ring of
// per-interval buckets (default 60 × 60 s), so memory is O(versions × buckets), never O(requests).
// This is the process-local view (one gateway); the guard reads the retained records in the
// database instead, so its decisions see every replica's traffic.
//
// The stats are folded from the retained-prediction batches (record-batch.ts), a run of rows at a
// time, not per request: the request path only appends to the batch's typed arrays. Per-request
// tallying (object keys, strings, maps, for every request) cost the serving thread more than the
// retention it sat beside (docs/benchmarks.md). So the distributions count the rows a batch keeps:
// every request, and at most its first 64 input rows — the same rows the guard's drift reads.
import { INFERENCE_OUTCOMES, isShedCode } from '../serving/gateway/observer.js';
import { errorRate, histogramQuantile, shedRate } from './metrics/metrics.js';
import type { BatchData } from './records/record-batch.js';

export const LATENCY_BOUNDS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
const MAX_CATEGORIES = 20;
// A batch stores each row's outcome as its index in INFERENCE_OUTCOMES.
const [OK, CLIENT_ERROR, MODEL_ERROR, REJECTED, QUEUE_TIMEOUT] = (['ok', 'client_error', 'model_error', 'rejected', 'queue_timeout'] as const).map((o) => INFERENCE_OUTCOMES.indexOf(o));
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
  /** Requests answered 503 without a run (load-shed, queue timeout); not in `requests`. */
  sheds: number;
  queueTimeouts: number;
  /** Counts per LATENCY_BOUNDS_MS bucket, plus one overflow bucket. */
  latency: number[];
  /** Class counts, or counts per numeric bin ('[0.4,0.5)'). */
  predictions: Record<string, number>;
  features: Record<string, FeatureAgg>;
}

function emptyBucket(start: number): Bucket {
  return { start, requests: 0, clientErrors: 0, modelErrors: 0, rejected: 0, sheds: 0, queueTimeouts: 0, latency: new Array(LATENCY_BOUNDS_MS.length + 1).fill(0), predictions: {}, features: {} };
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

function addFeature(b: Bucket, name: string, v: number | string | null | undefined): void {
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

  /** Row i of a batch: row 0 of a request carries its outcome and latency; ok rows their prediction and inputs. */
  addRow(d: BatchData, i: number): void {
    const time = d.time[i];
    if (time > this.lastSeen) this.lastSeen = time;
    const b = this.bucketFor(time);
    const outcome = d.outcome[i];
    if (d.row[i] === 0 && isShedCode(outcome)) {
      // A shed ran nothing: counted apart, its wait kept out of the model's latency.
      b.sheds += 1;
      if (outcome === QUEUE_TIMEOUT) b.queueTimeouts += 1;
      return;
    }
    if (d.row[i] === 0) {
      b.requests += 1;
      if (outcome === CLIENT_ERROR) b.clientErrors += 1;
      else if (outcome === MODEL_ERROR) b.modelErrors += 1;
      else if (outcome === REJECTED) b.rejected += 1;
      const latency = d.latency[i];
      let li = 0;
      while (li < LATENCY_BOUNDS_MS.length && latency > LATENCY_BOUNDS_MS[li]) li++;
      b.latency[li] += 1;
    }
    if (outcome !== OK) return;
    const pred = d.pred[i];
    const p = Number.isNaN(pred) ? d.predText[i] : pred;
    if (p !== undefined) countCategory(b.predictions, predictionBin(p));
    const schema = d.schema[i];
    if (schema < 0) return;
    const names = d.schemas[schema];
    for (let j = 0, k = d.fStart[i]; j < names.length; j++, k++) {
      const v = d.fVals[k];
      addFeature(b, names[j], Number.isNaN(v) ? d.fText[k] : v);
    }
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
  /** Requests answered 503 without a run (load-shed or queue timeout), of which queue timeouts. */
  sheds: number;
  queue_timeouts: number;
  shed_rate: number | null;
  latency_p50_ms: number | null;
  latency_p99_ms: number | null;
  latency_histogram: Array<{ le_ms: number | null; count: number }>;
  predictions: Record<string, number>;
  features: Record<string, { kind: string; count: number; mean?: number; min?: number; max?: number; counts?: Record<string, number> }>;
  /** Python workers of this version replaced (died, or passed their memory limit) since this process started: not windowed. */
  worker_restarts: number;
}

export function summarize(buckets: Bucket[]): WindowSummary {
  const hist = new Array(LATENCY_BOUNDS_MS.length + 1).fill(0);
  const s: WindowSummary = { requests: 0, client_errors: 0, model_errors: 0, error_rate: null, sheds: 0, queue_timeouts: 0, shed_rate: null, latency_p50_ms: null, latency_p99_ms: null, latency_histogram: [], predictions: {}, features: {}, worker_restarts: 0 };
  for (const b of buckets) {
    s.requests += b.requests;
    s.client_errors += b.clientErrors;
    s.model_errors += b.modelErrors;
    s.sheds += b.sheds;
    s.queue_timeouts += b.queueTimeouts;
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
  // The guard's definition: model errors among the requests the model served (a caller's 4xx is neither).
  s.error_rate = errorRate(s.requests - s.client_errors, s.model_errors);
  s.shed_rate = shedRate(s.requests, s.sheds);
  s.latency_p50_ms = histogramQuantile(hist, LATENCY_BOUNDS_MS, 0.5);
  s.latency_p99_ms = histogramQuantile(hist, LATENCY_BOUNDS_MS, 0.99);
  s.latency_histogram = hist.map((count, i) => ({ le_ms: LATENCY_BOUNDS_MS[i] ?? null, count }));
  return s;
}

/** All versions' rings; the least recently seen version is evicted past maxVersions. */
export class RollingStats {
  private readonly rings = new Map<string, VersionRing>();
  /** Worker restarts per model and version (bounded like the rings). */
  private readonly restarts = new Map<string, number>();

  constructor(
    readonly intervalMs = 60_000,
    readonly size = 60,
    private readonly maxVersions = 500,
  ) {}

  /** Rows [from, to) of a batch; consecutive rows of one version share one ring lookup. */
  addRows(d: BatchData, from: number, to: number): void {
    let ring: VersionRing | null = null;
    let model = -1;
    let version = NaN;
    for (let i = from; i < to; i++) {
      if (d.model[i] !== model || d.version[i] !== version) {
        model = d.model[i];
        version = d.version[i];
        ring = this.ring(d.strings[model], version);
      }
      ring!.addRow(d, i);
    }
  }

  private ring(model: string, version: number): VersionRing {
    const key = `${model}\u0000${version}`;
    let ring = this.rings.get(key);
    if (!ring) {
      if (this.rings.size >= this.maxVersions) this.evictOldest();
      this.rings.set(key, (ring = new VersionRing(this.intervalMs, this.size)));
    }
    return ring;
  }

  private evictOldest(): void {
    let oldest: [string, number] | null = null;
    for (const [k, r] of this.rings) if (!oldest || r.lastSeen < oldest[1]) oldest = [k, r.lastSeen];
    if (oldest) this.rings.delete(oldest[0]);
  }

  workerRestarted(model: string, version: number): void {
    const key = `${model}\u0000${version}`;
    if (!this.restarts.has(key) && this.restarts.size >= this.maxVersions) this.restarts.clear();
    this.restarts.set(key, (this.restarts.get(key) ?? 0) + 1);
  }

  /** Called before every read: folds the rows observed but not yet folded (the batch being filled). */
  beforeRead: () => void = () => undefined;

  summary(model: string, version: number, now: number, windowMs: number): WindowSummary {
    this.beforeRead();
    const key = `${model}\u0000${version}`;
    return { ...summarize(this.rings.get(key)?.window(now, windowMs) ?? []), worker_restarts: this.restarts.get(key) ?? 0 };
  }
}
