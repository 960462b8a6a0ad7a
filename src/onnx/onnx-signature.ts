// Reads a model's signature (input/output names, element types, shapes) from ONNX bytes.
import { createRequire } from 'node:module';
import type onnxProto from 'onnx-proto';
import { invalid } from '../errors.js';

// The protobuf decoder is loaded on the first signature read, not at server start (issue 18.5).
let proto: typeof onnxProto | undefined;
const onnxModule = (): typeof onnxProto.onnx => (proto ??= createRequire(import.meta.url)('onnx-proto') as typeof onnxProto).onnx;

export interface TensorSpec {
  name: string;
  /** ONNX Runtime tensor type names: float32, int64, string, … */
  type: string;
  /** -1 for a dimension that varies (batch). */
  shape: number[];
}

export interface Signature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

const ELEM_TYPES: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
};

export function readOnnxSignature(bytes: Buffer, fileName = 'model.onnx'): Signature {
  const onnx = onnxModule();
  let model: InstanceType<typeof onnx.ModelProto>;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw invalid(`${fileName} is not a valid ONNX model: ${(err as Error).message}`);
  }
  const graph = model.graph;
  if (!graph) throw invalid(`${fileName} is not a valid ONNX model: it has no graph`);
  // Initializers may also be listed as inputs (older exporters); they are weights, not inputs.
  const weights = new Set((graph.initializer ?? []).map((t) => t.name));
  const spec = (v: onnxProto.onnx.IValueInfoProto): TensorSpec => {
    const tensor = v.type?.tensorType;
    const dims = tensor?.shape?.dim ?? [];
    return {
      name: v.name ?? '',
      type: ELEM_TYPES[tensor?.elemType ?? 0] ?? 'unknown',
      shape: dims.map((d) => (d.dimValue !== null && d.dimValue !== undefined && Number(d.dimValue) > 0 ? Number(d.dimValue) : -1)),
    };
  };
  return {
    inputs: (graph.input ?? []).filter((i) => !weights.has(i.name ?? '')).map(spec),
    outputs: (graph.output ?? []).map(spec),
  };
}
