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

/** One segment's rows, column by column: the batch layout, without the model, version and source (one each). */
export type SegmentColumns = Omit<BatchData, 'model' | 'version' | 'source' | 'fLen' | 'idLen'>;

const UTF8 = new TextDecoder();

/** Row i's request id. */
export function requestIdOf(cols: Pick<SegmentColumns, 'ids' | 'idStart' | 'idEnd'>, i: number): string {
  const from = cols.idStart[i];
  const to = cols.idEnd[i];
  let ascii = true;
  for (let k = from; k < to && ascii; k++) ascii = cols.ids[k] < 128;
  return ascii ? String.fromCharCode(...cols.ids.subarray(from, to)) : UTF8.decode(cols.ids.subarray(from, to));
}

export interface EncodedSegment {
  model: string;
  version: number;
  /** The gateway replica that served its rows; null when unknown. */
  source: string | null;
  tMin: number;
  tMax: number;
  rows: number;
  okRows: number;
  /**
   * Requests (first rows) the gateway answered, those not a caller's 4xx, and model errors among
   * them; sheds (503s without a run: load-shed, queue timeout) are only in `sheds`.
   */
  requests: number;
  served: number;
  errors: number;
  sheds: number;
  data: Uint8Array;
  /** Request ids (each request's first row) their embedded time cannot find: for the side index. */
  unindexed: string[];
}

/**
 * Splits a batch into segments (by model, version and source, and by SEGMENT_MAX_SPAN_MS of arrival time)
 * and serializes each. Self-contained on purpose (no imports, no closures over module scope): the
 * writer threads evaluate this function's source, so both databases store the same bytes.
 */
export function encodeSegments(d: BatchData, serialize: (v: unknown) => Uint8Array, slackMs: number, maxSpanMs: number): EncodedSegment[] {
  const text = new TextDecoder();
  // The time a UUIDv7 id (its bytes at s..e) carries, else NaN: 8-4-4-4-12 hex digits, version 7.
  const v7Time = (b: Uint8Array, s: number, e: number): number => {
    if (e - s !== 36 || b[s + 14] !== 55) return NaN;
    let t = 0;
    for (let k = 0; k < 36; k++) {
      const c = b[s + k];
      if (k === 8 || k === 13 || k === 18 || k === 23) {
        if (c !== 45) return NaN;
        continue;
      }
      const v = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
      if (v < 0) return NaN;
      if (k < 13) t = t * 16 + v;
    }
    const variant = b[s + 19];
    return variant === 56 || variant === 57 || variant === 97 || variant === 98 || variant === 65 || variant === 66 ? t : NaN;
  };
  // Rows of one request share model, version, source and time, so they always land in the same segment.
  const groups: Array<{ model: number; version: number; source: number; tMin: number; tMax: number; idx: number[] }> = [];
  const open = new Map<string, (typeof groups)[number]>();
  let last: (typeof groups)[number] | undefined;
  for (let i = 0; i < d.n; i++) {
    const t = d.time[i];
    // Consecutive rows almost always share model, version and source: no key built for them.
    const same = last && last.model === d.model[i] && last.version === d.version[i] && last.source === d.source[i];
    let g = same ? last : open.get(d.model[i] + ':' + d.version[i] + ':' + d.source[i]);
    if (g && (Math.max(g.tMax, t) - Math.min(g.tMin, t) > maxSpanMs)) g = undefined;
    if (!g) {
      g = { model: d.model[i], version: d.version[i], source: d.source[i], tMin: t, tMax: t, idx: [] };
      groups.push(g);
      open.set(d.model[i] + ':' + d.version[i] + ':' + d.source[i], g);
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
    // The whole batch in one segment (the usual case) is stored as it is: its columns are views of
    // the batch's own, in the same row order, so nothing is gathered or copied before serializing.
    const whole = m === d.n;
    let fLen = whole ? d.fLen : 0;
    if (!whole) for (const i of idx) if (d.schema[i] >= 0) fLen += d.schemas[d.schema[i]].length;
    const fVals = whole ? d.fVals.subarray(0, fLen) : new Float64Array(fLen);
    const fStart = whole ? d.fStart.subarray(0, m) : new Uint32Array(m);
    const fText: Record<number, string> = whole ? d.fText : {};
    const predText: Record<number, string> = whole ? d.predText : {};
    const ids = whole ? d.ids.subarray(0, d.idLen) : new Uint8Array(d.idLen);
    let idLen = 0;
    const idStart = whole ? d.idStart.subarray(0, m) : new Uint32Array(m);
    const idEnd = whole ? d.idEnd.subarray(0, m) : new Uint32Array(m);
    const unindexed: string[] = [];
    let okRows = 0;
    let requests = 0;
    let served = 0;
    let errors = 0;
    let sheds = 0;
    let at = 0;
    for (let k = 0; k < m; k++) {
      const i = idx[k];
      const s0 = d.idStart[i];
      const s1 = d.idEnd[i];
      if (d.row[i] === 0) {
        if (!(Math.abs(v7Time(d.ids, s0, s1) - d.time[i]) <= slackMs)) unindexed.push(text.decode(d.ids.subarray(s0, s1)));
        // INFERENCE_OUTCOMES order: ok, client_error, model_error, rejected, shed, queue_timeout
        // (a literal, not SHED_CODE: this function's source also runs in the sink's worker thread).
        if (d.outcome[i] >= 4) sheds++;
        else {
          requests++;
          if (d.outcome[i] !== 1) served++;
          if (d.outcome[i] === 2) errors++;
        }
      }
      if (d.outcome[i] === 0) okRows++;
      if (whole) continue;
      // A request's rows share its bytes here too.
      if (d.row[i] === 0 || k === 0) {
        ids.set(d.ids.subarray(s0, s1), idLen);
        idLen += s1 - s0;
      }
      idStart[k] = idLen - (s1 - s0);
      idEnd[k] = idLen;
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
    const column = <T extends Float64Array | Uint32Array | Uint8Array | Int32Array>(src: T, make: (len: number) => T): T => {
      if (whole) return src.subarray(0, m) as T;
      const col = make(m);
      for (let k = 0; k < m; k++) col[k] = src[idx[k]];
      return col;
    };
    const columns = {
      n: m,
      ids: whole ? ids : ids.subarray(0, idLen),
      idStart,
      idEnd,
      row: column(d.row, (l) => new Uint32Array(l)),
      binding: column(d.binding, (l) => new Uint32Array(l)),
      strings: d.strings,
      time: column(d.time, (l) => new Float64Array(l)),
      latency: column(d.latency, (l) => new Float64Array(l)),
      outcome: column(d.outcome, (l) => new Uint8Array(l)),
      pred: column(d.pred, (l) => new Float64Array(l)),
      predText,
      schema: column(d.schema, (l) => new Int32Array(l)),
      fStart,
      schemas: d.schemas,
      fVals,
      fText,
    };
    out.push({ model: d.strings[g.model], version: g.version, source: d.strings[g.source] || null, tMin: g.tMin, tMax: g.tMax, rows: m, okRows, requests, served, errors, sheds, data: serialize(columns), unindexed });
  }
  return out;
}

export function encodeSegmentsHere(d: BatchData): EncodedSegment[] {
  return encodeSegments(d, (v) => v8.serialize(v), SEGMENT_SLACK_MS, SEGMENT_MAX_SPAN_MS);
}

export function decodeSegment(data: Uint8Array): SegmentColumns {
  return v8.deserialize(data) as SegmentColumns;
}

/** The arrival time a server-issued (UUIDv7) request id carries, else null. */
export function requestIdTime(id: string): number | null {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(id)) return null;
  return parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
