// Retains predictions in the database off the request path: observe() only appends to a columnar
// batch (record-batch.ts); a timer (or a full batch) writes the sealed batches, each in one
// transaction. If the database falls behind, the oldest batches are dropped and counted — serving
// never waits on monitoring. The batch is also what the live stats and Prometheus tallies are
// folded from (`onRows`): when it is sealed, or sooner when someone reads them (`foldPending`).
import path from 'node:path';
import type { Deps } from '../../deps.js';
import type { InferenceObservation } from '../../serving/gateway/observer.js';
import { pgRecordSink } from './pg-record-sink.js';
import { RecordBatch, servedRows, type BatchData } from './record-batch.js';
import type { RecordSinkWorker } from './record-sink-worker.js';
import { pruneRecords } from './records-store.js';
import { sqliteRecordSink } from './sqlite-record-sink.js';

export interface RetentionOptions {
  /** Rows older than this are deleted (default 7 days). */
  retentionMs: number;
  /** At most this many rows are kept (default 2,000,000). */
  maxRows: number;
  /** How often the buffer is written (default 250 ms). */
  flushMs: number;
  /** Rows per batch: a full batch is written at once (default 2,048). */
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
  batchSize: 2048,
  maxBuffered: 100_000,
  maxRowsPerRequest: 64,
};

const PRUNE_EVERY_MS = 60_000;
const SINK_RESTART_MS = 5_000;

export class RecordWriter {
  private current: RecordBatch;
  /** Sealed batches waiting to be written, oldest first. */
  private sealed: RecordBatch[] = [];
  private sealedRows = 0;
  private writing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastPrune = 0;
  private pruning: Promise<void> | null = null;
  /** Rows of the current batch already handed to the tallies. */
  private folded = 0;
  private readonly tallies: Array<(d: BatchData, from: number, to: number) => void> = [];
  dropped = 0;
  written = 0;

  private sink: RecordSinkWorker;
  private sinkStartedAt = 0;

  constructor(
    private readonly deps: Deps,
    readonly opts: RetentionOptions = DEFAULT_RETENTION,
  ) {
    this.current = new RecordBatch(Math.max(opts.batchSize, opts.maxRowsPerRequest));
    this.sink = this.startSink();
  }

  /** On a worker thread for both databases: SQLite's inserts would block the event loop, and
   * encoding the segments is CPU the serving thread would lose. */
  private startSink(): RecordSinkWorker {
    this.sinkStartedAt = this.deps.clock.now();
    const { caps, config } = this.deps;
    if (caps.name === 'sqlite') return sqliteRecordSink(path.join(path.resolve(config.dataDir), 'registry.sqlite'));
    if (config.databaseUrl) return pgRecordSink(config.databaseUrl);
    throw new Error('monitoring: PostgreSQL without a database URL for the prediction writer');
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.opts.flushMs);
    this.timer.unref();
  }

  /** Tallies fed every observed row once, in order (live stats, Prometheus). */
  onRows(tally: (d: BatchData, from: number, to: number) => void): void {
    this.tallies.push(tally);
  }

  /** Hands the rows observed since the last fold to the tallies: cheap, and called before every read. */
  foldPending(): void {
    const d = this.current.d;
    if (d.n === this.folded) return;
    for (const tally of this.tallies) {
      try {
        tally(d, this.folded, d.n);
      } catch (err) {
        // A broken tally must not stop retention (this runs inside observe() when a batch seals).
        this.deps.log.warn({ err }, 'monitoring: a live tally failed; its counts skip these rows');
      }
    }
    this.folded = d.n;
  }

  push(o: InferenceObservation): void {
    if (this.current.room < Math.max(servedRows(o, this.opts.maxRowsPerRequest), 1)) {
      this.seal();
      if (!this.writing) void this.flush();
    }
    this.current.append(o, this.opts.maxRowsPerRequest);
  }

  private seal(): void {
    if (this.current.d.n === 0) return;
    this.foldPending();
    this.folded = 0;
    this.sealed.push(this.current);
    this.sealedRows += this.current.d.n;
    this.current = new RecordBatch(this.current.capacity, this.sink.takeSpare());
    while (this.sealedRows > this.opts.maxBuffered && this.sealed.length > 0) {
      const lost = this.sealed.shift()!.d.n;
      this.sealedRows -= lost;
      this.dropped += lost;
    }
  }

  /** Writes everything buffered so far; resolves when it is in the database. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing;
    this.seal();
    if (this.sealed.length === 0) return this.maybePrune();
    this.writing = this.writeAll().finally(() => {
      this.writing = null;
    });
    await this.writing;
  }

  private async writeAll(): Promise<void> {
    while (this.sealed.length > 0) {
      const batch = this.sealed.shift()!;
      this.sealedRows -= batch.d.n;
      try {
        await this.sink.insert(batch);
        this.written += batch.d.n;
      } catch (err) {
        this.dropped += batch.d.n;
        this.deps.log.warn({ err, rows: batch.d.n }, 'monitoring: could not retain predictions; dropped');
        // A dead writer thread is replaced, at most every few seconds (its setup may keep failing).
        if (this.sink.dead && this.deps.clock.now() - this.sinkStartedAt >= SINK_RESTART_MS) {
          void this.sink.close();
          this.sink = this.startSink();
        }
      }
    }
    await this.maybePrune();
  }

  /**
   * Prunes at most once a minute. A caller that arrives while a prune runs (the flush timer's, say)
   * waits for it: feedback flushes first and must not read predictions a running prune is removing.
   */
  private maybePrune(): Promise<void> {
    if (this.pruning) return this.pruning;
    const now = this.deps.clock.now();
    if (now - this.lastPrune < PRUNE_EVERY_MS) return Promise.resolve();
    this.lastPrune = now;
    const pruning = pruneRecords(this.deps.db, now - this.opts.retentionMs, this.opts.maxRows)
      .then(
        () => undefined,
        (err: unknown) => this.deps.log.warn({ err }, 'monitoring: retention prune failed'),
      )
      .finally(() => {
        this.pruning = null;
      });
    this.pruning = pruning;
    return pruning;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
    await this.sink.close();
  }
}
