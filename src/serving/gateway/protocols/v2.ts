// Open Inference Protocol v2 (KServe / Triton) REST: tensor JSON in, tensor JSON out.
import { invalid } from '../../../errors.js';
import type { Tensors } from '../runtimes/runtime.js';
import { flattenNested, jsonData, ortType, typedData, v2Type } from '../runtimes/tensors.js';
import type { InputChecker } from './input-checker.js';
import { batchOf, type ParsedInference } from './parsed.js';

export function parseV2(body: unknown, checker: InputChecker): ParsedInference {
  const inputs = (body as { inputs?: unknown })?.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0) throw invalid('the request needs "inputs": a list of {name, shape, datatype, data}');
  const feeds: Tensors = {};
  for (const [i, raw] of inputs.entries()) {
    const t = raw as { name?: unknown; shape?: unknown; datatype?: unknown; data?: unknown };
    if (typeof t?.name !== 'string') throw invalid(`inputs[${i}] has no "name"`);
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= 0)) throw invalid(`input "${t.name}" needs "shape": a list of non-negative integers`);
    if (typeof t.datatype !== 'string') throw invalid(`input "${t.name}" needs "datatype" (e.g. "FP32")`);
    const type = ortType(t.datatype);
    const { data } = flattenNested(t.data, `input "${t.name}" data`);
    feeds[t.name] = { type, dims: t.shape as number[], data: typedData(type, data, `input "${t.name}"`) };
  }
  checker.check(feeds);
  const outs = (body as { outputs?: Array<{ name?: unknown }> }).outputs;
  const outputs = Array.isArray(outs) ? outs.map((o) => String(o?.name)) : null;
  return { feeds, rows: batchOf(feeds), columns: null, outputs };
}

export function formatV2(model: string, version: number, requestId: string, result: Tensors, outputs: string[] | null) {
  const names = outputs ?? Object.keys(result);
  return {
    model_name: model,
    model_version: String(version),
    id: requestId,
    outputs: names.map((name) => {
      const t = result[name];
      if (!t) throw invalid(`the model has no output "${name}"; its outputs are: ${Object.keys(result).join(', ')}`);
      return { name, shape: t.dims, datatype: v2Type(t.type), data: jsonData(t) };
    }),
  };
}
