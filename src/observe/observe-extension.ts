// Observation as an extension: the observer every gateway reports to (live stats, Prometheus,
// retained predictions), the monitoring, drift and policy routes, and the guard. Background work
// starts when the app is ready and stops when it closes.
import { policyTransfer } from './policies/policies-transfer.js';
import os from 'node:os';
import type { Extension } from '../extension.js';
import type { InferenceObservation, InferenceObserver } from '../serving/gateway/observer.js';
import { driftRoutes } from './drift/drift-routes.js';
import { Guard, type GuardOptions } from './guard/guard.js';
import { registerGuardGauges } from './guard/guard-metrics.js';
import { policiesRoutes } from './policies/policies-routes.js';
import { monitoringRoutes } from './monitoring-routes.js';
import { PrometheusMetrics } from './prometheus.js';
import { DEFAULT_RETENTION, RecordWriter, type RetentionOptions } from './records/record-writer.js';
import { RollingStats } from './rolling-stats.js';

export interface MonitoringOptions {
  retention?: Partial<RetentionOptions>;
  /** false: this server never runs the guard (e.g. a read-only replica). Default: on. */
  guard?: false | Partial<GuardOptions>;
  /** Rolling live-stats buckets: interval and how many are kept (default 60 × 60 s). */
  statsIntervalMs?: number;
  statsBuckets?: number;
}

export interface ObserveExtension extends Extension {
  observer: InferenceObserver;
  close(): Promise<void>;
  /** Set once registered. */
  guard: Guard | null;
  writer: RecordWriter | null;
  stats: RollingStats;
  prom: PrometheusMetrics;
  /** Makes `writer` the one observations go to; the live stats and Prometheus tallies fold its batches. */
  attach(writer: RecordWriter): void;
}

export function observeExtension(opts: MonitoringOptions = {}): ObserveExtension {
  const stats = new RollingStats(opts.statsIntervalMs ?? 60_000, opts.statsBuckets ?? 60);
  const prom = new PrometheusMetrics();
  const observer: InferenceObserver = {
    // Runs on the request path: appends to the columnar batch and nothing more. The live stats and
    // Prometheus tallies are folded from that batch (record-writer.ts).
    observe(o: InferenceObservation) {
      m.writer?.push(o);
    },
    workerRestarted(model: string, version: number) {
      prom.workerRestarted(model, version);
      stats.workerRestarted(model, version);
    },
  };
  const m: ObserveExtension = {
    name: 'observe',
    modelTransfer: policyTransfer,
    observers: [observer],
    stats,
    prom,
    guard: null,
    writer: null,
    observer,
    attach(writer) {
      m.writer = writer;
      writer.onRows((d, from, to) => stats.addRows(d, from, to));
      writer.onRows((d, from, to) => prom.addRows(d, from, to));
      stats.beforeRead = prom.beforeRead = () => writer.foldPending();
    },
    routes(app, { deps }) {
      const writer = new RecordWriter(deps, { ...DEFAULT_RETENTION, ...opts.retention });
      m.attach(writer);
      prom.watchRetention(() => ({ written: writer.written, dropped: writer.dropped }));
      registerGuardGauges(prom.registry, deps.db);
      if (opts.guard !== false) m.guard = new Guard(deps, { holder: `${os.hostname()}-${process.pid}-${deps.ids.uuid().slice(0, 8)}`, ...opts.guard });
      monitoringRoutes(app, deps, { prom, writer, stats });
      driftRoutes(app, deps);
      policiesRoutes(app, deps);
      app.addHook('onReady', async () => {
        writer.start();
        m.guard?.start();
      });
      app.addHook('onClose', async () => m.close());
    },
    async close() {
      await m.guard?.stop();
      await m.writer?.stop();
      m.writer = null;
    },
  };
  return m;
}
