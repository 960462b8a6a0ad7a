// An MLflow model's signature, as the Python worker reports it, in the gateway's terms. A
// column-based signature (a DataFrame) becomes one rank-1 input per column, so every protocol's
// named inputs, records and columns map onto DataFrame columns by name, and the checks that guard
// ONNX requests (names, element types) name the offending column. A tensor signature keeps its
// shape; its one unnamed tensor is called "input" (unnamed outputs: "predictions", as MLflow says).
import type { Signature, TensorSpec } from '../../../onnx/onnx-signature.js';

export interface WorkerSchema {
  kind: 'columns' | 'tensor';
  entries: Array<{ name: string | null; type: string; shape?: number[] }>;
}

/** numpy dtype names -> the gateway's element types. */
function tensorType(dtype: string): string {
  if (dtype === 'str' || dtype === 'object' || dtype.startsWith('<U') || dtype === 'bytes') return 'string';
  return dtype;
}

function specs(schema: WorkerSchema, unnamed: string): TensorSpec[] {
  if (schema.kind === 'columns') return schema.entries.map((e) => ({ name: e.name ?? unnamed, type: e.type === 'object' ? 'string' : e.type, shape: [-1] }));
  return schema.entries.map((e, i) => ({
    name: e.name ?? (schema.entries.length === 1 ? unnamed : `${unnamed}-${i}`),
    type: tensorType(e.type),
    shape: e.shape ?? [-1],
  }));
}

/** null when the model has no input signature: requests then pass through unchecked. */
export function signatureOf(inputs: WorkerSchema | null, outputs: WorkerSchema | null): Signature | null {
  if (!inputs) return null;
  return { inputs: specs(inputs, 'input'), outputs: outputs ? specs(outputs, 'predictions') : [] };
}
