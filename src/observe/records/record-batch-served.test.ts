import { describe, expect, it } from 'vitest';
import type { InferenceObservation, InferenceOutcome } from '../../serving/gateway/observer.js';
import { rowPredictions } from '../../serving/gateway/protocols/outputs.js';
import type { Tensors } from '../../serving/gateway/runtimes/runtime.js';
import { plainObservation, ServedObservation } from '../../serving/gateway/served-observation.js';
import { segmentRows } from '../../../test/segment-rows.js';
import { RecordBatch } from './record-batch.js';

/** What the gateway built per request before observations carried tensors (inference.ts, verbatim). */
function columnarInputsBefore(parsed: { feeds: Tensors; columns: string[] | null }, lv: { spec: { featureNames: string[] | null } }) {
  const out: Record<string, Array<number | string | null>> = {};
  const names = Object.keys(parsed.feeds);
  for (const name of names) {
    const t = parsed.feeds[name];
    const rows = t.dims[0] ?? 1;
    const width = rows > 0 ? t.data.length / rows : 0;
    const given = names.length === 1 ? parsed.columns ?? lv.spec.featureNames : null;
    for (let c = 0; c < width; c++) {
      const key = width === 1 && names.length > 1 ? name : given?.[c] ?? `${name}_${c}`;
      const col: Array<number | string | null> = new Array(rows);
      for (let r = 0; r < rows; r++) {
        const v = (t.data as ArrayLike<unknown>)[r * width + c];
        col[r] = typeof v === 'number' || typeof v === 'string' ? v : v === null || v === undefined ? null : Number(v);
      }
      out[key] = col;
    }
  }
  return out;
}

interface Case {
  feeds: Tensors | null;
  columns?: string[] | null;
  result: Tensors | null;
  outcome?: InferenceOutcome;
}

let seq = 0;
function pair(c: Case, spec: { featureNames: string[] | null }) {
  const requestId = `req-${seq++}`;
  const served = new ServedObservation('fraud', 3, 'stage:Production', requestId, 1_700_000_000_000 + seq, 2.5, c.outcome ?? 'ok', c.feeds, c.columns ?? null, spec, c.result);
  const before: InferenceObservation = {
    model: 'fraud', version: 3, binding: 'stage:Production', requestId, time: served.time, latencyMs: 2.5, outcome: served.outcome,
    inputs: c.feeds ? columnarInputsBefore({ feeds: c.feeds, columns: c.columns ?? null }, { spec }) : undefined,
    predictions: c.result ? rowPredictions(c.result) : undefined,
  };
  return { served, before };
}

const f32 = (dims: number[], values: number[]) => ({ type: 'float32', dims, data: Float32Array.from(values) });
const prob = (values: number[]) => ({ probability: f32([values.length, 1], values) });
const tag = { featureNames: ['amount', 'hour', 'merchant_risk', 'distance_km'] };
const untagged = { featureNames: null };

const CASES: Array<[string, Case, { featureNames: string[] | null }]> = [
  ['one row, names from the tag (the demo fraud model)', { feeds: { input: f32([1, 4], [120.5, 3, 0.25, 14]) }, result: prob([0.31]) }, tag],
  ['several rows, names from dataframe columns', { feeds: { input: f32([3, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9]) }, columns: ['a', 'b', 'c'], result: prob([0.1, 0.2, 0.3]) }, tag],
  ['no names: <input>_<i>', { feeds: { x: f32([2, 2], [1, 2, 3, 4]) }, result: prob([0.5, 0.6]) }, untagged],
  ['fewer given names than columns', { feeds: { x: f32([1, 3], [1, 2, 3]) }, columns: ['only'], result: prob([0.5]) }, untagged],
  ['repeated and integer-like names (object key order)', { feeds: { x: f32([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]) }, columns: ['b', '1', 'b', '0'], result: prob([0.5, 0.6]) }, untagged],
  [
    'multi-input: one-value feeds by their name, wider ones <input>_<i>; text, null, bigint and bool values',
    {
      feeds: {
        amount: f32([3, 1], [10, 20, 30]),
        country: { type: 'string', dims: [3, 1], data: ['NL', 'quote " \\', 'DE'] },
        ids: { type: 'int64', dims: [3, 2], data: BigInt64Array.from([1n, 2n, 3n, 4n, -5n, 6n]) },
        flag: { type: 'bool', dims: [3], data: [true, false, true] },
        sparse: { type: 'float32', dims: [3, 1], data: [1.5, null, NaN] as unknown as number[] },
      },
      result: prob([0.9, 0.1, 0.5]),
    },
    untagged,
  ],
  ['class scores: the argmax per row', { feeds: { input: f32([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]) }, result: { scores: f32([2, 3], [0.1, 0.7, 0.2, 0.5, 0.2, 0.3]), other: f32([2, 1], [9, 9]) } }, tag],
  ['text labels and int64 predictions', { feeds: { input: f32([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]) }, result: { label: { type: 'string', dims: [2], data: ['fraud', 'ok'] } } }, tag],
  ['int64 predictions', { feeds: { input: f32([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]) }, result: { label: { type: 'int64', dims: [2, 1], data: BigInt64Array.from([1n, 0n]) } } }, tag],
  ['a batch request past maxRows', { feeds: { input: f32([100, 4], Array.from({ length: 400 }, (_, i) => i)) }, result: prob(Array.from({ length: 100 }, (_, i) => i / 100)) }, tag],
  ['a client error that parsed', { feeds: { input: f32([1, 4], [1, 2, 3, 4]) }, result: null, outcome: 'client_error' }, tag],
  ['a model error', { feeds: { input: f32([1, 4], [1, 2, 3, 4]) }, result: null, outcome: 'model_error' }, tag],
  ['a request that did not parse', { feeds: null, result: null, outcome: 'client_error' }, tag],
  ['ok without outputs', { feeds: { input: f32([1, 4], [1, 2, 3, 4]) }, result: {} }, tag],
];

