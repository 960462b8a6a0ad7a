// ONNX Runtime (CPU) in-process. Sessions are created from bytes the caller already verified
// against the manifest's sha256, warmed once before they are handed out, and released on close.
// onnxruntime-node runs a session synchronously on the event loop, so in-process is for models that
// take microseconds; the gateway's adaptive runtime (onnx-pool-runtime.ts) moves slower ones to its
// worker pool. One intra-op thread: the gateway's parallelism is its requests and its pool, and ORT's
// own spinning threads would take the cores from both.
import type * as ort from 'onnxruntime-node';
import { loadOrt, type OrtLib } from '../../../onnx/onnxruntime.js';
import type { Signature } from '../../../onnx/onnx-signature.js';
import { warmupFeeds, type ModelRuntime, type Tensor, type Tensors } from './runtime.js';

const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'all', intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential' };

export async function loadOnnxRuntime(bytes: Uint8Array, signature: Signature): Promise<ModelRuntime> {
  return loadInlineSession(bytes, signature);
}

/** An in-process session that can also say how long a run held the event loop. */
export async function loadInlineSession(bytes: Uint8Array, signature: Signature): Promise<InlineSession> {
  const lib = await loadOrt();
  const session = await lib.InferenceSession.create(bytes, SESSION_OPTIONS);
  const runtime = new InlineSession(session, lib);
  try {
    // The first run allocates and plans; doing it here keeps that cost off the first real request.
    await runtime.run(warmupFeeds(signature));
  } catch (err) {
    await session.release().catch(() => {});
    throw new Error(`warm-up inference failed: ${(err as Error).message}`, { cause: err });
  }
  return runtime;
}

export class InlineSession implements ModelRuntime {
  readonly kind = 'onnx' as const;

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly lib: OrtLib,
  ) {}

  async run(feeds: Tensors): Promise<Tensors> {
    return fromOrt(await this.session.run(toOrt(this.lib, feeds)));
  }

  /**
   * A run, and the ms it held the event loop. session.run() does its work in a setImmediate; one
   * queued just before it runs just before it (immediates run in order), so the time from there to
   * the result is the run itself, not the wait behind other requests' runs.
   */
  async timedRun(feeds: Tensors): Promise<{ result: Tensors; ms: number }> {
    let t0 = 0;
    setImmediate(() => (t0 = performance.now()));
    const out = await this.session.run(toOrt(this.lib, feeds));
    const ms = performance.now() - t0;
    return { result: fromOrt(out), ms };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

function toOrt(lib: OrtLib, feeds: Tensors): Record<string, ort.Tensor> {
  const ortFeeds: Record<string, ort.Tensor> = {};
  for (const name in feeds) {
    const t = feeds[name];
    ortFeeds[name] = new lib.Tensor(t.type as 'float32', t.data as Float32Array, t.dims);
  }
  return ortFeeds;
}

function fromOrt(out: ort.InferenceSession.OnnxValueMapType): Tensors {
  const result: Tensors = {};
  for (const name in out) {
    const t = out[name];
    result[name] = { type: t.type, dims: [...t.dims], data: t.data as Tensor['data'] };
  }
  return result;
}
