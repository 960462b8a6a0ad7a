// Retained predictions are stored as segments: one database row per model and version per written
// batch, its columns serialized together (V8's serializer: typed arrays are copied as bytes; Node
// documents the format as safe to store). A row per prediction cost SQLite ~7 µs of writer-thread
// CPU (four B-trees and their WAL frames) and PostgreSQL more; on the two cores a server shares
// with its load, that came out of serving throughput (docs/benchmarks.md). A segment costs a copy.
//
// Feedback finds a prediction by request id without a per-row index: the ids the server issues are
// UUIDv7, whose first 48 bits are the arrival time in milliseconds, so the time picks the few
// segments to open. Ids a caller chose (or whose time is off) go to a small side index instead.
import v8 from 'node:v8';
import type { BatchData } from './record-batch.js';

/** An id's embedded time within this of the row's arrival time finds it by time. */
export const SEGMENT_SLACK_MS = 2_000;
/** A segment covers at most this much arrival time, so a time lookup scans a bounded range. */
export const SEGMENT_MAX_SPAN_MS = 60_000;

/**
 * A batch as it crosses to the writer thread: its request ids joined into one string, with each
 * row's end offset. One string clones as a copy; thousands of them cost the serving thread
 * ~0.25 µs a row in postMessage and the writer as much again to rebuild and re-serialize.
 */
export type BatchMessage = Omit<BatchData, 'requestIds'> & { ids: string; idEnd: Uint32Array };

/** One segment's rows, column by column: the batch message's layout, without the model and version (one each). */
export type SegmentColumns = Omit<BatchMessage, 'model' | 'version' | 'fLen'>;

export function batchMessage(d: BatchData): BatchMessage {
  const { requestIds, ...rest } = d;
  const idEnd = new Uint32Array(d.n);
  let at = 0;
  for (let i = 0; i < d.n; i++) idEnd[i] = at += requestIds[i].length;
  return { ...rest, ids: requestIds.slice(0, d.n).join(''), idEnd };
}

/** Row i's request id. */
export function requestIdOf(cols: Pick<SegmentColumns, 'ids' | 'idEnd'>, i: number): string {
  return cols.ids.slice(i ? cols.idEnd[i - 1] : 0, cols.idEnd[i]);
}

export interface EncodedSegment {
  model: string;
  version: number;
  tMin: number;
  tMax: number;
  rows: number;
  okRows: number;
  /** Requests (first rows), those not a caller's 4xx, and model errors among them. */
  requests: number;
  served: number;
  errors: number;
  data: Uint8Array;
  /** Request ids (each request's first row) their embedded time cannot find: for the side index. */
  unindexed: string[];
}

/**
 * Splits a batch into segments (by model and version, and by SEGMENT_MAX_SPAN_MS of arrival time)
 * and serializes each. Self-contained on purpose (no imports, no closures over module scope): the
 * writer threads evaluate this function's source, so both databases store the same bytes.
 */
