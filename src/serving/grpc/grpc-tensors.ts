// ModelInferRequest -> the gateway's runtime-independent tensors, and results -> ModelInferResponse.
// Inputs come as raw_input_contents (one buffer per input: the binary data extension's layout,
// tensor-bytes.ts) or as typed contents. The answer uses the form the request used — raw when it
// sent raw inputs, as Triton's clients expect, typed otherwise, as KServe's servers answer.
import { invalid } from '../../errors.js';
import { batchOf, type ParsedInference } from '../gateway/protocols/parsed.js';
import type { InputChecker } from '../gateway/protocols/input-checker.js';
import { decodeTensorBytes, encodeTensorBytes } from '../gateway/protocols/tensor-bytes.js';
import type { Tensor, Tensors } from '../gateway/runtimes/runtime.js';
import { ortType, typedData, v2Type } from '../gateway/runtimes/tensors.js';
import type { InferInputTensor, InferOutputTensor, ModelInferRequest, ModelInferResponse, TensorContents } from './grpc-messages.js';

export interface GrpcParsed extends ParsedInference {
  /** Answer with raw_output_contents (the request sent raw_input_contents). */
  raw: boolean;
  /** The caller's own request id, echoed back. */
  callerId: string;
}

/** Which typed-contents field carries each element type. */
const CONTENTS_FIELD: Record<string, keyof TensorContents> = {
  bool: 'bool_contents',
  int8: 'int_contents',
  int16: 'int_contents',
  int32: 'int_contents',
  int64: 'int64_contents',
  uint8: 'uint_contents',
  float32: 'fp32_contents',
  float64: 'fp64_contents',
  string: 'bytes_contents',
};

export function parseGrpc(req: ModelInferRequest, checker: InputChecker): GrpcParsed {
  if (!req.inputs.length) throw invalid('the request needs inputs: a list of {name, datatype, shape, contents} (or raw_input_contents)');
  const raw = req.raw_input_contents.length > 0;
  if (raw && req.raw_input_contents.length !== req.inputs.length) {
    throw invalid(`raw_input_contents has ${req.raw_input_contents.length} entries but the request has ${req.inputs.length} inputs: send one per input, in their order`);
  }
  const feeds: Tensors = {};
  req.inputs.forEach((t, i) => {
    if (!t.name) throw invalid(`inputs[${i}] has no name`);
    const what = `input "${t.name}"`;
    const dims = t.shape.map(Number);
    if (!dims.every((d) => Number.isInteger(d) && d >= 0)) throw invalid(`${what} needs a shape of non-negative integers, got [${t.shape}]`);
    if (!t.datatype) throw invalid(`${what} needs a datatype (e.g. "FP32")`);
    const type = ortType(t.datatype);
    feeds[t.name] = { type, dims, data: raw ? decodeTensorBytes(type, dims, req.raw_input_contents[i], what) : typedContents(t, type, dims, what) };
  });
  checker.check(feeds);
  const outputs = req.outputs.length ? req.outputs.map((o) => o.name) : null;
  return { feeds, rows: batchOf(feeds), columns: null, outputs, raw, callerId: req.id };
}

function typedContents(t: InferInputTensor, type: string, dims: number[], what: string) {
  const field = CONTENTS_FIELD[type];
  if (!field) throw invalid(`${what}: datatype ${t.datatype} has no typed contents; send it in raw_input_contents`);
  const values: unknown[] = t.contents?.[field] ?? [];
  const n = dims.reduce((a, b) => a * b, 1);
  if (values.length !== n) throw invalid(`${what} has ${values.length} values in contents.${field}, but shape [${dims}] needs ${n}`);
  const plain = field === 'int64_contents' ? values.map(Number) : field === 'bytes_contents' ? (values as Buffer[]).map((b) => b.toString('utf8')) : values;
  return typedData(type, plain, what);
}

export function formatGrpc(model: string, version: number, requestId: string, result: Tensors, parsed: Pick<GrpcParsed, 'outputs' | 'raw' | 'callerId'>): ModelInferResponse {
  const names = parsed.outputs ?? Object.keys(result);
  const tensors = names.map((name) => {
    const t = result[name];
    if (!t) throw invalid(`the model has no output "${name}"; its outputs are: ${Object.keys(result).join(', ')}`);
    return { name, t };
  });
  // FP16 has no typed field: an answer holding one goes raw whatever the request used.
  const raw = parsed.raw || tensors.some(({ t }) => !CONTENTS_FIELD[t.type]);
  const outputs: InferOutputTensor[] = tensors.map(({ name, t }) => ({
    name,
    datatype: v2Type(t.type),
    shape: t.dims,
    ...(raw ? {} : { contents: { [CONTENTS_FIELD[t.type]]: contentValues(t) } }),
  }));
  return {
    model_name: model,
    model_version: String(version),
    id: parsed.callerId || requestId,
    outputs,
    raw_output_contents: raw ? tensors.map(({ t }) => encodeTensorBytes(t)) : [],
  };
}

function contentValues(t: Tensor): unknown[] {
  const d = t.data as ArrayLike<unknown>;
  if (t.type === 'string') return Array.from(d, (s) => Buffer.from(String(s), 'utf8'));
  // int64 as decimal strings: protobuf's int64 takes them without losing precision.
  if (t.type === 'int64') return Array.from(d, (x) => String(x));
  return Array.from(d);
}
