// ONNX versions served through the gateway's worker pool (inference-pool.ts), and the adaptive
// runtime every ONNX version gets by default: it starts in-process — for a model that runs in tens of
// microseconds a thread hop costs more than the model — times each run, and moves itself to the pool
// once its runs average more than `inlineMaxMs`, because from there on every run it makes on the event
// loop is time every other model's requests wait (onnxruntime-node runs a session synchronously).
import type { Signature } from '../../../onnx/onnx-signature.js';
import type { InferencePool } from './inference-pool.js';
import { loadInlineSession, type InlineSession } from './onnx-runtime.js';
import { warmupFeeds, type ModelRuntime, type Tensors } from './runtime.js';

export async function loadOnnxInPool(pool: InferencePool, bytes: Uint8Array, signature: Signature): Promise<ModelRuntime> {
  try {
    return new PooledOnnxRuntime(pool, await pool.load(bytes, warmupFeeds(signature)));
  } catch (err) {
    throw new Error(`loading in the inference pool failed: ${(err as Error).message}`, { cause: err });
  }
}

class PooledOnnxRuntime implements ModelRuntime {
  readonly kind = 'onnx' as const;

  constructor(
    private readonly pool: InferencePool,
    private readonly key: number,
  ) {}

  run(feeds: Tensors): Promise<Tensors> {
    return this.pool.run(this.key, feeds);
  }

  close(): Promise<void> {
    return this.pool.close(this.key);
  }
}

/**
 * Runs are judged in windows of this many, by their median: a first run that compiles, or a run a
 * garbage collection stretched, must not move a model that takes microseconds (a thread hop would
 * then cost it more than it runs).
 */
const WINDOW = 31;
/** Every how many runs one is timed for the window. */
const SAMPLE_EVERY = 4;

export async function loadAdaptiveOnnx(pool: InferencePool, bytes: Uint8Array, signature: Signature, inlineMaxMs: number): Promise<ModelRuntime> {
  return new AdaptiveOnnxRuntime(pool, bytes, signature, inlineMaxMs, await loadInlineSession(bytes, signature));
}

class AdaptiveOnnxRuntime implements ModelRuntime {
  readonly kind = 'onnx' as const;
  private inline: InlineSession | null;
  private pooled: ModelRuntime | null = null;
  private moving: Promise<void> | null = null;
  /** The event-loop time of the window's runs so far, ms. */
  private readonly window: number[] = [];
  /** Windows judged: the first is skipped (it holds the first, compiling runs). */
  private windows = 0;
  private closed = false;
  private runs = 0;

  constructor(
    private readonly pool: InferencePool,
    private bytes: Uint8Array | null,
    private readonly signature: Signature,
    private readonly inlineMaxMs: number,
    inline: InlineSession,
  ) {
    this.inline = inline;
  }

  run(feeds: Tensors): Promise<Tensors> {
    if (this.pooled) return this.pooled.run(feeds);
    // One run in SAMPLE_EVERY is timed (timing queues an extra immediate): the window's median
    // needs a sample of the runs, not all of them.
    if (this.runs++ % SAMPLE_EVERY !== 0) return this.inline!.run(feeds);
    return this.timed(feeds);
  }

  private async timed(feeds: Tensors): Promise<Tensors> {
    const { result, ms } = await this.inline!.timedRun(feeds);
    this.window.push(ms);
    if (this.window.length >= WINDOW) {
      const median = this.window.sort((a, b) => a - b)[WINDOW >> 1];
      this.window.length = 0;
      if (this.windows++ > 0 && median > this.inlineMaxMs && !this.moving && this.bytes) this.moving = this.moveToPool();
    }
    return result;
  }

  /** Loads the version in the pool (off the event loop), then swaps; a failure leaves it in-process. */
  private async moveToPool(): Promise<void> {
    try {
      const pooled = await loadOnnxInPool(this.pool, this.bytes!, this.signature);
      if (this.closed) return void (await pooled.close());
      this.pooled = pooled;
      this.bytes = null;
      const inline = this.inline;
      this.inline = null;
      // Runs already scheduled in-process hold the session; they finish within this turn's immediates.
      setImmediate(() => void inline?.close());
    } catch {
      this.bytes = null; // never retried: it keeps serving in-process
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.moving;
    await Promise.allSettled([this.inline?.close(), this.pooled?.close()]);
  }
}
