// ONNX Runtime (CPU) in-process. Sessions are created from bytes the caller already verified
// against the manifest's sha256, warmed once before they are handed out, and released on close.
import ort from 'onnxruntime-node';
import type { Signature } from '../../../onnx/onnx-signature.js';
import { warmupFeeds, type ModelRuntime, type Tensor, type Tensors } from './runtime.js';

export async function loadOnnxRuntime(bytes: Uint8Array, signature: Signature): Promise<ModelRuntime> {
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
  const runtime = new OnnxRuntime(session);
  try {
    // The first run allocates and plans; doing it here keeps that cost off the first real request.
    await runtime.run(warmupFeeds(signature));
  } catch (err) {
    await session.release().catch(() => {});
    throw new Error(`warm-up inference failed: ${(err as Error).message}`, { cause: err });
  }
  return runtime;
}

class OnnxRuntime implements ModelRuntime {
  readonly kind = 'onnx' as const;

  constructor(private readonly session: ort.InferenceSession) {}

  async run(feeds: Tensors): Promise<Tensors> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const name in feeds) {
      const t = feeds[name];
      ortFeeds[name] = new ort.Tensor(t.type as 'float32', t.data as Float32Array, t.dims);
    }
    const out = await this.session.run(ortFeeds);
    const result: Tensors = {};
    for (const name in out) {
      const t = out[name];
      result[name] = { type: t.type, dims: [...t.dims], data: t.data as Tensor['data'] };
    }
    return result;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
