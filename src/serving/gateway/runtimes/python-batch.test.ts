// Micro-batching without Python: requests stacked in order and split back exactly, a combined call
// made only while every worker is busy, and a failing combined call retried request by request so
// no caller gets another's error or rows.
import { describe, expect, it } from 'vitest';
import { batchKey, concatFeeds, MicroBatcher, splitResult } from './python-batch.js';
import type { Tensors } from './runtime.js';

const feeds = (ids: number[]): Tensors => ({
  id: { type: 'float64', dims: [ids.length], data: Float64Array.from(ids) },
  name: { type: 'string', dims: [ids.length, 1], data: ids.map((i) => `r${i}`) },
});

describe('micro-batching', () => {
  it('stacks requests along the rows and splits an answer back into each one\'s own rows', () => {
    const all = [feeds([1]), feeds([2, 3]), feeds([4, 5, 6])];
    const stacked = concatFeeds(all, 6);
    expect(stacked.id.dims).toEqual([6]);
    expect(Array.from(stacked.id.data as Float64Array)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(stacked.name).toEqual({ type: 'string', dims: [6, 1], data: ['r1', 'r2', 'r3', 'r4', 'r5', 'r6'] });
    const answer: Tensors = { p: { type: 'float32', dims: [6, 2], data: Float32Array.from([1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6]) } };
    const parts = splitResult(answer, [1, 2, 3])!;
    expect(parts.map((t) => t.p.dims)).toEqual([[1, 2], [2, 2], [3, 2]]);
    expect(parts.map((t) => Array.from(t.p.data as Float32Array))).toEqual([[1, 1], [2, 2, 3, 3], [4, 4, 5, 5, 6, 6]]);
    // Not one row per input row: no split.
    expect(splitResult({ s: { type: 'float32', dims: [1], data: Float32Array.from([0]) } }, [1, 2, 3])).toBeNull();
  });

  it('combines only tensors that agree on everything but the rows', () => {
    expect(batchKey(feeds([1, 2]))).toMatchObject({ rows: 2 });
    expect(batchKey(feeds([1]))!.key).toBe(batchKey(feeds([1, 2, 3]))!.key);
    expect(batchKey({ a: { type: 'float32', dims: [2, 3], data: new Float32Array(6) } })!.key).not.toBe(batchKey({ a: { type: 'float32', dims: [2, 4], data: new Float32Array(8) } })!.key);
    expect(batchKey({ a: { type: 'float32', dims: [2], data: new Float32Array(2) }, b: { type: 'float32', dims: [3], data: new Float32Array(3) } })).toBeNull();
  });

  it('sends at once while a worker is idle, gathers while all are busy, and gives every caller its own rows or its own error', async () => {
    let busy = false;
    const calls: number[][] = [];
    const send = async (f: Tensors): Promise<Tensors> => {
      const ids = Array.from(f.id.data as Float64Array);
      calls.push(ids);
      await new Promise((r) => setTimeout(r, 5));
      if (ids.includes(13)) throw new Error('row 13 is bad');
      return { echo: { type: 'float64', dims: [ids.length], data: Float64Array.from(ids, (i) => i * 10) } };
    };
    const b = new MicroBatcher({ maxRows: 8, maxWaitMs: 50 }, send, () => !busy);
    expect(Array.from((await b.run(feeds([1]))).echo.data as Float64Array)).toEqual([10]);
    expect(calls).toEqual([[1]]);
    busy = true;
    const pending = [b.run(feeds([2])), b.run(feeds([3, 4])), b.run(feeds([13])), b.run(feeds([5]))];
    busy = false;
    b.workerFreed();
    const settled = await Promise.allSettled(pending);
    expect(settled.map((s) => (s.status === 'fulfilled' ? Array.from(s.value.echo.data as Float64Array) : (s.reason as Error).message))).toEqual([[20], [30, 40], 'row 13 is bad', [50]]);
    expect(calls[1]).toEqual([2, 3, 4, 13, 5]); // one combined call, then each alone after it failed
    expect(b.batches).toBe(1);
  });
});
