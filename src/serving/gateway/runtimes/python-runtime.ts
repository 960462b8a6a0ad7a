// MLflow models (any flavor mlflow.pyfunc.load_model can load) served by a Python worker process
// per loaded version. Load: the version's verified files are written to a per-version directory
// (python-materialize.ts), a worker loads them and reports the model's signature and input example,
// and the runtime warms it (the input example, else zeros shaped by the signature) before it is
// handed to the gateway — which swaps, drains and keeps it as standby exactly as for ONNX.
// A worker that dies is restarted (counted, logged); requests that were in flight on it are retried
// once on the fresh worker (inference has no side effects), and answered 503 if that fails too:
// never a wrong answer, never a hang.
import { AppError, invalid } from '../../../errors.js';
import type { Logger } from '../../../log.js';
import type { Signature } from '../../../onnx/onnx-signature.js';
import { materializeVersion, removeDir, type FetchFile } from './python-materialize.js';
import { signatureOf, type WorkerSchema } from './python-signature.js';
import { decodeTensors, encodeTensors, type FrameEncoding, type TensorHeader } from './python-worker-frames.js';
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
}

export interface PythonLoadContext {
  fetchFile: FetchFile;
  log: Logger;
}

/** After a restart fails, requests are answered 503 at once for this long instead of each trying again. */
const RESTART_BACKOFF_MS = 2000;
const RSS_EVERY_MS = 2000;

export async function loadPythonRuntime(spec: VersionSpec, options: PythonRuntimeOptions, ctx: PythonLoadContext): Promise<PythonRuntime> {
  const { dir, modelDir } = await materializeVersion(spec, ctx.fetchFile, options.pythonDir);
  const runtime = new PythonRuntime(spec, modelDir, dir, options, ctx.log);
  try {
    await runtime.start();
    return runtime;
  } catch (err) {
    await runtime.close();
    throw err;
  }
}

export class PythonRuntime implements ModelRuntime {
  readonly kind = 'python' as const;
  modelSignature: Signature | null = null;
  /** What the worker reported: input example, Python and MLflow versions. */
  info: Record<string, unknown> = {};
  /** Workers restarted after they died. */
  restarts = 0;
  private worker: PythonWorker | null = null;
  private restarting: Promise<PythonWorker> | null = null;
  private restartFailedAt = 0;
  private closed = false;
  private rssBytes = 0;
  private rssTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly spec: VersionSpec,
    private readonly modelDir: string,
    private readonly dir: string,
    private readonly options: PythonRuntimeOptions,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    this.worker = await this.spawn();
    this.info = this.worker.info;
    this.modelSignature = signatureOf(this.info.inputs as WorkerSchema | null, this.info.outputs as WorkerSchema | null);
    await this.warm(this.worker);
    this.sampleRss();
    this.rssTimer = setInterval(() => this.sampleRss(), RSS_EVERY_MS);
    this.rssTimer.unref();
  }

  private async spawn(): Promise<PythonWorker> {
    const w = await PythonWorker.start({
      // A model may name its own interpreter (a virtualenv's or conda env's): tag stagecraft.python.
      python: this.spec.python?.interpreter || this.options.python,
      dir: this.modelDir,
      loadTimeoutMs: this.options.pythonLoadTimeoutMs,
      log: this.log,
      model: this.spec.model,
      version: this.spec.version,
    });
    w.onExit((why) => this.died(w, why));
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

  private died(w: PythonWorker, why: string): void {
    if (this.closed || this.worker !== w) return;
    this.worker = null;
    this.restarts++;
    this.log.error({ model: this.spec.model, version: this.spec.version, pid: w.pid, why, restarts: this.restarts }, 'python worker died; restarting it');
    void this.live().catch(() => {});
  }

  /** The running worker, or the one being started in place of a dead one. */
  private live(): Promise<PythonWorker> {
    if (this.worker && !this.worker.exited) return Promise.resolve(this.worker);
    if (this.closed) return Promise.reject(new AppError('unavailable', `version ${this.spec.version} of "${this.spec.model}" is closed`));
    if (!this.restarting) {
      if (Date.now() - this.restartFailedAt < RESTART_BACKOFF_MS) {
        return Promise.reject(new AppError('unavailable', `the Python worker of version ${this.spec.version} of "${this.spec.model}" is restarting; retry shortly`));
      }
      this.restarting = this.spawn().then(
        async (w) => {
          this.restarting = null;
          if (this.closed) {
            await w.close();
            throw new AppError('unavailable', 'closed while restarting');
          }
          await this.warm(w).catch(() => {});
          this.worker = w;
          this.log.info({ model: this.spec.model, version: this.spec.version, pid: w.pid }, 'python worker restarted');
          return w;
        },
        (err: Error) => {
          this.restarting = null;
          this.restartFailedAt = Date.now();
          this.log.error({ model: this.spec.model, version: this.spec.version, err: err.message }, 'python worker could not be restarted');
          throw new AppError('unavailable', `the Python worker of version ${this.spec.version} of "${this.spec.model}" could not be restarted: ${err.message}`);
        },
      );
    }
    return this.restarting;
  }

  async run(feeds: Tensors): Promise<Tensors> {
    try {
      return await this.predictOn(await this.live(), feeds);
    } catch (err) {
      if (!(err instanceof WorkerGone)) throw err;
    }
    // Its worker died with this request in flight: once more, on a fresh one.
    try {
      return await this.predictOn(await this.live(), feeds);
    } catch (err) {
      if (err instanceof WorkerGone) throw new AppError('unavailable', `the Python worker of version ${this.spec.version} of "${this.spec.model}" died twice during this request; retry shortly`);
      throw err;
    }
  }

  private async predictOn(w: PythonWorker, feeds: Tensors): Promise<Tensors> {
    const enc = this.options.pythonEncoding;
    const { inputs, payload } = encodeTensors(feeds, enc);
    const f = await w.request({ op: 'predict', enc, inputs }, payload);
    const h = f.header;
    if (h.ok === true) return decodeTensors(h.outputs as TensorHeader[], f.payload);
    if (h.kind === 'input') throw invalid(`the model refused the input: ${String(h.error)}`);
    throw new Error(String(h.error));
  }

  private sampleRss(): void {
    const rss = this.worker?.rss() ?? 0;
    if (rss > 0) this.rssBytes = rss;
  }

  /** The worker's resident memory (VmRSS), sampled every few seconds. */
  memoryBytes(): number {
    return this.rssBytes;
  }

  get pid(): number | null {
    return this.worker?.pid ?? null;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.rssTimer) clearInterval(this.rssTimer);
    const w = this.worker;
    this.worker = null;
    const restarting = this.restarting;
    await Promise.allSettled([w?.close(), restarting?.then((r) => r.close())]);
    await removeDir(this.dir);
  }
}
