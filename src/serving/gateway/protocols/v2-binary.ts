// The Open Inference Protocol's binary data extension on REST, as KServe and Triton implement it:
// a body is a JSON header of `Inference-Header-Content-Length` bytes followed by the tensors of the
// inputs that carry `binary_data_size`, in their order; outputs asked for with `binary_data: true`
// (or all of them with the request parameter `binary_data_output: true`) come back the same way,
// each with its `binary_data_size`, and the answer carries the header's length.
import { RawReply } from './raw-reply.js';

export const INFERENCE_HEADER = 'inference-header-content-length';

/**
 * A request body with binary tensors after its JSON header. A framing problem is kept, not thrown,
 * so the protocol refuses it like any bad request (its error shape, counted as a client error).
 */
export class BinaryBody {
  constructor(
    readonly header: unknown,
    readonly binary: Buffer,
    readonly problem: string | null = null,
  ) {}
}

/** Splits a raw body at the JSON header's length (the header's value, as sent). */
export function splitBinaryBody(raw: Buffer, headerLength: string): BinaryBody {
  const n = Number(headerLength);
  const empty = Buffer.alloc(0);
  if (!/^\d+$/.test(headerLength.trim()) || n === 0) return new BinaryBody(null, empty, `Inference-Header-Content-Length must be the JSON header's length in bytes, got "${headerLength}"`);
  if (n > raw.length) return new BinaryBody(null, empty, `Inference-Header-Content-Length says ${n} bytes of JSON, but the body has only ${raw.length}`);
  try {
    // Plain JSON.parse: the header is only read field by field (v2.ts), never merged into objects.
    return new BinaryBody(JSON.parse(raw.toString('utf8', 0, n)), raw.subarray(n));
  } catch (err) {
    return new BinaryBody(null, empty, `the JSON header (the first ${n} bytes) does not parse: ${(err as Error).message}`);
  }
}

/** Which outputs go back as binary: named ones as asked, the rest as the request parameter says. */
export interface BinaryOutputs {
  all: boolean;
  named: Map<string, boolean>;
}

export function wantsBinary(choice: BinaryOutputs | null, name: string): boolean {
  if (!choice) return false;
  return choice.named.get(name) ?? choice.all;
}

/** The JSON header, then each binary output's bytes in the order the header lists them. */
export function binaryReply(header: unknown, chunks: Buffer[]): RawReply {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  return new RawReply(Buffer.concat([json, ...chunks]), { [INFERENCE_HEADER]: String(json.length), 'content-type': 'application/octet-stream' });
}
