// Output tensors as JSON rows, and the per-row prediction observers receive.
import type { Tensor, Tensors } from '../runtimes/runtime.js';
import { jsonData, nest } from '../tensors.js';

/** Nested rows; with squeeze, an [N,1] output becomes N plain values. */
export function nestedOutputs(t: Tensor, squeeze: boolean): unknown {
  const flat = jsonData(t);
  if (squeeze && t.dims.length === 2 && t.dims[1] === 1) return flat;
  return nest(flat, t.dims);
}

/** One prediction per row from the first output: the value for width 1, else the argmax class index. */
export function rowPredictions(result: Tensors): Array<number | string> | undefined {
  for (const name in result) {
    const t = result[name];
    const n = t.dims[0] ?? 0;
    const width = n > 0 ? t.data.length / n : 0;
    const out: Array<number | string> = new Array(n);
    const d = t.data as ArrayLike<number | bigint | string | boolean>;
    for (let r = 0; r < n; r++) {
      if (width === 1) {
        const v = d[r];
        out[r] = typeof v === 'string' ? v : Number(v);
        continue;
      }
      let best = 0;
      for (let c = 1; c < width; c++) if (Number(d[r * width + c]) > Number(d[r * width + best])) best = c;
      out[r] = best;
    }
    return out;
  }
  return undefined;
}
