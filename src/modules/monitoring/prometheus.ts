// Prometheus metrics on the module's own prom-client Registry (no global default registry, so two
// apps in one process — tests, the demo — never share counters).
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { InferenceObservation } from '../../gateway/observer.js';

export class PrometheusMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'model' | 'version' | 'binding' | 'outcome'>;
  private readonly latency: Histogram<'model' | 'version' | 'binding'>;
  readonly retained: Counter;
  readonly dropped: Counter;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'stagecraft_' });
    this.requests = new Counter({
      name: 'stagecraft_inference_requests_total',
      help: 'Inference requests by model, version, binding and outcome (ok, client_error, model_error, rejected)',
      labelNames: ['model', 'version', 'binding', 'outcome'],
      registers: [this.registry],
    });
    this.latency = new Histogram({
      name: 'stagecraft_inference_latency_seconds',
      help: 'Inference latency by model, version and binding',
      labelNames: ['model', 'version', 'binding'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.retained = new Counter({ name: 'stagecraft_monitoring_rows_retained_total', help: 'Prediction rows written for feedback and drift', registers: [this.registry] });
    this.dropped = new Counter({ name: 'stagecraft_monitoring_rows_dropped_total', help: 'Prediction rows dropped because the database fell behind', registers: [this.registry] });
  }

  /** Labelled children, cached: resolving label values on every request is most of the cost. */
  private readonly children = new Map<string, { requests: Map<string, Counter.Internal>; latency: Histogram.Internal<string> }>();

  observe(o: InferenceObservation): void {
    const key = `${o.model}\u0000${o.version}\u0000${o.binding}`;
    let c = this.children.get(key);
    if (!c) {
      if (this.children.size > 10_000) this.children.clear();
      c = { requests: new Map(), latency: this.latency.labels(o.model, String(o.version), o.binding) };
      this.children.set(key, c);
    }
    let counter = c.requests.get(o.outcome);
    if (!counter) c.requests.set(o.outcome, (counter = this.requests.labels(o.model, String(o.version), o.binding, o.outcome)));
    counter.inc();
    c.latency.observe(o.latencyMs / 1000);
  }
}
