// The gateway <-> Python worker wire format (python/stagecraft_worker.py holds the other side):
// frames of [u32 BE frame length][u32 BE header length][header JSON][payload]. A request carries an
// id, so many can be in flight on one pipe. Tensors travel either inside the header as JSON
// ('json') or as raw little-endian bytes in the payload ('raw'); strings are always JSON. 'raw' is
// the default: measured in docs/decisions.md ("Python worker frames").
import type { Tensor, TensorValues, Tensors } from './runtime.js';

export type FrameEncoding = 'json' | 'raw';

export interface TensorHeader {
  name: string;
  type: string;
  dims: number[];
  enc: FrameEncoding;
  data?: unknown[];
  offset?: number;
  length?: number;
}

export interface Frame {
  header: Record<string, unknown>;
  payload: Buffer;
}

type Typed = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint8Array | Int8Array | Int16Array | Uint16Array | Uint32Array | BigUint64Array;

const TYPED: Record<string, new (b: ArrayBuffer, o: number, n: number) => Typed> = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
};

export function encodeFrame(header: Record<string, unknown>, payload: Buffer | null = null): Buffer {
  const h = Buffer.from(JSON.stringify(header));
  const pre = Buffer.allocUnsafe(8);
  pre.writeUInt32BE(4 + h.length + (payload?.length ?? 0), 0);
  pre.writeUInt32BE(h.length, 4);
  return payload ? Buffer.concat([pre, h, payload]) : Buffer.concat([pre, h]);
}

/** The tensors of a request: headers, and the payload of their raw bytes. */
export function encodeTensors(feeds: Tensors, enc: FrameEncoding): { inputs: TensorHeader[]; payload: Buffer | null } {
  const inputs: TensorHeader[] = [];
  const parts: Buffer[] = [];
  let offset = 0;
  for (const name in feeds) {
    const t = feeds[name];
    const d = t.data;
    if (enc === 'raw' && ArrayBuffer.isView(d) && TYPED[t.type]) {
      const bytes = Buffer.from(d.buffer, d.byteOffset, d.byteLength);
      inputs.push({ name, type: t.type, dims: t.dims, enc: 'raw', offset, length: bytes.length });
      parts.push(bytes);
      offset += bytes.length;
    } else if (enc === 'raw' && t.type === 'bool') {
      const bytes = Buffer.from(Uint8Array.from(d as boolean[], (b) => (b ? 1 : 0)));
      inputs.push({ name, type: t.type, dims: t.dims, enc: 'raw', offset, length: bytes.length });
      parts.push(bytes);
      offset += bytes.length;
    } else {
      inputs.push({ name, type: t.type, dims: t.dims, enc: 'json', data: jsonValues(d) });
    }
  }
  return { inputs, payload: parts.length ? Buffer.concat(parts) : null };
}

function jsonValues(d: TensorValues): unknown[] {
  if (d instanceof BigInt64Array) return Array.from(d, Number);
  return Array.isArray(d) ? d : Array.from(d as ArrayLike<number>);
}

/** Tensors back from their headers and the frame's payload (raw bytes are copied: the payload is reused). */
export function decodeTensors(headers: TensorHeader[], payload: Buffer): Tensors {
  const out: Tensors = {};
  for (const h of headers) {
    let data: TensorValues;
    if (h.enc === 'raw') {
      const bytes = payload.subarray(h.offset!, h.offset! + h.length!);
      if (h.type === 'bool') data = Array.from(bytes, (b) => b !== 0);
      else {
        const Ctor = TYPED[h.type];
        const copy = new ArrayBuffer(bytes.length);
        new Uint8Array(copy).set(bytes);
        // The worker sends only the element types the protocols know (python/stagecraft_worker.py).
        data = new Ctor(copy, 0, bytes.length / (Ctor as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT) as TensorValues;
      }
    } else if (h.type === 'int64') {
      data = BigInt64Array.from((h.data ?? []) as number[], (x) => BigInt(Math.trunc(Number(x))));
    } else if (h.type === 'float64') {
      data = Float64Array.from((h.data ?? []) as number[]);
    } else if (h.type === 'float32') {
      data = Float32Array.from((h.data ?? []) as number[]);
    } else {
      data = (h.data ?? []) as TensorValues;
    }
    out[h.name] = { type: h.type, dims: h.dims, data } satisfies Tensor;
  }
  return out;
}

/** Splits a byte stream into frames; keeps a partial frame for the next chunk. */
export class FrameReader {
  private chunks: Buffer[] = [];
  private size = 0;

  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.size += chunk.length;
    const frames: Frame[] = [];
    while (this.size >= 4) {
      let buf = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks);
      this.chunks = [buf];
      const total = buf.readUInt32BE(0);
      if (this.size < 4 + total) break;
      const hlen = buf.readUInt32BE(4);
      const header = JSON.parse(buf.toString('utf8', 8, 8 + hlen)) as Record<string, unknown>;
      frames.push({ header, payload: buf.subarray(8 + hlen, 4 + total) });
      buf = buf.subarray(4 + total);
      this.chunks = buf.length ? [buf] : [];
      this.size = buf.length;
    }
    return frames;
  }
}
