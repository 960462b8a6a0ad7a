// Tensors as raw bytes: the Open Inference Protocol's binary form, shared by the REST binary data
// extension (bytes after the JSON header) and gRPC (raw_input_contents / raw_output_contents).
// Little-endian, row major, no padding; BOOL is one byte (0 or 1); BYTES is each element's length
// as a 4-byte little-endian unsigned integer followed by its bytes (UTF-8 text here: the runtimes
// take strings).
import os from 'node:os';
import { invalid } from '../../../errors.js';
import type { Tensor, TensorValues } from '../runtimes/runtime.js';
import { v2Type } from '../runtimes/tensors.js';

/** Bytes per element of each fixed-size element type (ONNX Runtime names). */
const ELEMENT_BYTES: Record<string, number> = { bool: 1, uint8: 1, int8: 1, int16: 2, float16: 2, int32: 4, float32: 4, int64: 8, float64: 8 };

// Typed arrays read and write in the host's byte order; the protocol's is little-endian. Every
// platform Node ships for is, but a big-endian host must not answer with swapped numbers.
const HOST_IS_LITTLE_ENDIAN = os.endianness() === 'LE';

function elementCount(dims: number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** A tensor's values from its raw bytes; a size that does not match its shape is a 400 naming it. */
export function decodeTensorBytes(type: string, dims: number[], bytes: Uint8Array, what: string): TensorValues {
  if (!HOST_IS_LITTLE_ENDIAN) throw invalid('binary tensors are not supported on a big-endian host');
  const n = elementCount(dims);
  if (type === 'string') return decodeStrings(bytes, n, what);
  const size = ELEMENT_BYTES[type];
  if (size === undefined) throw invalid(`${what}: datatype ${v2Type(type)} cannot be sent as binary data`);
  if (bytes.length !== n * size) {
    throw invalid(`${what} has ${bytes.length} bytes of binary data, but shape [${dims}] of ${v2Type(type)} needs ${n * size} (${n} elements × ${size} bytes)`);
  }
  // One copy into an aligned buffer of our own: the request's bytes may sit at any offset.
  const aligned = new ArrayBuffer(n * size);
  new Uint8Array(aligned).set(bytes);
  switch (type) {
    case 'float32':
      return new Float32Array(aligned);
    case 'float64':
      return new Float64Array(aligned);
    case 'int32':
      return new Int32Array(aligned);
    case 'int64':
      return new BigInt64Array(aligned);
    case 'uint8':
      return new Uint8Array(aligned);
    case 'int8':
      return new Int8Array(aligned);
    case 'bool':
      return Array.from(new Uint8Array(aligned), (b) => b !== 0);
    case 'int16':
      // The JSON path holds int16 as plain numbers too (tensors.ts): the runtimes take those.
      return Array.from(new Int16Array(aligned));
    default:
      return Array.from(new Uint16Array(aligned), halfToNumber);
  }
}

function decodeStrings(bytes: Uint8Array, n: number, what: string): string[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: string[] = new Array(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    if (at + 4 > buf.length) throw invalid(`${what}: BYTES element ${i} has no 4-byte length (binary data ends at byte ${buf.length}; the shape needs ${n} elements)`);
    const len = buf.readUInt32LE(at);
    at += 4;
    if (at + len > buf.length) throw invalid(`${what}: BYTES element ${i} says ${len} bytes, but only ${buf.length - at} remain`);
    out[i] = buf.toString('utf8', at, at + len);
    at += len;
  }
  if (at !== buf.length) throw invalid(`${what} has ${buf.length} bytes of binary data, but its ${n} BYTES elements end at byte ${at}`);
  return out;
}

/** A tensor's values as raw bytes; typed arrays of the right kind are passed without a copy. */
export function encodeTensorBytes(t: Tensor): Buffer {
  if (!HOST_IS_LITTLE_ENDIAN) throw invalid('binary tensors are not supported on a big-endian host');
  const d = t.data;
  if (t.type === 'string') return encodeStrings(d as ArrayLike<unknown>);
  if (t.type === 'bool') return Buffer.from(Array.from(d as ArrayLike<unknown>, (b) => (b ? 1 : 0)));
  const typed = asTypedArray(t.type, d);
  return Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength);
}

type Typed = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Int16Array | Uint16Array;

function asTypedArray(type: string, d: TensorValues): Typed {
  const numbers = d as ArrayLike<number>;
  switch (type) {
    case 'float32':
      return d instanceof Float32Array ? d : Float32Array.from(numbers);
    case 'float64':
      return d instanceof Float64Array ? d : Float64Array.from(numbers);
    case 'int32':
      return d instanceof Int32Array ? d : Int32Array.from(numbers);
    case 'int64':
      return d instanceof BigInt64Array ? d : BigInt64Array.from(numbers, (x) => BigInt(Math.trunc(Number(x))));
    case 'uint8':
      return d instanceof Uint8Array ? d : Uint8Array.from(numbers);
    case 'int8':
      return d instanceof Int8Array ? d : Int8Array.from(numbers);
    case 'int16':
      return Int16Array.from(numbers);
    case 'float16':
      return Uint16Array.from(numbers, numberToHalf);
    default:
      throw invalid(`output datatype ${v2Type(type)} cannot be sent as binary data`);
  }
}

function encodeStrings(values: ArrayLike<unknown>): Buffer {
  const parts = Array.from(values, (v) => Buffer.from(String(v), 'utf8'));
  const out = Buffer.allocUnsafe(parts.reduce((sum, p) => sum + 4 + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.writeUInt32LE(p.length, at);
    p.copy(out, at + 4);
    at += 4 + p.length;
  }
  return out;
}

/** IEEE 754 half precision bits -> number. */
function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** number -> IEEE 754 half precision bits (through float32, truncating the extra mantissa). */
function numberToHalf(x: number): number {
  const f = new Float32Array([x]);
  const bits = new Uint32Array(f.buffer)[0];
  const sign = (bits >> 16) & 0x8000;
  const exp = ((bits >> 23) & 0xff) - 127 + 15;
  const frac = bits & 0x7fffff;
  if (Number.isNaN(x)) return 0x7e00;
  if (exp >= 0x1f) return sign | 0x7c00;
  if (exp <= 0) return exp < -10 ? sign : sign | ((frac | 0x800000) >> (14 - exp));
  return sign | (exp << 10) | (frac >> 13);
}
