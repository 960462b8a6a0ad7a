// Retains predictions in the database off the request path: observe() only appends to a bounded
// in-memory buffer; a timer (or a full batch) writes it in one multi-row insert. If the database
// falls behind, the oldest buffered rows are dropped and counted — serving never waits on monitoring.
import type { Deps } from '../../deps.js';
import type { InferenceObservation } from '../../gateway/observer.js';
import { insertRecords, pruneRecords, type NewRecord } from './records-store.js';

export interface RetentionOptions {
  /** Rows older than this are deleted (default 7 days). */
  retentionMs: number;
  /** At most this many rows are kept (default 2,000,000). */
  maxRows: number;
  /** How often the buffer is written (default 250 ms). */
  flushMs: number;
  batchSize: number;
  /** Bound on buffered rows not yet written. */
  maxBuffered: number;
  /** Input rows recorded per request (a 10,000-row batch request keeps its first 64). */
  maxRowsPerRequest: number;
}

export const DEFAULT_RETENTION: RetentionOptions = {
  retentionMs: 7 * 24 * 3600_000,
  maxRows: 2_000_000,
  flushMs: 250,
  batchSize: 500,
  maxBuffered: 100_000,
  maxRowsPerRequest: 64,
};

const PRUNE_EVERY_MS = 60_000;

export function toRecords(o: InferenceObservation, maxRows: number): NewRecord[] {
  const base = { request_id: o.requestId, model: o.model, version: o.version, binding: o.binding, time: o.time, outcome: o.outcome };
  const n = o.outcome === 'ok' ? Math.min(o.predictions?.length ?? 0, maxRows) : 0;
  if (n === 0) return [{ ...base, row: 0, latency_ms: o.latencyMs, features: null, pred_num: null, pred_text: null }];
  const names = Object.keys(o.inputs ?? {});
  const out: NewRecord[] = [];
  for (let i = 0; i < n; i++) {
    const features: Record<string, number | string | null> = {};
    for (const f of names) features[f] = o.inputs![f][i] ?? null;
    const p = o.predictions![i];
    out.push({
      ...base,
      row: i,
      latency_ms: o.latencyMs,
      features: names.length ? JSON.stringify(features) : null,
      pred_num: typeof p === 'number' ? p : null,
      pred_text: typeof p === 'string' ? p : null,
    });
  }
  return out;
}

export class RecordWriter {
  private buffer: NewRecord[] = [];
  private writing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastPrune = 0;
  dropped = 0;
  written = 0;

  constructor(
    private readonly deps: Deps,
    readonly opts: RetentionOptions = DEFAULT_RETENTION,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.opts.flushMs);
    this.timer.unref();
  }

  push(o: InferenceObservation): void {
    const rows = toRecords(o, this.opts.maxRowsPerRequest);
    for (const r of rows) this.buffer.push(r);
    const over = this.buffer.length - this.opts.maxBuffered;
    if (over > 0) {
      this.buffer.splice(0, over);
      this.dropped += over;
    }
    if (this.buffer.length >= this.opts.batchSize && !this.writing) void this.flush();
  }

  /** Writes everything buffered so far; resolves when it is in the database. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    if (this.buffer.length === 0) return this.maybePrune();
    this.writing = this.writeAll().finally(() => {
      this.writing = null;
    });
    await this.writing;
  }

  private async writeAll(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.splice(0, this.opts.batchSize);
      try {
        await insertRecords(this.deps.db, batch);
        this.written += batch.length;
      } catch (err) {
        this.dropped += batch.length;
        this.deps.log.warn({ err, rows: batch.length }, 'monitoring: could not retain predictions; dropped');
      }
    }
    await this.maybePrune();
  }

  private async maybePrune(): Promise<void> {
    const now = this.deps.clock.now();
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    try {
      await pruneRecords(this.deps.db, now - this.opts.retentionMs, this.opts.maxRows);
    } catch (err) {
      this.deps.log.warn({ err }, 'monitoring: retention prune failed');
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }
}
