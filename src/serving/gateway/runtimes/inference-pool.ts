// A pool of worker threads running ONNX Runtime sessions, shared by every model of one gateway, so
// CPU-bound inference never runs on the event loop (onnxruntime-node runs a session synchronously on
// the calling thread). Each pooled version has a session in every worker (one intra-op thread each:
// the pool is the parallelism, and ORT's own spinning threads would fight it for the cores). Jobs wait
// in the pool's queue, not a worker's, and are dispatched to an idle worker in arrival order — but a
// model already running on its budget of workers (poolSize - 1 by default) waits, so a saturated
// model never holds every worker and another model's request finds one free.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Tensors } from './runtime.js';

// Plain CommonJS evaluated in each worker, so it runs the same under tsx, vitest and the built dist.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
// Below the event loop's priority (Linux: a thread's own nice value, by its id): when the cores are
// short, the request path — parsing, routing, small in-process models — runs first, heavy inference
// takes what is left. Best effort: elsewhere, or without the right, it runs at the process's priority.
if (workerData.nice > 0) {
  try {
    const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
    if (tid > 0) require('node:os').setPriority(tid, workerData.nice);
  } catch {}
}
const ort = require(workerData.ortPath);
const sessions = new Map();
const options = { graphOptimizationLevel: 'all', intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' };
const toOrt = (feeds) => { const o = {}; for (const k in feeds) o[k] = new ort.Tensor(feeds[k].type, feeds[k].data, feeds[k].dims); return o; };
parentPort.on('message', async (m) => {
  try {
    if (m.type === 'load') {
      const session = await ort.InferenceSession.create(new Uint8Array(m.bytes), options);
      await session.run(toOrt(m.warm));
      sessions.set(m.key, session);
      parentPort.postMessage({ id: m.id, ok: true });
    } else if (m.type === 'run') {
      const session = sessions.get(m.key);
      if (!session) throw new Error('no session ' + m.key + ' in this worker');
      const out = await session.run(toOrt(m.feeds));
      const result = {};
      for (const k in out) result[k] = { type: out[k].type, dims: Array.from(out[k].dims), data: out[k].data };
      parentPort.postMessage({ id: m.id, ok: true, result });
    } else if (m.type === 'close') {
      const session = sessions.get(m.key);
      sessions.delete(m.key);
      if (session) await session.release();
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

interface Job {
  key: number;
  feeds: Tensors;
  resolve: (t: Tensors) => void;
  reject: (e: Error) => void;
}

class PoolWorker {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  /** The run in progress (one at a time: a session runs synchronously inside the worker). */
  job: Job | null = null;
  dead = false;

  constructor(
    readonly worker: Worker,
    onExit: (w: PoolWorker) => void,
  ) {
    worker.unref();
    worker.on('message', (r: Reply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.ok) p.resolve(r);
      else p.reject(new Error(r.error ?? 'worker failed'));
    });
    const fail = (err: Error) => {
      this.dead = true;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
      onExit(this);
    };
    worker.on('error', fail);
    worker.on('exit', () => fail(new Error('inference worker exited')));
  }

  call(message: Record<string, unknown>): Promise<Reply> {
    if (this.dead) return Promise.reject(new Error('inference worker exited'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }
}

export interface PoolOptions {
  /** Worker threads; each holds a session of every pooled version. */
  size: number;
  /** Workers one model may occupy at once; the rest stay free for other models. */
  modelWorkers: number;
  /** How much lower than the event loop the workers run (a nice increment, 0-19; Linux). */
  nice?: number;
}

/** The pool's default shape: a worker per core, and every model may use all but one of them. */
export function defaultPoolOptions(cores: number): PoolOptions {
  const size = Math.max(1, cores);
  return { size, modelWorkers: Math.max(1, size - 1), nice: 10 };
}

export class InferencePool {
  private workers: PoolWorker[] = [];
  private readonly queue: Job[] = [];
  /** Runs in progress per pooled version (its key). */
  private readonly running = new Map<number, number>();
  private readonly sessions = new Set<number>();
  private nextKey = 1;

  constructor(readonly options: PoolOptions) {}

  private spawn(): PoolWorker {
    const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
    return new PoolWorker(new Worker(WORKER_SOURCE, { eval: true, workerData: { ortPath, nice: this.options.nice ?? 0 } }), (w) => this.lost(w));
  }

  /** A worker that died fails its run; its sessions are gone, so the pool goes on without it. */
  private lost(w: PoolWorker): void {
    this.workers = this.workers.filter((x) => x !== w);
    if (w.job) {
      this.finish(w.job.key);
      w.job.reject(new Error('inference worker exited'));
      w.job = null;
    }
    if (this.workers.length === 0) for (const job of this.queue.splice(0)) job.reject(new Error('no inference worker left'));
    this.dispatch();
  }

  /** Loads and warms a session in every worker; answers its key. Rejects (holding nothing) when any worker cannot. */
  async load(bytes: Uint8Array, warm: Tensors): Promise<number> {
    while (this.workers.length < this.options.size) this.workers.push(this.spawn());
    const key = this.nextKey++;
    const workers = [...this.workers];
    const results = await Promise.allSettled(workers.map((w) => w.call({ type: 'load', key, bytes, warm })));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await Promise.allSettled(workers.map((w) => w.call({ type: 'close', key })));
      this.stopIfIdle();
      throw failed.reason as Error;
    }
    this.sessions.add(key);
    return key;
  }

  run(key: number, feeds: Tensors): Promise<Tensors> {
    return new Promise((resolve, reject) => {
      this.queue.push({ key, feeds, resolve, reject });
      this.dispatch();
    });
  }

  async close(key: number): Promise<void> {
    this.sessions.delete(key);
    await Promise.allSettled(this.workers.map((w) => w.call({ type: 'close', key })));
    this.stopIfIdle();
  }

  /** No pooled version left: the workers go (a later load starts new ones). */
  private stopIfIdle(): void {
    if (this.sessions.size > 0) return;
    const workers = this.workers;
    this.workers = [];
    for (const w of workers) void w.worker.terminate();
  }

  private finish(key: number): void {
    const n = (this.running.get(key) ?? 1) - 1;
    if (n <= 0) this.running.delete(key);
    else this.running.set(key, n);
  }

  /** Idle workers take the oldest queued job whose model is under its budget. */
  private dispatch(): void {
    for (const w of this.workers) {
      if (w.job || w.dead || this.queue.length === 0) continue;
      const i = this.queue.findIndex((j) => (this.running.get(j.key) ?? 0) < this.options.modelWorkers);
      if (i < 0) return;
      const job = this.queue.splice(i, 1)[0];
      w.job = job;
      this.running.set(job.key, (this.running.get(job.key) ?? 0) + 1);
      w.call({ type: 'run', key: job.key, feeds: job.feeds }).then(
        (r) => this.done(w, job, () => job.resolve(r.result!)),
        (err: Error) => this.done(w, job, () => job.reject(err)),
      );
    }
  }

  private done(w: PoolWorker, job: Job, settle: () => void): void {
    if (w.job !== job) return settle(); // the worker died meanwhile: lost() already counted it
    w.job = null;
    this.finish(job.key);
    settle();
    this.dispatch();
  }
}
