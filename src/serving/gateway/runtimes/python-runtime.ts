// MLflow models (any flavor mlflow.pyfunc.load_model can load) served by Python worker processes
// per loaded version. Load: the version's verified files are streamed to a per-version directory
// (python-materialize.ts), a worker loads them and reports the model's signature and input example,
// and the runtime warms it (the input example, else zeros shaped by the signature) before it is
// handed to the gateway — which swaps, drains and keeps it as standby exactly as for ONNX.
// The workers are kept alive by python-worker-set.ts (restarts, memory limit, least-busy pick);
// concurrent requests are combined into one predict call (python-batch.ts). Here: what travels.
// Requests that were in flight on a worker that died are retried once on a fresh one (inference has
// no side effects), and answered 503 if that fails too: never a wrong answer, never a hang.
import { AppError, invalid } from '../../../errors.js';
import type { Logger } from '../../../log.js';
import type { Signature } from '../../../onnx/onnx-signature.js';
import { MicroBatcher } from './python-batch.js';
import { materializeVersion, removeDir } from './python-materialize.js';
import type { PythonLoadContext, PythonRuntimeOptions } from './python-options.js';
import { signatureOf, type WorkerSchema } from './python-signature.js';
import { decodeTensors, encodeTensors, type TensorHeader } from './python-worker-frames.js';
import { WorkerGone, type PythonWorker } from './python-worker-process.js';
import { PythonWorkerSet } from './python-worker-set.js';
import { warmupFeeds, type ModelRuntime, type Tensors, type VersionSpec } from './runtime.js';

export async function loadPythonRuntime(spec: VersionSpec, options: PythonRuntimeOptions, ctx: PythonLoadContext): Promise<PythonRuntime> {
  const { dir, modelDir } = await materializeVersion(spec, ctx.saveFile, options.pythonDir);
  const runtime = new PythonRuntime(spec, modelDir, dir, options, ctx.log, ctx.onRestart);
  try {
    await runtime.start();
    return runtime;
  } catch (err) {
    await runtime.close();
    throw err;
  }
}

/** How many recent predict times (the worker's own, in the frame) are kept for the bench. */
const PREDICT_TIMES_KEPT = 8192;

export class PythonRuntime implements ModelRuntime {
  readonly kind = 'python' as const;
  modelSignature: Signature | null = null;
  /** What the worker reported: input example, Python and MLflow versions. */
  info: Record<string, unknown> = {};
  readonly batcher: MicroBatcher;
  /** The workers' own predict times (ms), most recent PREDICT_TIMES_KEPT, for the bench's overhead figure. */
  readonly predictMs = new Float64Array(PREDICT_TIMES_KEPT);
  /** The same requests' whole time inside the worker (decode, DataFrame, predict, encode), ms. */
  readonly workerMs = new Float64Array(PREDICT_TIMES_KEPT);
  predictCount = 0;
  private readonly workers: PythonWorkerSet;

  constructor(
    private readonly spec: VersionSpec,
    modelDir: string,
    private readonly dir: string,
    private readonly options: PythonRuntimeOptions,
    private readonly log: Logger,
    onRestart?: (model: string, version: number) => void,
  ) {
    this.workers = new PythonWorkerSet(spec, modelDir, options, log, { warm: (w) => this.warm(w), onRestart });
    this.batcher = new MicroBatcher(
      { maxRows: options.pythonBatchRows, maxWaitMs: options.pythonBatchWaitMs },
      (feeds) => this.runOnce(feeds),
      () => this.workers.someIdle(),
    );
  }

  async start(): Promise<void> {
    // The first worker reports the signature the others' warm-up is shaped by; the rest start together.
    const first = await this.workers.spawn(0);
    this.info = first.info;
    this.modelSignature = signatureOf(this.info.inputs as WorkerSchema | null, this.info.outputs as WorkerSchema | null);
    await this.warm(first);
    this.workers.place(0, first);
    await Promise.all(
      Array.from({ length: this.workers.size - 1 }, async (_, i) => {
        const w = await this.workers.spawn(i + 1);
        await this.warm(w);
        this.workers.place(i + 1, w);
      }),
    );
    this.workers.watchMemory();
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

  run(feeds: Tensors): Promise<Tensors> {
    return this.batcher.run(feeds);
  }

  /** One predict call on the least busy worker; retried once on another if its worker died under it. */
  private async runOnce(feeds: Tensors): Promise<Tensors> {
    try {
      return await this.predictOn(await this.workers.pick(), feeds);
    } catch (err) {
      if (!(err instanceof WorkerGone)) throw err;
    }
    // Its worker died with this request in flight: once more, on a fresh one.
    try {
      return await this.predictOn(await this.workers.pick(), feeds);
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

  /** Workers replaced: they died, or outgrew the memory limit (recycles, counted here too). */
  get restarts(): number {
    return this.workers.restarts;
  }

  /** Of the restarts, those for the memory limit. */
  get recycles(): number {
    return this.workers.recycles;
  }

  /** The workers' resident memory (VmRSS, summed), sampled every few seconds. */
  memoryBytes(): number {
    return this.workers.memoryBytes();
  }

  /** The first worker's pid (null while it restarts). */
  get pid(): number | null {
    return this.workers.pids[0];
  }

  /** Every live worker's pid, by position. */
  get pids(): Array<number | null> {
    return this.workers.pids;
  }

  async close(): Promise<void> {
    this.batcher.flush();
    await this.workers.close();
    await removeDir(this.dir);
  }
}
