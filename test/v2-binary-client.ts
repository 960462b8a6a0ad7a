// A test-side client of the Open Inference Protocol's binary data extension, written from the
// protocol's description (not from the gateway's code): little-endian tensors after a JSON header
// whose length travels in Inference-Header-Content-Length; BYTES elements length-prefixed.
import type { App } from '../src/http/app-types.js';

export interface BinaryInput {
  name: string;
  datatype: 'FP32' | 'FP64' | 'INT32' | 'INT64' | 'BOOL' | 'BYTES' | 'UINT8' | 'INT8' | 'INT16';
  shape: number[];
  values: Array<number | bigint | boolean | string>;
}

export function tensorBytes(t: Pick<BinaryInput, 'datatype' | 'values'>): Buffer {
  const v = t.values;
  switch (t.datatype) {
    case 'FP32':
      return Buffer.from(new Float32Array(v as number[]).buffer);
    case 'FP64':
      return Buffer.from(new Float64Array(v as number[]).buffer);
    case 'INT32':
      return Buffer.from(new Int32Array(v as number[]).buffer);
    case 'INT16':
      return Buffer.from(new Int16Array(v as number[]).buffer);
    case 'INT8':
      return Buffer.from(new Int8Array(v as number[]).buffer);
    case 'UINT8':
      return Buffer.from(new Uint8Array(v as number[]).buffer);
    case 'INT64':
      return Buffer.from(BigInt64Array.from(v, (x) => BigInt(x as number)).buffer);
    case 'BOOL':
      return Buffer.from(v.map((b) => (b ? 1 : 0)));
    case 'BYTES':
      return Buffer.concat(
        v.map((s) => {
          const b = Buffer.from(String(s), 'utf8');
          const len = Buffer.alloc(4);
          len.writeUInt32LE(b.length);
          return Buffer.concat([len, b]);
        }),
      );
  }
}

export function readTensor(datatype: string, bytes: Buffer): Array<number | boolean | string> {
  const copy = new Uint8Array(bytes).buffer;
  switch (datatype) {
    case 'FP32':
      return Array.from(new Float32Array(copy));
    case 'FP64':
      return Array.from(new Float64Array(copy));
    case 'INT32':
      return Array.from(new Int32Array(copy));
    case 'INT64':
      return Array.from(new BigInt64Array(copy), Number);
    case 'BOOL':
      return Array.from(bytes, (b) => b === 1);
    case 'BYTES': {
      const out: string[] = [];
      for (let at = 0; at < bytes.length; ) {
        const len = bytes.readUInt32LE(at);
        out.push(bytes.toString('utf8', at + 4, at + 4 + len));
        at += 4 + len;
      }
      return out;
    }
    default:
      throw new Error(`readTensor: ${datatype}`);
  }
}

/** The body of a request whose inputs all travel as binary, and the header's length. */
export function binaryBody(inputs: BinaryInput[], extra: Record<string, unknown> = {}): { body: Buffer; headerLength: number } {
  const chunks = inputs.map(tensorBytes);
  const header = Buffer.from(
    JSON.stringify({ inputs: inputs.map((t, i) => ({ name: t.name, datatype: t.datatype, shape: t.shape, parameters: { binary_data_size: chunks[i].length } })), ...extra }),
  );
  return { body: Buffer.concat([header, ...chunks]), headerLength: header.length };
}

export interface DecodedAnswer {
  status: number;
  headers: Record<string, unknown>;
  /** The JSON (whole body, or the header of a binary answer). */
  json: { outputs?: Array<{ name: string; datatype: string; shape: number[]; data?: unknown[]; parameters?: { binary_data_size?: number } }>; error?: string; [k: string]: unknown };
  /** Every output's values, from JSON data or from its binary bytes. */
  values: Record<string, unknown[]>;
}

/** Posts a body (binary or not) and decodes the answer, binary or JSON. */
export async function postV2(app: App, url: string, payload: Buffer, headers: Record<string, string>): Promise<DecodedAnswer> {
  const res = await app.inject({ method: 'POST', url, payload, headers });
  const raw = res.rawPayload;
  const headerLength = res.headers['inference-header-content-length'];
  const jsonEnd = headerLength === undefined ? raw.length : Number(headerLength);
  const json = JSON.parse(raw.toString('utf8', 0, jsonEnd)) as DecodedAnswer['json'];
  const values: Record<string, unknown[]> = {};
  let at = jsonEnd;
  for (const o of json.outputs ?? []) {
    const size = o.parameters?.binary_data_size;
    if (size === undefined) values[o.name] = o.data ?? [];
    else {
      values[o.name] = readTensor(o.datatype, raw.subarray(at, at + size));
      at += size;
    }
  }
  return { status: res.statusCode, headers: res.headers, json, values };
}
