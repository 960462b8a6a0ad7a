// Prometheus metrics on the module's own prom-client Registry (no global default registry, so two
// apps in one process — tests, the demo — never share counters).
//
// Inference counts and latencies are tallied in plain arrays, folded from the retained-prediction
// batches a run of rows at a time (as the live stats are, rolling-stats.ts), and handed to
// prom-client only when /metrics is scraped. prom-client's own observe() validates and re-hashes the
// label set on every call; at ten thousand requests a second that alone measured ~10% of a small
// model's serving throughput (bench/monitoring.ts). prom-client still owns the registry, the
// exposition format and the process metrics.
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { INFERENCE_OUTCOMES, isShedCode, SHED_CODE } from '../serving/gateway/observer.js';
import type { BatchData } from './records/record-batch.js';

/** The shed outcomes' codes and the reason label each gets, in code order from SHED_CODE. */
const SHED_REASONS: Array<[number, string]> = [
  [INFERENCE_OUTCOMES.indexOf('shed'), 'queue_full'],
  [INFERENCE_OUTCOMES.indexOf('queue_timeout'), 'queue_timeout'],
];

export const LATENCY_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type SeriesLabels = { model: string; version: string; binding: string };
type HistogramValues = Awaited<ReturnType<Histogram['get']>>;

/** One label set's tallies since the process started (Prometheus counters never go down). */
interface Series {
  labels: SeriesLabels;
  /** Requests per outcome, in INFERENCE_OUTCOMES order; the part not yet handed to the prom-client counter. */
  pending: Float64Array;
  /** Sheds per SHED_REASONS entry not yet handed to the shed counter. */
  shedPending: Float64Array;
  /** Per LATENCY_BUCKETS_S bucket (not cumulative), plus the +Inf overflow. */
  buckets: Float64Array;
  sum: number;
  count: number;
}

/**
 * A histogram whose values come from the series tallies at scrape time. It is a prom-client
 * Histogram so the registry formats it like any other; only the read side is ours.
 */
const LATENCY_NAME = 'stagecraft_inference_latency_seconds';
const LATENCY_HELP = 'Inference latency by model, version and binding';

class TalliedHistogram extends Histogram<'model' | 'version' | 'binding'> {
  constructor(
    registry: Registry,
    private readonly series: () => Iterable<Series>,
  ) {
    super({
      name: LATENCY_NAME,
      help: LATENCY_HELP,
      labelNames: ['model', 'version', 'binding'],
      buckets: LATENCY_BUCKETS_S,
      registers: [registry],
    });
  }

  override async get(): Promise<HistogramValues> {
    const values: HistogramValues['values'] = [];
    const bucketName = `${LATENCY_NAME}_bucket`;
    for (const s of this.series()) {
      let acc = 0;
      LATENCY_BUCKETS_S.forEach((le, i) => {
        acc += s.buckets[i];
        values.push({ labels: { le, ...s.labels }, value: acc, metricName: bucketName });
      });
      values.push({ labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: bucketName });
      values.push({ labels: s.labels, value: s.sum, metricName: `${LATENCY_NAME}_sum` });
      values.push({ labels: s.labels, value: s.count, metricName: `${LATENCY_NAME}_count` });
    }
    return { name: LATENCY_NAME, help: LATENCY_HELP, type: 'histogram' as unknown as HistogramValues['type'] /* prom-client's typings say enum, its runtime uses the string */, values, aggregator: 'sum', collect: () => undefined };
  }

  // The registry prefers this method when a metric has it; ours has only one read path.
  getForPromString() {
    return this.get();
  }
}