describe('observations carrying the request tensors', () => {
  it.each(CASES)('work out inputs and predictions as the gateway built them before: %s', (_, c, spec) => {
    const { served, before } = pair(c, spec);
    expect(served.inputs).toEqual(before.inputs);
    expect(served.predictions).toEqual(before.predictions);
    expect(Object.keys(served.inputs ?? {})).toEqual(Object.keys(before.inputs ?? {}));
    // The wire format the shipper posts is the plain observation's.
    expect(JSON.parse(JSON.stringify(plainObservation(served)))).toEqual(JSON.parse(JSON.stringify(before)));
  });

  it.each(CASES)('append the same batch rows as the plain observation: %s', (_, c, spec) => {
    const { served, before } = pair(c, spec);
    for (const capacity of [200, 50]) {
      const a = new RecordBatch(capacity);
      const b = new RecordBatch(capacity);
      // Twice each: the second append goes through the cached layout and the identity fast paths.
      for (let k = 0; k < 2 && a.room > 0; k++) {
        a.append(served, 64);
        b.append(before, 64);
      }
      expect(a.d).toEqual(b.d);
      expect(segmentRows(a.d)).toEqual(segmentRows(b.d));
    }
  });

  it('append a mixed stream (shapes changing between requests of one version) the same as plain observations', () => {
    const spec = { featureNames: ['amount', 'hour', 'merchant_risk', 'distance_km'] };
    const a = new RecordBatch(2048);
    const b = new RecordBatch(2048);
    const shapes: Case[] = [
      { feeds: { input: f32([1, 4], [1, 2, 3, 4]) }, result: prob([0.2]) },
      { feeds: { input: f32([2, 4], [1, 2, 3, 4, 5, 6, 7, 8]) }, columns: ['hour', 'amount', 'distance_km', 'merchant_risk'], result: prob([0.3, 0.4]) },
      { feeds: { input: f32([2, 4], [8, 7, 6, 5, 4, 3, 2, 1]) }, columns: ['hour', 'amount', 'distance_km', 'merchant_risk'], result: prob([0.5, 0.6]) },
      { feeds: { input: f32([1, 3], [1, 2, 3]) }, result: prob([0.7]) },
      { feeds: { a: f32([1, 1], [1]), b: f32([1, 1], [2]) }, result: prob([0.8]) },
    ];
    for (let i = 0; i < 200; i++) {
      const { served, before } = pair(shapes[(i * 7) % shapes.length], spec);
      a.append(served, 64);
      b.append(before, 64);
    }
    expect(a.d).toEqual(b.d);
    expect(segmentRows(a.d)).toEqual(segmentRows(b.d));
  });

  it('reuse one feature layout while a version keeps its request shape', () => {
    const spec = { featureNames: ['amount', 'hour', 'merchant_risk', 'distance_km'] };
    const one = () => pair({ feeds: { input: f32([1, 4], [1, 2, 3, 4]) }, result: prob([0.1]) }, spec).served.features;
    const first = one();
    expect(one()).toBe(first);
    expect(first).toMatchObject({ names: spec.featureNames, contiguous: true });
    // Columns the caller sent, equal but a new array per request: still the same layout.
    const byColumns = () => pair({ feeds: { input: f32([1, 2], [1, 2]) }, columns: ['x', 'y'], result: prob([0.1]) }, spec).served.features;
    expect(byColumns()).toBe(byColumns());
  });
});
