// MLflow models (any flavor mlflow.pyfunc.load_model can load) served by a Python worker process
// per loaded version. Load: the version's verified files are written to a per-version directory
// (python-materialize.ts), a worker loads them and reports the model's signature and input example,
// and the runtime warms it (the input example, else zeros shaped by the signature) before it is
// handed to the gateway — which swaps, drains and keeps it as standby exactly as for ONNX.
// A worker that dies is restarted (counted, logged); requests that were in flight on it are retried
// once on the fresh worker (inference has no side effects), and answered 503 if that fails too:
// never a wrong answer, never a hang. A version may run several workers (requests go to the one with
// the fewest in flight), and concurrent requests are combined into one predict call (python-batch.ts).
// A worker that outgrows its memory limit is replaced: the fresh one takes new requests, the old one
// is closed once it has answered what it holds.
import { AppError, invalid } from '../../../errors.js';
import type { Logger } from '../../../log.js';
import type { Signature } from '../../../onnx/onnx-signature.js';
import { materializeVersion, removeDir, type FetchFile } from './python-materialize.js';
import { signatureOf, type WorkerSchema } from './python-signature.js';
import { decodeTensors, encodeTensors, type FrameEncoding, type TensorHeader } from './python-worker-frames.js';
import { MicroBatcher } from './python-batch.js';
import { PythonWorker, WorkerGone } from './python-worker-process.js';
import { warmupFeeds, type ModelRuntime, type Tensors, type VersionSpec } from './runtime.js';

export interface PythonRuntimeOptions {
  /** The interpreter the workers run (--python, STAGECRAFT_PYTHON; default python3). */
  python: string;
  /** A worker that has not loaded its model within this is killed and the load fails. */
  pythonLoadTimeoutMs: number;
  /** How tensors travel to and from workers. */
  pythonEncoding: FrameEncoding;
  /** Where versions' model directories are written. */
  pythonDir: string;
  /** Worker processes per loaded version (--python-workers, STAGECRAFT_PYTHON_WORKERS; default 1). */
  pythonWorkers: number;
  /** Micro-batching: most rows one combined predict call carries (0: off). python-batch.ts. */
  pythonBatchRows: number;
  /** Micro-batching: longest a request waits for others while every worker is busy (0: off). */
  pythonBatchWaitMs: number;
  /** A worker whose resident memory passes this is replaced, then closed once drained (0: no limit). */
  pythonWorkerMaxRssBytes: number;
}

export interface PythonLoadContext {
  fetchFile: FetchFile;
  log: Logger;
  /** Told each time a worker of a version is replaced (it died, or outgrew its memory limit). */
  onRestart?: (model: string, version: number) => void;
}

/** After a restart fails, requests are answered 503 at once for this long instead of each trying again. */
const RESTART_BACKOFF_MS = 2000;
const RSS_EVERY_MS = 2000;

export async function loadPythonRuntime(spec: VersionSpec, options: PythonRuntimeOptions, ctx: PythonLoadContext): Promise<PythonRuntime> {
  const { dir, modelDir } = await materializeVersion(spec, ctx.fetchFile, options.pythonDir);
  const runtime = new PythonRuntime(spec, modelDir, dir, options, ctx.log, ctx.onRestart);
  try {
    await runtime.start();
    return runtime;
  } catch (err) {
    await runtime.close();
    throw err;
  }
}

/** One worker position of a version: its live worker, or the one starting in its place. */
interface WorkerSlot {
  worker: PythonWorker | null;
  restarting: Promise<PythonWorker> | null;
  restartFailedAt: number;
}

/** How many recent predict times (the worker's own, in the frame) are kept for the bench. */
const PREDICT_TIMES_KEPT = 8192;