export class PrometheusMetrics {
  readonly registry = new Registry();
  private readonly series = new Map<string, Series>();
  /** Called before every scrape: folds the rows observed but not yet folded (the batch being filled). */
  beforeRead: () => void = () => undefined;
  /** The retention writer's running totals, once monitoring has one. */
  private retention: (() => { written: number; dropped: number }) | null = null;
  private readonly restarts = new Counter({
    name: 'stagecraft_python_worker_restarts_total',
    help: 'Python workers replaced by model and version: they died, or passed their memory limit',
    labelNames: ['model', 'version'],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'stagecraft_' });
    const requests = new Counter({
      name: 'stagecraft_inference_requests_total',
      help: 'Inference requests by model, version, binding and outcome (ok, client_error, model_error, rejected, shed, queue_timeout)',
      labelNames: ['model', 'version', 'binding', 'outcome'],
      registers: [this.registry],
      // Runs at scrape time: hands the counts tallied since the last scrape to the counter.
      collect: () => {
        this.beforeRead();
        for (const s of this.series.values()) {
          INFERENCE_OUTCOMES.forEach((outcome, i) => {
            if (s.pending[i] > 0) requests.inc({ ...s.labels, outcome }, s.pending[i]);
            s.pending[i] = 0;
          });
        }
      },
    });
    // Overload apart, by why: 'queue_full' (load-shed) or 'queue_timeout'. They are also in
    // requests_total (outcome shed / queue_timeout); here they have their own name to alert on.
    const sheds = new Counter({
      name: 'stagecraft_inference_shed_total',
      help: 'Inference requests answered 503 without running, by model, version, binding and reason (queue_full, queue_timeout)',
      labelNames: ['model', 'version', 'binding', 'reason'],
      registers: [this.registry],
      collect: () => {
        this.beforeRead();
        for (const s of this.series.values()) {
          SHED_REASONS.forEach(([code, reason]) => {
            if (s.shedPending[code - SHED_CODE] > 0) sheds.inc({ ...s.labels, reason }, s.shedPending[code - SHED_CODE]);
            s.shedPending[code - SHED_CODE] = 0;
          });
        }
      },
    });
    new TalliedHistogram(this.registry, () => (this.beforeRead(), this.series.values()));
    // The writer keeps running totals; each scrape adds what they grew by since the last one.
    const reported = { written: 0, dropped: 0 };
    const report = (key: 'written' | 'dropped', counter: Counter) => {
      const now = this.retention?.()[key] ?? reported[key];
      if (now > reported[key]) counter.inc(now - reported[key]);
      reported[key] = now;
    };
    const retained: Counter = new Counter({ name: 'stagecraft_monitoring_rows_retained_total', help: 'Prediction rows written for feedback and drift', registers: [this.registry], collect: () => report('written', retained) });
    const dropped: Counter = new Counter({ name: 'stagecraft_monitoring_rows_dropped_total', help: 'Prediction rows dropped because the database fell behind', registers: [this.registry], collect: () => report('dropped', dropped) });
  }

  /** A Python worker of this version was replaced (died, or outgrew its memory limit). */
  workerRestarted(model: string, version: number): void {
    this.restarts.inc({ model, version: String(version) });
  }

  /** Reports the retention writer's totals (rows written, rows dropped) at each scrape. */
  watchRetention(totals: () => { written: number; dropped: number }): void {
    this.retention = totals;
  }

  /** Rows [from, to) of a batch: each request's row 0 carries its outcome and latency. */
  addRows(d: BatchData, from: number, to: number): void {
    let s: Series | null = null;
    let model = -1;
    let version = NaN;
    let binding = -1;
    for (let i = from; i < to; i++) {
      if (d.row[i] !== 0) continue;
      if (d.model[i] !== model || d.version[i] !== version || d.binding[i] !== binding) {
        model = d.model[i];
        version = d.version[i];
        binding = d.binding[i];
        s = this.seriesFor(d.strings[model], version, d.strings[binding]);
      }
      const outcome = d.outcome[i];
      s!.pending[outcome] += 1;
      // A shed ran nothing: its wait is not the model's latency.
      if (isShedCode(outcome)) {
        s!.shedPending[outcome - SHED_CODE] += 1;
        continue;
      }
      const seconds = d.latency[i] / 1000;
      let b = 0;
      while (b < LATENCY_BUCKETS_S.length && seconds > LATENCY_BUCKETS_S[b]) b++;
      s!.buckets[b] += 1;
      s!.sum += seconds;
      s!.count += 1;
    }
  }

  private seriesFor(model: string, version: number, binding: string): Series {
    const key = `${model}\u0000${version}\u0000${binding}`;
    let s = this.series.get(key);
    if (!s) {
      // Bounded like any label set should be: versions and bindings churn slowly.
      if (this.series.size >= 10_000) this.series.clear();
      s = { labels: { model, version: String(version), binding }, pending: new Float64Array(INFERENCE_OUTCOMES.length), shedPending: new Float64Array(SHED_REASONS.length), buckets: new Float64Array(LATENCY_BUCKETS_S.length + 1), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    return s;
  }
}
