// Reads retained-prediction segments (segment-codec.ts): which segments a window touches (their
// metadata, from SQL), their decoded columns, and the rows in them. Segments never change once
// written, so decoded ones are cached per database handle: a guard re-reading its window every
// second decodes each segment once.
import type { Generated, Selectable } from 'kysely';
import type { Db } from '../../db/tables.js';
import { INFERENCE_OUTCOMES } from '../../serving/gateway/observer.js';
import { decodeSegment, requestIdOf, type SegmentColumns } from './segment-codec.js';

/** Retained predictions, a segment per model, version, source and written batch (segment-codec.ts; migrations 0006, 0007). */
export interface MonSegmentsTable {
  id: Generated<number>;
  model: string;
  version: number;
  /** The gateway replica that served the rows; null when unknown (kept before 0007). */
  source: string | null;
  t_min: number;
  t_max: number;
  rows: number;
  ok_rows: number;
  requests: number;
  served: number;
  errors: number;
  /** Requests answered 503 without a run (load-shed, queue timeout); not in `requests` (migration 0010). */
  sheds: Generated<number>;
  data: Uint8Array;
}

/** Request ids their embedded time cannot find (a caller's own ids): which segment holds them (labels-store.ts reads it). */
export interface MonRequestIdsTable {
  model: string;
  request_id: string;
  segment_id: number;
}

declare module '../../db/tables.js' {
  interface Database {
    mon_segments: MonSegmentsTable;
    mon_request_ids: MonRequestIdsTable;
  }
}

/** A segment's row without its data: what windows sum and what picks the segments to open. */
export type SegmentMeta = Omit<Selectable<MonSegmentsTable>, 'model' | 'data'>;

export interface Scope {
  model: string;
  version?: number;
  from: number;
  to: number;
}

/** Decoded rows kept across calls, per database handle (least recently used go first). */
const CACHE_ROWS = 400_000;
/** Segments fetched per query while scanning: a scan that stops early reads little. */
const FETCH_PAGE = 16;

class SegmentCache {
  private readonly map = new Map<number, SegmentColumns>();
  private rows = 0;

  get(id: number): SegmentColumns | undefined {
    const s = this.map.get(id);
    if (s) {
      this.map.delete(id);
      this.map.set(id, s);
    }
    return s;
  }

  set(id: number, s: SegmentColumns): void {
    this.map.set(id, s);
    this.rows += s.n;
    for (const [old, v] of this.map) {
      if (this.rows <= CACHE_ROWS || old === id) break;
      this.map.delete(old);
      this.rows -= v.n;
    }
  }
}

const caches = new WeakMap<object, SegmentCache>();
const cacheFor = (db: Db) => {
  let c = caches.get(db);
  if (!c) caches.set(db, (c = new SegmentCache()));
  return c;
};

export const SEGMENT_META = ['id', 'version', 'source', 't_min', 't_max', 'rows', 'ok_rows', 'requests', 'served', 'errors', 'sheds'] as const;
export const toMeta = (r: Record<(typeof SEGMENT_META)[number], unknown>): SegmentMeta => ({
  id: Number(r.id),
  version: Number(r.version),
  source: (r.source as string | null) ?? null,
  t_min: Number(r.t_min),
  t_max: Number(r.t_max),
  rows: Number(r.rows),
  ok_rows: Number(r.ok_rows),
  requests: Number(r.requests),
  served: Number(r.served),
  errors: Number(r.errors),
  sheds: Number(r.sheds ?? 0),
});

/** Segments holding any row of the scope's [from, to): newest first, or oldest first. */
export async function segmentsIn(db: Db, s: Scope, order: 'newest' | 'oldest'): Promise<SegmentMeta[]> {
  let q = db.selectFrom('mon_segments').select(SEGMENT_META).where('model', '=', s.model).where('t_max', '>=', s.from).where('t_min', '<', s.to);
  if (s.version !== undefined) q = q.where('version', '=', s.version);
  const rows = await (order === 'newest' ? q.orderBy('t_max', 'desc') : q.orderBy('id', 'asc')).execute();
  return rows.map(toMeta);
}

/** A version's segments, oldest first (its first traffic), a page at a time. */
export async function versionSegments(db: Db, model: string, version: number, afterId: number, limit: number): Promise<SegmentMeta[]> {
  const rows = await db.selectFrom('mon_segments').select(SEGMENT_META).where('model', '=', model).where('version', '=', version).where('id', '>', afterId).orderBy('id').limit(limit).execute();
  return rows.map(toMeta);
}

