// What a shadow run learns: the candidate's latency and errors on mirrored requests and how its
// predictions compare with the serving version's on the same rows — agreement (classification),
// mean absolute difference (regression) and the Kolmogorov–Smirnov distance between the two
// prediction distributions. Bounded memory: distributions keep a fixed-size sample.
import { quantile } from '../observe/index.js';

const KEEP = 5000;

export interface ShadowSummary {
  mirrored_requests: number;
  dropped_requests: number;
  candidate_errors: number;
  candidate_error_rate: number | null;
  candidate_latency_p50_ms: number | null;
  candidate_latency_p95_ms: number | null;
  compared_rows: number;
  task: 'classification' | 'regression';
  agreement_rate: number | null;
  mean_abs_diff: number | null;
  ks_distance: number | null;
}


/** Largest gap between the two empirical CDFs (0 identical, 1 disjoint). */
export function ksDistance(a: number[], b: number[]): number | null {
  if (!a.length || !b.length) return null;
  const x = [...a].sort((p, q) => p - q);
  const y = [...b].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i], y[j]);
    while (i < x.length && x[i] <= v) i++;
    while (j < y.length && y[j] <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

/** A probability in [0,1] is a class by the 0.5 threshold; other values are classes as they are. */
const classOf = (v: number | string) => (typeof v === 'number' && v >= 0 && v <= 1 && !Number.isInteger(v) ? (v >= 0.5 ? 1 : 0) : v);

export class ShadowStats {
  mirrored = 0;
  dropped = 0;
  errors = 0;
  private agree = 0;
  private compared = 0;
  private absDiff = 0;
  private numeric = 0;
  private readonly latencies: number[] = [];
  private readonly served: number[] = [];
  private readonly shadow: number[] = [];

  constructor(readonly task: 'classification' | 'regression') {}

  private keep(list: number[], v: number) {
    // Reservoir-like: once full, overwrite a rotating slot so the sample stays recent and bounded.
    if (list.length < KEEP) list.push(v);
    else list[(this.compared + this.mirrored) % KEEP] = v;
  }

  recordError(latencyMs: number): void {
    this.mirrored++;
    this.errors++;
    this.keep(this.latencies, latencyMs);
  }

  record(latencyMs: number, served: Array<number | string>, shadow: Array<number | string>): void {
    this.mirrored++;
    this.keep(this.latencies, latencyMs);
    const n = Math.min(served.length, shadow.length);
    for (let i = 0; i < n; i++) {
      const a = served[i];
      const b = shadow[i];
      if (classOf(a) === classOf(b)) this.agree++;
      if (typeof a === 'number' && typeof b === 'number') {
        this.absDiff += Math.abs(a - b);
        this.numeric++;
        this.keep(this.served, a);
        this.keep(this.shadow, b);
      }
      this.compared++;
    }
  }

  summary(): ShadowSummary {
    // The registry's one percentile (observe's metrics), as the guard and the UI report latency.
    const lat = this.latencies;
    return {
      mirrored_requests: this.mirrored,
      dropped_requests: this.dropped,
      candidate_errors: this.errors,
      candidate_error_rate: this.mirrored ? this.errors / this.mirrored : null,
      candidate_latency_p50_ms: quantile(lat, 0.5),
      candidate_latency_p95_ms: quantile(lat, 0.95),
      compared_rows: this.compared,
      task: this.task,
      agreement_rate: this.compared ? this.agree / this.compared : null,
      mean_abs_diff: this.numeric ? this.absDiff / this.numeric : null,
      ks_distance: ksDistance(this.served, this.shadow),
    };
  }
}
