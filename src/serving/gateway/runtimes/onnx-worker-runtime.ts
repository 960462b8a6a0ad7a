// ONNX Runtime in a worker thread, for large models. Creating a session is synchronous inside
// onnxruntime-node, so a big model loaded on the main thread would stall every other model's
// requests for as long as it takes; in a worker it loads (and runs) off the event loop. Small models
// stay in-thread (onnx-runtime.ts): a message hop per request costs more than they take to run.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Signature } from '../../../onnx/onnx-signature.js';
import { warmupFeeds, type ModelRuntime, type Tensors } from './runtime.js';

// Plain CommonJS evaluated in the worker, so it runs the same under tsx, vitest and the built dist.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
let session = null;
const toOrt = (feeds) => { const o = {}; for (const k in feeds) o[k] = new ort.Tensor(feeds[k].type, feeds[k].data, feeds[k].dims); return o; };
parentPort.on('message', async (m) => {
  try {
    if (m.type === 'load') {
      session = await ort.InferenceSession.create(new Uint8Array(m.bytes), { graphOptimizationLevel: 'all' });
      await session.run(toOrt(m.warm));
      parentPort.postMessage({ id: m.id, ok: true });
    } else if (m.type === 'run') {
      const out = await session.run(toOrt(m.feeds));
      const result = {};
      for (const k in out) result[k] = { type: out[k].type, dims: Array.from(out[k].dims), data: out[k].data };
      parentPort.postMessage({ id: m.id, ok: true, result });
    } else if (m.type === 'close') {
      if (session) await session.release();
      session = null;
      parentPort.postMessage({ id: m.id, ok: true });
    }
  } catch (err) {
    parentPort.postMessage({ id: m.id, ok: false, error: String((err && err.message) || err) });
  }
});
`;

interface Reply {
  id: number;
  ok: boolean;
  error?: string;
  result?: Tensors;
}

export async function loadOnnxInWorker(bytes: Uint8Array, signature: Signature): Promise<ModelRuntime> {
  const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
  const runtime = new WorkerOnnxRuntime(new Worker(WORKER_SOURCE, { eval: true, workerData: { ortPath } }));
  try {
    await runtime.call({ type: 'load', bytes, warm: warmupFeeds(signature) });
  } catch (err) {
    await runtime.terminate();
    throw new Error(`loading in a worker failed: ${(err as Error).message}`, { cause: err });
  }
  return runtime;
}

class WorkerOnnxRuntime implements ModelRuntime {
  readonly kind = 'onnx' as const;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();

  constructor(private readonly worker: Worker) {
    worker.on('message', (r: Reply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) p.resolve(r);
      else p.reject(new Error(r.error ?? 'worker failed'));
    });
    // A crashed worker fails what it was doing; the gateway reports it as a model error.
    worker.on('error', (err) => this.failAll(err));
    worker.on('exit', () => this.failAll(new Error('model worker exited')));
  }

  private failAll(err: Error): void {
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  call(message: Record<string, unknown>): Promise<Reply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  async run(feeds: Tensors): Promise<Tensors> {
    return (await this.call({ type: 'run', feeds })).result!;
  }

  async close(): Promise<void> {
    await this.call({ type: 'close' }).catch(() => {});
    await this.terminate();
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}
