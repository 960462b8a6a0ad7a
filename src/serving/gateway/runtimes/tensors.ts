// Tensor JSON <-> typed tensors: the element type names of the Open Inference Protocol and ONNX
// Runtime, and flat typed data from and back to nested JSON. Part of the runtime seam (the HTTP
// runtime speaks it to external model servers); the protocols parse requests with it.
import { invalid } from '../../../errors.js';
import { numericArray, type Tensor, type TensorValues } from './runtime.js';

/** Open Inference Protocol datatypes <-> ONNX Runtime element types. */
const V2_TO_ORT: Record<string, string> = {
  BOOL: 'bool',
  UINT8: 'uint8',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP16: 'float16',
  FP32: 'float32',
  FP64: 'float64',
  BYTES: 'string',
};
const ORT_TO_V2 = Object.fromEntries(Object.entries(V2_TO_ORT).map(([k, v]) => [v, k]));

export function ortType(v2: string): string {
  const t = V2_TO_ORT[String(v2).toUpperCase()];
  if (!t) throw invalid(`unknown datatype "${v2}"; use one of ${Object.keys(V2_TO_ORT).join(', ')}`);
  return t;
}

export function v2Type(ort: string): string {
  return ORT_TO_V2[ort] ?? ort.toUpperCase();
}

/** Flattens a rectangular nested array; answers its shape. Ragged input is a 400 naming the input. */
export function flattenNested(value: unknown, what: string): { dims: number[]; data: unknown[] } {
  // Fast path: the flat data list of an Open Inference Protocol tensor.
  if (Array.isArray(value) && (value.length === 0 || !Array.isArray(value[0]))) {
    for (let i = 0; i < value.length; i++) if (Array.isArray(value[i])) throw invalid(`${what} is not a rectangular array`);
    return { dims: [value.length], data: value };
  }
  const dims: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe)) {
    dims.push(probe.length);
    probe = probe[0];
  }
  const data = dims.length === 0 ? [value] : (value as unknown[]).flat(dims.length - 1 as 1);
  const expected = dims.reduce((a, b) => a * b, 1);
  if (data.length !== expected || data.some((x) => Array.isArray(x))) throw invalid(`${what} is not a rectangular array`);
  return { dims, data };
}

/** Typed storage for a flat JSON array, refusing values of the wrong kind. */
export function typedData(type: string, data: unknown[], what: string): TensorValues {
  const bad = (i: number, kind: string) => invalid(`${what}: element ${i} is ${JSON.stringify(data[i])}, expected ${kind} for type ${type}`);
  switch (type) {
    case 'string':
      data.forEach((x, i) => { if (typeof x !== 'string') throw bad(i, 'a string'); });
      return data as string[];
    case 'bool':
      data.forEach((x, i) => { if (typeof x !== 'boolean') throw bad(i, 'a boolean'); });
      return data as boolean[];
    case 'int64': {
      const out = new BigInt64Array(data.length);
      for (let i = 0; i < data.length; i++) {
        if (typeof data[i] !== 'number' || !Number.isInteger(data[i])) throw bad(i, 'an integer');
        out[i] = BigInt(data[i] as number);
      }
      return out;
    }
    default: {
      const out = makeNumeric(type, data.length);
      const integer = type.startsWith('int') || type.startsWith('uint');
      for (let i = 0; i < data.length; i++) {
        const x = data[i];
        if (typeof x !== 'number' || (integer && !Number.isInteger(x))) throw bad(i, integer ? 'an integer' : 'a number');
        out[i] = x;
      }
      return out;
    }
  }
}

function makeNumeric(type: string, n: number): Float32Array | Float64Array | Int32Array | Uint8Array | Int8Array | number[] {
  return numericArray(type, n) ?? new Array<number>(n);
}

/** Plain JSON numbers (bigints become numbers) for responses. */
export function jsonData(t: Tensor): Array<number | string | boolean> {
  const d = t.data;
  if (d instanceof BigInt64Array) return Array.from(d, Number);
  // A plain loop: Array.from walks a typed array through its iterator, ~3x slower for the one-row
  // answers the inference path formats thousands of times a second.
  const src = d as ArrayLike<number | string | boolean>;
  const out = new Array<number | string | boolean>(src.length);
  for (let i = 0; i < src.length; i++) out[i] = src[i]!;
  return out;
}

/** A flat tensor back into nested rows by its dims. */
export function nest(flat: unknown[], dims: number[]): unknown {
  if (dims.length <= 1) return flat;
  const [, ...rest] = dims;
  const stride = rest.reduce((a, b) => a * b, 1);
  const rows: unknown[] = [];
  for (let i = 0; i < dims[0]; i++) rows.push(nest(flat.slice(i * stride, (i + 1) * stride), rest));
  return rows;
}