/** Decoded columns of these segments, in the same order; undefined for one pruned since its metadata was read. */
export async function columnsOf(db: Db, metas: SegmentMeta[]): Promise<Array<SegmentColumns | undefined>> {
  const cache = cacheFor(db);
  const found = new Map<number, SegmentColumns>();
  const missing: number[] = [];
  for (const m of metas) {
    const hit = cache.get(m.id);
    if (hit) found.set(m.id, hit);
    else missing.push(m.id);
  }
  for (let i = 0; i < missing.length; i += 200) {
    const rows = await db.selectFrom('mon_segments').select(['id', 'data']).where('id', 'in', missing.slice(i, i + 200)).execute();
    for (const r of rows) {
      const cols = decodeSegment(r.data);
      cache.set(Number(r.id), cols);
      found.set(Number(r.id), cols);
    }
  }
  return metas.map((m) => found.get(m.id));
}

/** Segments with their columns, a page at a time, for scans that may stop early. */
export async function* withColumns(db: Db, metas: SegmentMeta[]): AsyncGenerator<{ meta: SegmentMeta; cols: SegmentColumns }> {
  for (let i = 0; i < metas.length; i += FETCH_PAGE) {
    const page = metas.slice(i, i + FETCH_PAGE);
    const cols = await columnsOf(db, page);
    for (let k = 0; k < page.length; k++) {
      const c = cols[k];
      if (c) yield { meta: page[k], cols: c };
    }
  }
}

/** A row of a segment, by position. */
export interface RowRef {
  meta: SegmentMeta;
  cols: SegmentColumns;
  i: number;
}

/**
 * The newest `limit` rows of the scope that pass `keep`, newest first — exact even where segments
 * overlap in time (rows of several replicas' batches): scanning stops only once no unread segment
 * can hold a row newer than the limit-th found.
 */
export async function newestRows(db: Db, s: Scope, keep: (cols: SegmentColumns, i: number, meta: SegmentMeta) => boolean, limit: number): Promise<RowRef[]> {
  const metas = await segmentsIn(db, s, 'newest');
  let found: RowRef[] = [];
  let cutoff = -Infinity;
  for await (const { meta, cols } of withColumns(db, metas)) {
    if (found.length >= limit && meta.t_max < cutoff) break;
    for (let i = 0; i < cols.n; i++) {
      const t = cols.time[i];
      if (t >= s.from && t < s.to && t >= cutoff && keep(cols, i, meta)) found.push({ meta, cols, i });
    }
    if (found.length >= limit) {
      found.sort((a, b) => b.cols.time[b.i] - a.cols.time[a.i]);
      found = found.slice(0, limit);
      cutoff = found[found.length - 1].cols.time[found[found.length - 1].i];
    }
  }
  if (found.length < limit) found.sort((a, b) => b.cols.time[b.i] - a.cols.time[a.i]);
  return found;
}

/**
 * Sums over the scope's rows: whole segments inside [from, to) by their metadata (`whole`), the
 * rows of segments it cuts through one by one (`row`). Exact, and reads few segments.
 */
export async function sumScope(db: Db, s: Scope, whole: (m: SegmentMeta) => void, row: (cols: SegmentColumns, i: number, meta: SegmentMeta) => void): Promise<void> {
  const metas = await segmentsIn(db, s, 'newest');
  const cut: SegmentMeta[] = [];
  for (const m of metas) {
    if (m.t_min >= s.from && m.t_max < s.to) whole(m);
    else cut.push(m);
  }
  for await (const { meta, cols } of withColumns(db, cut)) {
    for (let i = 0; i < cols.n; i++) if (cols.time[i] >= s.from && cols.time[i] < s.to) row(cols, i, meta);
  }
}

export const outcomeOf = (cols: SegmentColumns, i: number) => INFERENCE_OUTCOMES[cols.outcome[i]];

export function featuresOf(cols: SegmentColumns, i: number): Record<string, number | string | null> | null {
  const s = cols.schema[i];
  if (s < 0) return null;
  const out: Record<string, number | string | null> = {};
  const names = cols.schemas[s];
  for (let j = 0; j < names.length; j++) {
    const k = cols.fStart[i] + j;
    const text = cols.fText[k];
    const v = cols.fVals[k];
    // -0 reads as 0, as it would through JSON.
    out[names[j]] = text !== undefined ? text : Number.isFinite(v) ? v + 0 : null;
  }
  return out;
}

export function predictionOf(cols: SegmentColumns, i: number): number | string | null {
  const text = cols.predText[i];
  if (text !== undefined) return text;
  return Number.isNaN(cols.pred[i]) ? null : cols.pred[i];
}

/** Where a request's rows are in a decoded segment: its first row's position, by request id. */
const firstRows = new WeakMap<SegmentColumns, Map<string, number>>();
export function rowOfRequest(cols: SegmentColumns, requestId: string, row: number): number | null {
  let map = firstRows.get(cols);
  if (!map) {
    map = new Map();
    for (let i = 0; i < cols.n; i++) {
      if (cols.row[i] !== 0) continue;
      const id = requestIdOf(cols, i);
      if (!map.has(id)) map.set(id, i);
    }
    firstRows.set(cols, map);
  }
  const first = map.get(requestId);
  if (first === undefined) return null;
  const i = first + row;
  return i < cols.n && cols.row[i] === row && requestIdOf(cols, i) === requestId ? i : null;
}