export class PythonRuntime implements ModelRuntime {
  readonly kind = 'python' as const;
  modelSignature: Signature | null = null;
  /** What the worker reported: input example, Python and MLflow versions. */
  info: Record<string, unknown> = {};
  /** Workers replaced: they died, or outgrew the memory limit (recycles, counted here too). */
  restarts = 0;
  /** Of the restarts, those for the memory limit. */
  recycles = 0;
  readonly batcher: MicroBatcher;
  /** The workers' own predict times (ms), most recent PREDICT_TIMES_KEPT, for the bench's overhead figure. */
  readonly predictMs = new Float64Array(PREDICT_TIMES_KEPT);
  /** The same requests' whole time inside the worker (decode, DataFrame, predict, encode), ms. */
  readonly workerMs = new Float64Array(PREDICT_TIMES_KEPT);
  predictCount = 0;
  private readonly slots: WorkerSlot[];
  /** Workers replaced for memory, answering what they hold before they close. */
  private readonly draining = new Set<PythonWorker>();
  private closed = false;
  private rssBytes = 0;
  private rssTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly spec: VersionSpec,
    private readonly modelDir: string,
    private readonly dir: string,
    private readonly options: PythonRuntimeOptions,
    private readonly log: Logger,
    private readonly onRestart?: (model: string, version: number) => void,
  ) {
    this.slots = Array.from({ length: Math.max(1, options.pythonWorkers || 1) }, () => ({ worker: null, restarting: null, restartFailedAt: 0 }));
    this.batcher = new MicroBatcher(
      { maxRows: options.pythonBatchRows, maxWaitMs: options.pythonBatchWaitMs },
      (feeds) => this.runOnce(feeds),
      () => this.slots.some((s) => s.worker !== null && !s.worker.exited && s.worker.inflight === 0),
    );
  }

  async start(): Promise<void> {
    // The first worker reports the signature the others' warm-up is shaped by; the rest start together.
    const first = await this.spawn(0);
    this.info = first.info;
    this.modelSignature = signatureOf(this.info.inputs as WorkerSchema | null, this.info.outputs as WorkerSchema | null);
    await this.warm(first);
    this.slots[0].worker = first;
    await Promise.all(
      this.slots.slice(1).map(async (slot, i) => {
        const w = await this.spawn(i + 1);
        await this.warm(w);
        slot.worker = w;
      }),
    );
    this.sampleRss();
    this.rssTimer = setInterval(() => this.sampleRss(), RSS_EVERY_MS);
    this.rssTimer.unref();
  }

  private async spawn(index: number): Promise<PythonWorker> {
    const w = await PythonWorker.start({
      // A model may name its own interpreter (a virtualenv's or conda env's): tag stagecraft.python.
      python: this.spec.python?.interpreter || this.options.python,
      dir: this.modelDir,
      loadTimeoutMs: this.options.pythonLoadTimeoutMs,
      log: this.log,
      model: this.spec.model,
      version: this.spec.version,
    });
    w.onExit((why) => this.died(index, w, why));
    return w;
  }

  /** The model's own input example when it has one, else zeros shaped by the signature. */
  private async warm(w: PythonWorker): Promise<void> {
    if (this.info.has_input_example) {
      const f = await w.request({ op: 'warm', enc: this.options.pythonEncoding });
      if (f.header.ok !== true) throw new Error(`warming with the model's input example failed: ${String(f.header.error)}`);
      return;
    }
    if (!this.modelSignature) return; // nothing to shape a sample by: the first request warms it
    try {
      await this.predictOn(w, warmupFeeds(this.modelSignature));
    } catch (err) {
      // Zeros are a guess; a model may refuse them and still serve real rows.
      this.log.warn({ model: this.spec.model, version: this.spec.version, err: (err as Error).message }, 'python model refused the zeros it was warmed with');
    }
  }

  private counted(recycle: boolean): void {
    this.restarts++;
    if (recycle) this.recycles++;
    try {
      this.onRestart?.(this.spec.model, this.spec.version);
    } catch {
      // monitoring must never break serving
    }
  }

  private died(index: number, w: PythonWorker, why: string): void {
    const slot = this.slots[index];
    if (this.closed || slot.worker !== w) return;
    slot.worker = null;
    this.counted(false);
    this.log.error({ model: this.spec.model, version: this.spec.version, pid: w.pid, why, restarts: this.restarts }, 'python worker died; restarting it');
    void this.live(index).catch(() => {});
  }

  /** Slot index's running worker, or the one being started in place of a dead one. */
  private live(index: number): Promise<PythonWorker> {
    const slot = this.slots[index];
    if (slot.worker && !slot.worker.exited) return Promise.resolve(slot.worker);
    if (this.closed) return Promise.reject(new AppError('unavailable', `version ${this.spec.version} of "${this.spec.model}" is closed`));
    if (!slot.restarting) {
      if (Date.now() - slot.restartFailedAt < RESTART_BACKOFF_MS) {
        return Promise.reject(new AppError('unavailable', `the Python worker of version ${this.spec.version} of "${this.spec.model}" is restarting; retry shortly`));
      }
      slot.restarting = this.spawn(index).then(
        async (w) => {
          slot.restarting = null;
          if (this.closed) {
            await w.close();
            throw new AppError('unavailable', 'closed while restarting');
          }
          await this.warm(w).catch(() => {});
          slot.worker = w;
          this.log.info({ model: this.spec.model, version: this.spec.version, pid: w.pid }, 'python worker restarted');
          return w;
        },
        (err: Error) => {
          slot.restarting = null;
          slot.restartFailedAt = Date.now();
          this.log.error({ model: this.spec.model, version: this.spec.version, err: err.message }, 'python worker could not be restarted');
          throw new AppError('unavailable', `the Python worker of version ${this.spec.version} of "${this.spec.model}" could not be restarted: ${err.message}`);
        },
      );
    }
    return slot.restarting;
  }

  /** The live worker with the fewest requests in flight; else the slot whose restart to wait for. */
  private pick(): Promise<PythonWorker> {
    let best: PythonWorker | null = null;
    for (const s of this.slots) {
      const w = s.worker;
      if (w && !w.exited && (!best || w.inflight < best.inflight)) best = w;
    }
    if (best) return Promise.resolve(best);
    const restarting = this.slots.findIndex((s) => s.restarting !== null);
    return this.live(restarting >= 0 ? restarting : 0);
  }

  run(feeds: Tensors): Promise<Tensors> {
    return this.batcher.run(feeds);
  }

  /** One predict call on the least busy worker; retried once on another if its worker died under it. */
  private async runOnce(feeds: Tensors): Promise<Tensors> {
    try {
      return await this.predictOn(await this.pick(), feeds);
    } catch (err) {
      if (!(err instanceof WorkerGone)) throw err;
    }
    // Its worker died with this request in flight: once more, on a fresh one.
    try {
      return await this.predictOn(await this.pick(), feeds);
    } catch (err) {
      if (err instanceof WorkerGone) throw new AppError('unavailable', `the Python worker of version ${this.spec.version} of "${this.spec.model}" died twice during this request; retry shortly`);
      throw err;
    }
  }

  private async predictOn(w: PythonWorker, feeds: Tensors): Promise<Tensors> {
    const enc = this.options.pythonEncoding;
    const { inputs, payload } = encodeTensors(feeds, enc);
    let f;
    try {
      f = await w.request({ op: 'predict', enc, inputs }, payload);
    } finally {
      this.batcher.workerFreed();
    }
    const h = f.header;
    if (typeof h.predict_us === 'number') {
      const k = this.predictCount++ % PREDICT_TIMES_KEPT;
      this.predictMs[k] = h.predict_us / 1000;
      this.workerMs[k] = Number(h.worker_us ?? 0) / 1000;
    }
    if (h.ok === true) return decodeTensors(h.outputs as TensorHeader[], f.payload);
    if (h.kind === 'input') throw invalid(`the model refused the input: ${String(h.error)}`);
    throw new Error(String(h.error));
  }

  private sampleRss(): void {
    let total = 0;
    const limit = this.options.pythonWorkerMaxRssBytes;
    this.slots.forEach((slot, index) => {
      const w = slot.worker;
      const rss = w?.rss() ?? 0;
      total += rss;
      if (w && limit > 0 && rss > limit && !this.closed && !slot.restarting) this.recycle(index, w, rss);
    });
    for (const w of this.draining) total += w.rss();
    if (total > 0) this.rssBytes = total;
  }

  /**
   * Replaces a worker past the memory limit: it keeps serving while its replacement loads and warms,
   * then the replacement takes its place and it closes once it has answered what it holds.
   */
  private recycle(index: number, w: PythonWorker, rss: number): void {
    const slot = this.slots[index];
    if (slot.restarting) return;
    this.counted(true);
    this.log.warn({ model: this.spec.model, version: this.spec.version, pid: w.pid, rssBytes: rss, limitBytes: this.options.pythonWorkerMaxRssBytes }, 'python worker passed its memory limit; replacing it');
    // While this is pending, a death of the old worker waits for it (live()) instead of starting another.
    slot.restarting = this.spawn(index).then(
      async (fresh) => {
        if (this.closed) {
          slot.restarting = null;
          await fresh.close();
          throw new AppError('unavailable', 'closed while replacing a worker');
        }
        await this.warm(fresh).catch(() => {});
        slot.restarting = null;
        const old = slot.worker;
        slot.worker = fresh;
        if (old) {
          this.draining.add(old);
          void old
            .drained()
            .then(() => old.close())
            .finally(() => this.draining.delete(old));
        }
        return fresh;
      },
      (err: Error) => {
        slot.restarting = null;
        this.log.error({ model: this.spec.model, version: this.spec.version, err: err.message }, 'python worker past its memory limit could not be replaced; it keeps serving');
        throw new AppError('unavailable', `the Python worker of version ${this.spec.version} of "${this.spec.model}" could not be replaced: ${err.message}`);
      },
    );
    slot.restarting.catch(() => {});
  }

  /** The workers' resident memory (VmRSS, summed), sampled every few seconds. */
  memoryBytes(): number {
    return this.rssBytes;
  }

  /** The first worker's pid (null while it restarts). */
  get pid(): number | null {
    return this.slots[0].worker?.pid ?? null;
  }

  /** Every live worker's pid, by position. */
  get pids(): Array<number | null> {
    return this.slots.map((s) => s.worker?.pid ?? null);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.rssTimer) clearInterval(this.rssTimer);
    this.batcher.flush();
    const closing: Array<Promise<void> | undefined> = [];
    for (const slot of this.slots) {
      closing.push(slot.worker?.close(), slot.restarting?.then((r) => r.close()));
      slot.worker = null;
    }
    for (const w of this.draining) closing.push(w.close());
    await Promise.allSettled(closing);
    await removeDir(this.dir);
  }
}
