import { describe, expect, it } from 'vitest';
import type { InferenceObservation } from '../../serving/gateway/observer.js';
import { segmentRows } from '../../../test/segment-rows.js';
import { RecordBatch } from './record-batch.js';

const base = { model: 'fraud', version: 3, binding: 'stage:Production', time: 1_700_000_000_000, latencyMs: 2.5 };

/** Rows as the database will hold them (through the segment encoding and back). */
const rowsOf = (batch: RecordBatch) => segmentRows(batch.d);

describe('columnar prediction batches', () => {
  it('keep one row per served input row with its features as JSON and its prediction', () => {
    const b = new RecordBatch(16);
    b.append({ ...base, requestId: 'a', outcome: 'ok', inputs: { amount: [12.5, 7], country: ['NL', null] }, predictions: [0.9, 0.1] }, 64);
    const rows = rowsOf(b);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toEqual({
      request_id: 'a', row: 0, model: 'fraud', version: 3, binding: 'stage:Production', time: base.time, latency_ms: 2.5,
      outcome: 'ok', features: '{"amount":12.5,"country":"NL"}', pred_num: 0.9, pred_text: null,
    });
    expect(rows[1]).toMatchObject({ request_id: 'a', row: 1, features: '{"amount":7,"country":null}', pred_num: 0.1 });
    expect(JSON.parse(rows[1].features as string)).toEqual({ amount: 7, country: null });
  });

  it('reads back features as JSON.stringify would write them, for awkward names, text, NaN and infinities', () => {
    const inputs = { 'we"ird\\name': ['quote " and \\ and \n'], n: [NaN], big: [Infinity], small: [-1.5e-12], neg0: [-0] };
    const b = new RecordBatch(4);
    b.append({ ...base, requestId: 'x', outcome: 'ok', inputs, predictions: ['fraud'] }, 64);
    const [row] = rowsOf(b);
    const expected = JSON.stringify(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, v[0]])));
    expect(row.features).toBe(expected);
    expect(row).toMatchObject({ pred_num: null, pred_text: 'fraud' });
  });

  it('keeps one row with the outcome and no prediction for a failed request', () => {
    const b = new RecordBatch(4);
    b.append({ ...base, requestId: 'e', outcome: 'model_error' }, 64);
    b.append({ ...base, requestId: 'c', outcome: 'client_error', inputs: { a: [1] } }, 64);
    b.append({ ...base, requestId: 'r', outcome: 'rejected' }, 64);
    expect(rowsOf(b)).toEqual([
      expect.objectContaining({ request_id: 'e', row: 0, outcome: 'model_error', features: null, pred_num: null }),
      expect.objectContaining({ request_id: 'c', row: 0, outcome: 'client_error', features: null, pred_num: null }),
      expect.objectContaining({ request_id: 'r', row: 0, outcome: 'rejected', features: null, pred_num: null }),
    ]);
  });

  it('retains at most maxRows rows of a large batch request, and tracks the room left', () => {
    const b = new RecordBatch(100);
    const n = 500;
    const o: InferenceObservation = { ...base, requestId: 'big', outcome: 'ok', inputs: { a: Array.from({ length: n }, (_, i) => i) }, predictions: Array.from({ length: n }, () => 0.5) };
    b.append(o, 64);
    expect(b.room).toBe(36);
    const rows = rowsOf(b);
    expect(rows).toHaveLength(64);
    expect(rows[63]).toMatchObject({ row: 63, features: '{"a":63}' });
  });

  it('grows its feature storage past the first guess and keeps models and bindings apart', () => {
    const b = new RecordBatch(8);
    const wide = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, [i]]));
    b.append({ ...base, requestId: 'w', outcome: 'ok', inputs: wide, predictions: [1] }, 64);
    b.append({ ...base, model: 'credit', binding: 'alias:champion', requestId: 'v', outcome: 'ok', inputs: { a: [2] }, predictions: [3] }, 64);
    const rows = rowsOf(b);
    expect(JSON.parse(rows[0].features as string)).toEqual(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`f${i}`, i])));
    expect(rows[1]).toMatchObject({ model: 'credit', binding: 'alias:champion', features: '{"a":2}', pred_num: 3 });
  });

  it('reuses a written batch\'s columns: the rows read back as from a fresh batch', () => {
    const fill = (b: RecordBatch, tag: string) => {
      b.append({ ...base, requestId: `${tag}-1`, outcome: 'ok', inputs: { amount: [1.5], country: ['NL'] }, predictions: ['fraud'] }, 64);
      b.append({ ...base, requestId: `${tag}-2`, outcome: 'model_error' }, 64);
    };
    const used = new RecordBatch(8);
    // Stale values everywhere a later, shorter batch does not write: longer ids, text, more rows.
    used.append({ ...base, model: 'other', requestId: 'a-much-longer-request-id', outcome: 'ok', inputs: { x: ['t', 'u', 'v'] }, predictions: [1, 2, 3] }, 64);
    fill(used, 'old');
    const reused = new RecordBatch(8, used.d);
    const fresh = new RecordBatch(8);
    fill(reused, 'new');
    fill(fresh, 'new');
    expect(reused.d.n).toBe(2);
    expect(rowsOf(reused)).toEqual(rowsOf(fresh));
    // Columns of another capacity are not taken.
    expect(new RecordBatch(4, fresh.d).d).not.toBe(fresh.d);
  });
});
