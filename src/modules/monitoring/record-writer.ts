// Retains predictions in the database off the request path: observe() only appends to a bounded
// in-memory buffer; a timer (or a full batch) writes it in one multi-row insert. If the database
// falls behind, the oldest buffered rows are dropped and counted — serving never waits on monitoring.
import path from 'node:path';
import type { Deps } from '../../deps.js';
import type { InferenceObservation } from '../../gateway/observer.js';
import { insertRecords, pruneRecords, type NewRecord } from './records-store.js';
import { SqliteRecordSink } from './sqlite-record-sink.js';

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

/** One record per input row. Hot path: plain object literals, no spreads (measured 10x cheaper). */
export function toRecords(o: InferenceObservation, maxRows: number): NewRecord[] {
  const n = o.outcome === 'ok' ? Math.min(o.predictions?.length ?? 0, maxRows) : 0;
  const record = (row: number, features: string | null, p: number | string | null): NewRecord => ({
    request_id: o.requestId,
    row,
    model: o.model,
    version: o.version,
    binding: o.binding,
    time: o.time,
    latency_ms: o.latencyMs,
    outcome: o.outcome,
    features,
    pred_num: typeof p === 'number' ? p : null,
    pred_text: typeof p === 'string' ? p : null,
  });
  if (n === 0) return [record(0, null, null)];
  const inputs = o.inputs ?? {};
  const names = Object.keys(inputs);
  const out: NewRecord[] = new Array(n);
  for (let i = 0; i < n; i++) {
    let features: string | null = null;
    if (names.length) {
      const row: Record<string, number | string | null> = {};
      for (const f of names) row[f] = inputs[f][i] ?? null;
      features = JSON.stringify(row);
    }
    out[i] = record(i, features, o.predictions![i]);
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

  private readonly sqliteSink: SqliteRecordSink | null;

  constructor(
    private readonly deps: Deps,
    readonly opts: RetentionOptions = DEFAULT_RETENTION,
  ) {
    // PostgreSQL writes are asynchronous I/O already; SQLite's would block the event loop.
    this.sqliteSink = deps.caps.name === 'sqlite' ? new SqliteRecordSink(path.join(path.resolve(deps.config.dataDir), 'registry.sqlite')) : null;
  }

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
        if (this.sqliteSink) await this.sqliteSink.insert(batch);
        else await insertRecords(this.deps.db, batch, this.deps.caps.name);
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
    await this.sqliteSink?.close();
  }
}
