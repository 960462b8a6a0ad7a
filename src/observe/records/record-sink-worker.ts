// A job on a worker thread that writes sealed prediction batches, for either database: the serving
// thread transfers a columnar batch (its ArrayBuffers move, nothing is copied) and gets a promise
// back. The job encodes the segments with the same encodeSegments() both databases use; its source
// is evaluated (plain CommonJS), so it runs the same under tsx, vitest and the built dist. On SQLite
// it shares the database file's thread with the WAL checkpointer (db/job-thread.ts: a thread costs
// ~8–10 MB of RSS, issue 18.6); on PostgreSQL it has a thread of its own.
import { startJob, type Job } from '../../db/job-thread.js';
import { BATCH_COLUMNS, type BatchData, type RecordBatch } from './record-batch.js';
import { encodeSegments, SEGMENT_MAX_SPAN_MS, SEGMENT_SLACK_MS } from './segment-codec.js';

/**
 * Source prelude every sink worker starts with: encodeSegments (self-contained on purpose) and the
 * message loop. The sink's own source defines `insertSegments(segments)` (may return a promise)
 * and `closeSink()`. __name is the helper some transpilers wrap named functions in.
 */
const PRELUDE = `
const __name = (f) => f;
const encodeSegments = ${encodeSegments.toString()};
const v8 = require('node:v8');
const BATCH_COLUMNS = ${JSON.stringify(BATCH_COLUMNS)};
`;
const LOOP = `
parentPort.on('message', async (m) => {
  if (m.type === 'close') {
    try { await closeSink(); } catch {}
    parentPort.postMessage({ id: m.id, ok: true });
    return;
  }
  try {
    await insertSegments(encodeSegments(m.batch, (v) => v8.serialize(v), workerData.slackMs, workerData.maxSpanMs));
    // The written batch goes back, its columns transferred, for the serving thread to fill again.
    parentPort.postMessage({ id: m.id, ok: true, batch: m.batch }, BATCH_COLUMNS.map((k) => m.batch[k].buffer));
  }
  catch (err) { parentPort.postMessage({ id: m.id, ok: false, error: String((err && err.message) || err) }); }
});
`;

/** Two: the batch being filled seals while the one before may still be on its way back. */
const SPARES = 2;

export class RecordSinkWorker {
  private readonly job: Job;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  /** Written batches' columns handed back, for the next batches (at most SPARES). */
  private readonly spares: BatchData[] = [];
  /** Set once the thread has died: later writes fail at once instead of waiting forever. */
  private failure: Error | null = null;

  /** `shareKey`: the SQLite file whose thread the job joins, or null for a thread of its own. */
  constructor(sinkSource: string, workerData: Record<string, unknown>, shareKey: string | null) {
    this.job = startJob(PRELUDE + sinkSource + LOOP, { ...workerData, slackMs: SEGMENT_SLACK_MS, maxSpanMs: SEGMENT_MAX_SPAN_MS }, shareKey);
    let setupError: string | null = null;
    this.job.onMessage((msg) => {
      const m = msg as { id: number; ok: boolean; error?: string; jobFailed?: string; batch?: BatchData };
      if (m.jobFailed !== undefined) {
        setupError = m.jobFailed;
        return;
      }
      if (m.batch && this.spares.length < SPARES) this.spares.push(m.batch);
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.ok) p?.resolve();
      else p?.reject(new Error(m.error));
    });
    // The job failed at setup, or its thread died: every write waiting and to come fails.
    this.job.port.once('close', () => {
      this.failure ??= new Error(setupError === null ? 'the prediction writer thread exited' : `the prediction writer could not start: ${setupError}`);
      for (const p of this.pending.values()) p.reject(this.failure);
      this.pending.clear();
    });
  }

  private call(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.job.port.postMessage({ id, ...message }, transfer);
    });
  }

  /** A written batch's columns to fill again, if one came back (see RecordBatch's constructor). */
  takeSpare(): BatchData | undefined {
    return this.spares.pop();
  }

  /** True once the thread has died (its writes fail at once). */
  get dead(): boolean {
    return this.failure !== null;
  }

  /** The batch's buffers move to the worker: it must not be used here afterwards. */
  insert(batch: RecordBatch): Promise<void> {
    return this.call({ type: 'insert', batch: batch.d }, batch.transferList());
  }

  async close(): Promise<void> {
    // Referenced until it has closed its connection: an unreferenced job could be cut off at exit.
    this.job.ref();
    await this.call({ type: 'close' }).catch(() => {});
    await this.job.detach();
  }
}
