// Wiring for monitoring: the observer the gateway reports to (live stats, Prometheus, retained
// predictions), the routes, the guard and the webhook dispatcher. Background work starts when the
// app is ready and stops when it closes.
import os from 'node:os';
import type { Module } from '../app.js';
import type { Deps } from '../deps.js';
import type { InferenceObservation, InferenceObserver } from '../serving/gateway/observer.js';
import { driftRoutes } from './drift/drift-routes.js';
import { Guard, type GuardOptions } from './guard/guard.js';
import { registerGuardGauges } from './guard/guard-metrics.js';
import { policiesRoutes } from './policies/policies-routes.js';
import { DEFAULT_DISPATCH, WebhookDispatcher, type DispatcherOptions } from '../notify/webhooks/webhook-dispatcher.js';
import { webhooksRoutes } from '../notify/webhooks/webhooks-routes.js';
import { monitoringRoutes } from './monitoring-routes.js';
import { PrometheusMetrics } from './prometheus.js';
import { DEFAULT_RETENTION, RecordWriter, type RetentionOptions } from './records/record-writer.js';
import { RollingStats } from './rolling-stats.js';

export interface MonitoringOptions {
  retention?: Partial<RetentionOptions>;
  /** false: this server never runs the guard (e.g. a read-only replica). Default: on. */
  guard?: false | Partial<GuardOptions>;
  webhooks?: Partial<DispatcherOptions>;
  /** Rolling live-stats buckets: interval and how many are kept (default 60 × 60 s). */
  statsIntervalMs?: number;
  statsBuckets?: number;
}

export interface Monitoring {
  observer: InferenceObserver;
  register: Module;
  close(): Promise<void>;
  /** Set once registered. */
  guard: Guard | null;
  writer: RecordWriter | null;
  stats: RollingStats;
  prom: PrometheusMetrics;
  /** Makes `writer` the one observations go to; the live stats and Prometheus tallies fold its batches. */
  attach(writer: RecordWriter): void;
}

export function monitoring(opts: MonitoringOptions = {}): Monitoring {
  const stats = new RollingStats(opts.statsIntervalMs ?? 60_000, opts.statsBuckets ?? 60);
  const prom = new PrometheusMetrics();
  let dispatcher: WebhookDispatcher | null = null;
  const m: Monitoring = {
    stats,
    prom,
    guard: null,
    writer: null,
    // Runs on the request path: appends to the columnar batch and nothing more. The live stats and
    // Prometheus tallies are folded from that batch (record-writer.ts).
    observer: {
      observe(o: InferenceObservation) {
        m.writer?.push(o);
      },
    },
    attach(writer) {
      m.writer = writer;
      writer.onRows((d, from, to) => stats.addRows(d, from, to));
      writer.onRows((d, from, to) => prom.addRows(d, from, to));
      stats.beforeRead = prom.beforeRead = () => writer.foldPending();
    },
    register(app, deps: Deps) {
      const writer = new RecordWriter(deps, { ...DEFAULT_RETENTION, ...opts.retention });
      m.attach(writer);
      prom.watchRetention(() => ({ written: writer.written, dropped: writer.dropped }));
      registerGuardGauges(prom.registry, deps.db);
      dispatcher = new WebhookDispatcher(deps, { ...DEFAULT_DISPATCH, ...opts.webhooks });
      if (opts.guard !== false) m.guard = new Guard(deps, { holder: `${os.hostname()}-${process.pid}-${deps.ids.uuid().slice(0, 8)}`, ...opts.guard });
      monitoringRoutes(app, deps, { prom, writer, stats });
      driftRoutes(app, deps);
      policiesRoutes(app, deps);
      webhooksRoutes(app, deps);
      app.addHook('onReady', async () => {
        writer.start();
        dispatcher?.start();
        m.guard?.start();
      });
      app.addHook('onClose', async () => m.close());
    },
    async close() {
      await m.guard?.stop();
      await dispatcher?.stop();
      await m.writer?.stop();
      m.writer = null;
    },
  };
  return m;
}
