// Output tensors as JSON rows, and the per-row prediction observers receive.
import type { Tensor, Tensors } from '../runtimes/runtime.js';
import { jsonData, nest } from '../runtimes/tensors.js';

/** Nested rows; with squeeze, an [N,1] output becomes N plain values. */
export function nestedOutputs(t: Tensor, squeeze: boolean): unknown {
  const flat = jsonData(t);
  if (squeeze && t.dims.length === 2 && t.dims[1] === 1) return flat;
  return nest(flat, t.dims);
}

/** The first output: the one observers take predictions from. */
export function firstOutput(result: Tensors): Tensor | undefined {
  for (const name in result) return result[name];
  return undefined;
}

/** Values per row of an output of n rows: 1 means each row's value is its prediction. */
export function rowWidth(t: Tensor, n: number): number {
  return n > 0 ? t.data.length / n : 0;
}

/** Row r's prediction: the value for width 1, else the argmax class index. */
export function rowPrediction(t: Tensor, width: number, r: number): number | string {
  const d = t.data as ArrayLike<number | bigint | string | boolean>;
  if (width === 1) {
    const v = d[r];
    return typeof v === 'string' ? v : Number(v);
  }
  let best = 0;
  for (let c = 1; c < width; c++) if (Number(d[r * width + c]) > Number(d[r * width + best])) best = c;
  return best;
}

/** One prediction per row from the first output: the value for width 1, else the argmax class index. */
export function rowPredictions(result: Tensors): Array<number | string> | undefined {
  const t = firstOutput(result);
  if (!t) return undefined;
  const n = t.dims[0] ?? 0;
  const width = rowWidth(t, n);
  const out: Array<number | string> = new Array(n);
  for (let r = 0; r < n; r++) out[r] = rowPrediction(t, width, r);
  return out;
}