export function encodeSegments(d: BatchMessage, serialize: (v: unknown) => Uint8Array, slackMs: number, maxSpanMs: number): EncodedSegment[] {
  const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
  // Rows of one request share model, version and time, so they always land in the same segment.
  const groups: Array<{ model: number; version: number; tMin: number; tMax: number; idx: number[] }> = [];
  const open = new Map<string, (typeof groups)[number]>();
  let last: (typeof groups)[number] | undefined;
  for (let i = 0; i < d.n; i++) {
    const t = d.time[i];
    // Consecutive rows almost always share model and version: no key built for them.
    let g = last && last.model === d.model[i] && last.version === d.version[i] ? last : open.get(d.model[i] + ':' + d.version[i]);
    if (g && (Math.max(g.tMax, t) - Math.min(g.tMin, t) > maxSpanMs)) g = undefined;
    if (!g) {
      g = { model: d.model[i], version: d.version[i], tMin: t, tMax: t, idx: [] };
      groups.push(g);
      open.set(d.model[i] + ':' + d.version[i], g);
    }
    last = g;
    if (t < g.tMin) g.tMin = t;
    if (t > g.tMax) g.tMax = t;
    g.idx.push(i);
  }
  const out: EncodedSegment[] = [];
  for (const g of groups) {
    const idx = g.idx;
    const m = idx.length;
    const gather = <T extends Float64Array | Uint32Array | Uint8Array | Int32Array>(src: T, make: (len: number) => T): T => {
      const col = make(m);
      for (let k = 0; k < m; k++) col[k] = src[idx[k]];
      return col;
    };
    let fLen = 0;
    for (const i of idx) if (d.schema[i] >= 0) fLen += d.schemas[d.schema[i]].length;
    const fVals = new Float64Array(fLen);
    const fStart = new Uint32Array(m);
    const fText: Record<number, string> = {};
    const predText: Record<number, string> = {};
    // The whole batch in one segment (the usual case) keeps its joined ids as they are.
    const whole = m === d.n;
    let ids = whole ? d.ids : '';
    const idEnd = whole ? d.idEnd.slice(0, m) : new Uint32Array(m);
    const unindexed: string[] = [];
    let okRows = 0;
    let requests = 0;
    let served = 0;
    let errors = 0;
    let at = 0;
    for (let k = 0; k < m; k++) {
      const i = idx[k];
      const id = d.ids.slice(i ? d.idEnd[i - 1] : 0, d.idEnd[i]);
      if (!whole) idEnd[k] = (ids += id).length;
      if (d.row[i] === 0) {
        const t = V7.test(id) ? parseInt(id.slice(0, 8) + id.slice(9, 13), 16) : NaN;
        if (!(Math.abs(t - d.time[i]) <= slackMs)) unindexed.push(id);
        // INFERENCE_OUTCOMES order: ok, client_error, model_error, rejected.
        requests++;
        if (d.outcome[i] !== 1) served++;
        if (d.outcome[i] === 2) errors++;
      }
      if (d.outcome[i] === 0) okRows++;
      if (d.predText[i] !== undefined) predText[k] = d.predText[i];
      fStart[k] = at;
      const s = d.schema[i];
      if (s < 0) continue;
      const width = d.schemas[s].length;
      for (let j = 0; j < width; j++, at++) {
        const src = d.fStart[i] + j;
        fVals[at] = d.fVals[src];
        if (d.fText[src] !== undefined) fText[at] = d.fText[src];
      }
    }
    const columns = {
      n: m,
      ids,
      idEnd,
      row: gather(d.row, (l) => new Uint32Array(l)),
      binding: gather(d.binding, (l) => new Uint32Array(l)),
      strings: d.strings,
      time: gather(d.time, (l) => new Float64Array(l)),
      latency: gather(d.latency, (l) => new Float64Array(l)),
      outcome: gather(d.outcome, (l) => new Uint8Array(l)),
      pred: gather(d.pred, (l) => new Float64Array(l)),
      predText,
      schema: gather(d.schema, (l) => new Int32Array(l)),
      fStart,
      schemas: d.schemas,
      fVals,
      fText,
    };
    out.push({ model: d.strings[g.model], version: g.version, tMin: g.tMin, tMax: g.tMax, rows: m, okRows, requests, served, errors, data: serialize(columns), unindexed });
  }
  return out;
}

export function encodeSegmentsHere(d: BatchData): EncodedSegment[] {
  return encodeSegments(batchMessage(d), (v) => v8.serialize(v), SEGMENT_SLACK_MS, SEGMENT_MAX_SPAN_MS);
}

export function decodeSegment(data: Uint8Array): SegmentColumns {
  return v8.deserialize(data) as SegmentColumns;
}

/** The arrival time a server-issued (UUIDv7) request id carries, else null. */
export function requestIdTime(id: string): number | null {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(id)) return null;
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
