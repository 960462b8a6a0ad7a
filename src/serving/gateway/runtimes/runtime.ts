// The model runtime seam: something that turns named input tensors into named output tensors.
// Implementations: ONNX Runtime in-process (onnx-runtime.ts), an HTTP forwarder to an external
// model server (http-runtime.ts) and Python workers for MLflow models (python-runtime.ts). Guarantees every runtime keeps (runtime.contract.test.ts):
// - load() resolves only once the runtime is ready to answer; a runtime that cannot load rejects and
//   holds no resources.
// - run() never mutates its inputs; a failing run rejects with an Error (the gateway maps it to a
//   model error for that model only); concurrent runs are allowed.
// - close() releases what the runtime holds; it is called once, after in-flight runs finished.
import type { Signature } from '../../../onnx/onnx-signature.js';

export type TensorValues = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | string[] | boolean[] | number[];

/** A tensor as the gateway passes it around: element type (ONNX Runtime names), dims, flat data. */
export interface Tensor {
  type: string;
  dims: number[];
  data: TensorValues;
}

export type Tensors = Record<string, Tensor>;

export interface ModelRuntime {
  readonly kind: 'onnx' | 'http' | 'python';
  /** The signature the loaded model reports itself (Python models), over the registry's. */
  readonly modelSignature?: Signature | null;
  run(feeds: Tensors): Promise<Tensors>;
  /** Resident bytes now, when the runtime can tell (a worker process's RSS). */
  memoryBytes?(): number;
  close(): Promise<void>;
}

/** What a version needs to be loaded: where its model is, and how to check requests against it. */
export interface VersionSpec {
  model: string;
  version: number;
  runtime: 'onnx' | 'http' | 'python';
  endpointUrl: string | null;
  /** null for http versions registered without one: inputs then pass through unchecked. */
  signature: Signature | null;
  /** From the version tag `stagecraft.feature_names` (comma-separated), for observations. */
  featureNames: string[] | null;
  /** The .onnx file's manifest entry (onnx runtime only). */
  modelFile: { path: string; sha256: string; size: number } | null;
  /**
   * An MLflow model directory (python runtime only): the MLmodel's folder ('' or 'model/'), its files,
   * and the interpreter its workers run when the model names its own (tag stagecraft.python).
   */
  python?: { root: string; interpreter?: string | null; files: Array<{ path: string; sha256: string; size: number }> } | null;
}

/** The sample a version is warmed with before it takes traffic: zeros shaped by the signature, -1 dims as 1. */
export function warmupFeeds(signature: Signature): Tensors {
  const feeds: Tensors = {};
  for (const input of signature.inputs) {
    const dims = input.shape.map((d) => (d > 0 ? d : 1));
    const n = dims.reduce((a, b) => a * b, 1);
    feeds[input.name] = { type: input.type, dims, data: zeros(input.type, n) };
  }
  return feeds;
}

/** A zero-filled typed array for a numeric ONNX element type; null for any other type. */
export function numericArray(type: string, n: number): Float32Array | Float64Array | Int32Array | Uint8Array | Int8Array | null {
  switch (type) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'uint8':
      return new Uint8Array(n);
    case 'int8':
      return new Int8Array(n);
    default:
      return null;
  }
}

export function zeros(type: string, n: number): TensorValues {
  if (type === 'int64') return new BigInt64Array(n);
  if (type === 'bool') return new Array<boolean>(n).fill(false);
  if (type === 'string') return new Array<string>(n).fill('');
  return numericArray(type, n) ?? new Float32Array(n);
}
