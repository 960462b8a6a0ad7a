// Open Inference Protocol v2 (KServe / Triton) REST: tensor JSON in, tensor JSON out — or, with
// the binary data extension (v2-binary.ts), any input or output as raw bytes after a JSON header.
import { invalid } from '../../../errors.js';
import type { Tensors } from '../runtimes/runtime.js';
import { flattenNested, jsonData, ortType, typedData, v2Type } from '../runtimes/tensors.js';
import type { InputChecker } from './input-checker.js';
import { batchOf, type ParsedInference } from './parsed.js';
import type { RawReply } from './raw-reply.js';
import { decodeTensorBytes, encodeTensorBytes } from './tensor-bytes.js';
import { BinaryBody, binaryReply, wantsBinary, type BinaryOutputs } from './v2-binary.js';

export interface V2Parsed extends ParsedInference {
  /** Outputs to answer as binary data; null when the request asked for none. */
  binary: BinaryOutputs | null;
}

type Params = Record<string, unknown> | undefined;
const param = (p: unknown, key: string): unknown => (p && typeof p === 'object' ? (p as Record<string, unknown>)[key] : undefined);

export function parseV2(body: unknown, checker: InputChecker): V2Parsed {
  const framed = body instanceof BinaryBody ? body : null;
  if (framed?.problem) throw invalid(framed.problem);
  const request = framed ? framed.header : body;
  const inputs = (request as { inputs?: unknown })?.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0) throw invalid('the request needs "inputs": a list of {name, shape, datatype, data}');
  const feeds: Tensors = {};
  let offset = 0;
  for (const [i, raw] of inputs.entries()) {
    const t = raw as { name?: unknown; shape?: unknown; datatype?: unknown; data?: unknown; parameters?: Params };
    if (typeof t?.name !== 'string') throw invalid(`inputs[${i}] has no "name"`);
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= 0)) throw invalid(`input "${t.name}" needs "shape": a list of non-negative integers`);
    if (typeof t.datatype !== 'string') throw invalid(`input "${t.name}" needs "datatype" (e.g. "FP32")`);
    const type = ortType(t.datatype);
    const what = `input "${t.name}"`;
    const size = param(t.parameters, 'binary_data_size');
    if (size === undefined) {
      const { data } = flattenNested(t.data, `${what} data`);
      feeds[t.name] = { type, dims: t.shape as number[], data: typedData(type, data, what) };
      continue;
    }
    if (!framed) throw invalid(`${what} has binary_data_size, but the request has no binary data: send the Inference-Header-Content-Length header with the JSON header's length`);
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) throw invalid(`${what}: binary_data_size must be a non-negative integer, got ${JSON.stringify(size)}`);
    if (t.data !== undefined) throw invalid(`${what} has both "data" and binary_data_size; send one`);
    if (offset + size > framed.binary.length) {
      throw invalid(`${what} says binary_data_size ${size}, but only ${framed.binary.length - offset} bytes of binary data remain after the JSON header`);
    }
    feeds[t.name] = { type, dims: t.shape as number[], data: decodeTensorBytes(type, t.shape as number[], framed.binary.subarray(offset, offset + size), what) };
    offset += size;
  }
  if (framed && offset !== framed.binary.length) {
    throw invalid(`the body has ${framed.binary.length} bytes of binary data after the JSON header, but the inputs' binary_data_size add up to ${offset}`);
  }
  checker.check(feeds);
  const outs = (request as { outputs?: unknown }).outputs;
  const list = Array.isArray(outs) ? (outs as Array<{ name?: unknown; parameters?: Params }>) : null;
  const outputs = list ? list.map((o) => String(o?.name)) : null;
  return { feeds, rows: batchOf(feeds), columns: null, outputs, binary: binaryChoice(request, list) };
}

/** binary_data_output on the request, binary_data on a named output (which wins for that output). */
function binaryChoice(request: unknown, outputs: Array<{ name?: unknown; parameters?: Params }> | null): BinaryOutputs | null {
  const all = param((request as { parameters?: unknown }).parameters, 'binary_data_output') === true;
  const named = new Map<string, boolean>();
  for (const o of outputs ?? []) {
    const b = param(o?.parameters, 'binary_data');
    if (typeof b === 'boolean') named.set(String(o.name), b);
  }
  return all || [...named.values()].some(Boolean) ? { all, named } : null;
}

export function formatV2(model: string, version: number, requestId: string, result: Tensors, parsed: Pick<V2Parsed, 'outputs' | 'binary'>): Record<string, unknown> | RawReply {
  const names = parsed.outputs ?? Object.keys(result);
  const chunks: Buffer[] = [];
  const outputs = names.map((name) => {
    const t = result[name];
    if (!t) throw invalid(`the model has no output "${name}"; its outputs are: ${Object.keys(result).join(', ')}`);
    if (!wantsBinary(parsed.binary, name)) return { name, shape: t.dims, datatype: v2Type(t.type), data: jsonData(t) };
    const bytes = encodeTensorBytes(t);
    chunks.push(bytes);
    return { name, shape: t.dims, datatype: v2Type(t.type), parameters: { binary_data_size: bytes.length } };
  });
  const header = { model_name: model, model_version: String(version), id: requestId, outputs };
  return chunks.length ? binaryReply(header, chunks) : header;
}
