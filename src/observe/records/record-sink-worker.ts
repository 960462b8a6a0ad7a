// A worker thread that writes sealed prediction batches, for either database: the serving thread
// transfers a columnar batch (its ArrayBuffers move, nothing is copied) and gets a promise back.
// The worker encodes the segments with the same encodeSegments() both databases use; its source is
// evaluated (plain CommonJS), so it runs the same under tsx, vitest and the built dist.
import { Worker } from 'node:worker_threads';
import type { RecordBatch } from './record-batch.js';
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
const { parentPort, workerData } = require('node:worker_threads');
`;
const LOOP = `
parentPort.on('message', async (m) => {
  if (m.type === 'close') {
    try { await closeSink(); } catch {}
    parentPort.postMessage({ id: m.id, ok: true });
    return;
  }
  try { await insertSegments(encodeSegments(m.batch, (v) => v8.serialize(v), workerData.slackMs, workerData.maxSpanMs)); parentPort.postMessage({ id: m.id, ok: true }); }
  catch (err) { parentPort.postMessage({ id: m.id, ok: false, error: String((err && err.message) || err) }); }
});
`;

export class RecordSinkWorker {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  /** Set once the thread has died: later writes fail at once instead of waiting forever. */
  private failure: Error | null = null;

  constructor(sinkSource: string, workerData: Record<string, unknown>) {
    this.worker = new Worker(PRELUDE + sinkSource + LOOP, { eval: true, workerData: { ...workerData, slackMs: SEGMENT_SLACK_MS, maxSpanMs: SEGMENT_MAX_SPAN_MS } });
    this.worker.unref();
    this.worker.on('message', (m: { id: number; ok: boolean; error?: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.ok) p?.resolve();
      else p?.reject(new Error(m.error));
    });
    const fail = (err: Error) => {
      this.failure ??= err;
      for (const p of this.pending.values()) p.reject(this.failure);
      this.pending.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the prediction writer thread exited (code ${code})`)));
  }

  private call(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...message }, transfer);
    });
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
    await this.call({ type: 'close' }).catch(() => {});
    await this.worker.terminate();
  }
}
