// TensorFlow Serving REST predict: {"instances": rows} -> {"predictions"}, {"inputs": columns} -> {"outputs"}.
import { invalid } from '../../../errors.js';
import type { Tensors } from '../runtimes/runtime.js';
import type { InputChecker } from './input-checker.js';
import { columnarToFeeds, instancesToFeeds } from './mlflow.js';
import { nestedOutputs } from './outputs.js';
import { batchOf, type ParsedInference } from './parsed.js';

export function parseTfServing(body: unknown, checker: InputChecker): ParsedInference & { columnar: boolean } {
  const b = body as { instances?: unknown; inputs?: unknown } | null;
  if (!b || typeof b !== 'object' || ('instances' in b) === ('inputs' in b)) {
    throw invalid('send exactly one of "instances" (row format) or "inputs" (columnar format)');
  }
  const columnar = 'inputs' in b;
  const feeds = columnar ? columnarToFeeds(checker, b.inputs, 'inputs') : instancesToFeeds(checker, b.instances, 'instances');
  checker.check(feeds);
  return { feeds, rows: batchOf(feeds), columns: null, outputs: null, columnar };
}

export function formatTfServing(result: Tensors, columnar: boolean) {
  const names = Object.keys(result);
  if (columnar) {
    return { outputs: names.length === 1 ? nestedOutputs(result[names[0]], false) : Object.fromEntries(names.map((n) => [n, nestedOutputs(result[n], false)])) };
  }
  if (names.length === 1) return { predictions: nestedOutputs(result[names[0]], false) };
  // Several outputs in row format: one object per row.
  const perOutput = names.map((n) => nestedOutputs(result[n], false) as unknown[]);
  const rows = (perOutput[0] ?? []).map((_, r) => Object.fromEntries(names.map((n, i) => [n, perOutput[i][r]])));
  return { predictions: rows };
}
