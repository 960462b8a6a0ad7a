// Retained inference rows, read from their segments (segment-store.ts) with the labels attached to
// them later (labels-store.ts); counts and retention. With those two, the only code that knows how
// predictions are stored.
import { sql } from 'kysely';
import type { Db } from '../../db/tables.js';
import { isShedCode } from '../../serving/gateway/observer.js';
import { labelKey } from './labels-store.js';
import { requestIdOf, type SegmentColumns } from './segment-codec.js';
import { featuresOf, newestRows, outcomeOf, predictionOf, segmentsIn, sumScope, versionSegments, withColumns, type RowRef, type SegmentMeta } from './segment-store.js';

export interface RecordRow {
  request_id: string;
  row: number;
  version: number;
  time: number;
  latency_ms: number;
  outcome: string;
  features: Record<string, number | string | null> | null;
  pred: number | string | null;
  label: number | string | null;
}

export interface RecordQuery {
  model: string;
  version?: number;
  from: number;
  to: number;
  /** Only rows the model answered (outcome ok): the ones with inputs and predictions. */
  okOnly?: boolean;
  /** Only labeled predictions (read from the labels; their features are not kept there). */
  labeledOnly?: boolean;
  /** With labeledOnly: only labels these tokens sent (null/absent: every label). */
  labelSources?: readonly string[] | null;
  /** Only each request's first row, which carries its outcome and latency. */
  requestsOnly?: boolean;
  /** Skip building the feature objects (quality and request metrics never read them). */
  noFeatures?: boolean;
  /** About every k-th row: an even sample across a busy window instead of only its newest rows. */
  sampleEvery?: number;
  limit: number;
}

const labelOf = (r: { label_num: number | null; label_text: string | null }) => (r.label_num !== null ? Number(r.label_num) : r.label_text);

function toRecord(ref: RowRef, withFeatures: boolean, label: number | string | null): RecordRow {
  const { cols, i, meta } = ref;
  return {
    request_id: requestIdOf(cols, i),
    row: cols.row[i],
    version: meta.version,
    time: cols.time[i],
    latency_ms: cols.latency[i],
    outcome: outcomeOf(cols, i),
    features: withFeatures ? featuresOf(cols, i) : null,
    pred: predictionOf(cols, i),
    label,
  };
}

/** Most recent first, capped: windows are evaluated on at most `limit` rows. */
export async function queryRecords(db: Db, q: RecordQuery): Promise<RecordRow[]> {
  if (q.labeledOnly) return labeledRecords(db, q);
  const every = q.sampleEvery && q.sampleEvery > 1 ? q.sampleEvery : 1;
  const keep = (cols: SegmentColumns, i: number, meta: SegmentMeta) =>
    (!q.okOnly || cols.outcome[i] === 0) && (!q.requestsOnly || cols.row[i] === 0) && (every === 1 || (meta.id + i) % every === 0);
  const refs = await newestRows(db, q, keep, q.limit);
  if (refs.length === 0) return [];
  // Labels of these rows, from the labels table over the span they cover.
  const oldest = refs[refs.length - 1].cols.time[refs[refs.length - 1].i];
  let lq = db.selectFrom('mon_labels').select(['request_id', 'row', 'label_num', 'label_text']).where('model', '=', q.model).where('time', '>=', oldest).where('time', '<', q.to);
  if (q.version !== undefined) lq = lq.where('version', '=', q.version);
  const labels = new Map((await lq.execute()).map((l) => [labelKey(l.request_id, Number(l.row)), labelOf(l)]));
  return refs.map((ref) => toRecord(ref, !q.noFeatures, labels.get(labelKey(requestIdOf(ref.cols, ref.i), ref.cols.row[ref.i])) ?? null));
}

async function labeledRecords(db: Db, q: RecordQuery): Promise<RecordRow[]> {
  let lq = db.selectFrom('mon_labels').selectAll().where('model', '=', q.model).where('time', '>=', q.from).where('time', '<', q.to);
  if (q.version !== undefined) lq = lq.where('version', '=', q.version);
  if (q.okOnly) lq = lq.where('outcome', '=', 'ok');
  if (q.requestsOnly) lq = lq.where('row', '=', 0);
  if (q.labelSources) lq = q.labelSources.length ? lq.where('source', 'in', [...q.labelSources]) : lq.where(sql<boolean>`1 = 0`);
  const rows = await lq.orderBy('time', 'desc').limit(q.limit).execute();
  return rows.map((r) => ({
    request_id: r.request_id,
    row: Number(r.row),
    version: Number(r.version),
    time: Number(r.time),
    latency_ms: 0,
    outcome: r.outcome,
    features: null,
    pred: r.pred_num !== null ? Number(r.pred_num) : r.pred_text,
    label: labelOf(r),
  }));
}

/** The first rows a version served (oldest first): a reference profile built from early traffic. */
export async function firstRecords(db: Db, model: string, version: number, limit: number): Promise<RecordRow[]> {
  const out: RecordRow[] = [];
  for (let after = 0; out.length < limit; ) {
    const metas = await versionSegments(db, model, version, after, 64);
    if (metas.length === 0) break;
    after = metas[metas.length - 1].id;
    for await (const ref of withColumns(db, metas.filter((m) => m.ok_rows > 0))) {
      for (let i = 0; i < ref.cols.n && out.length < limit; i++) if (ref.cols.outcome[i] === 0) out.push(toRecord({ ...ref, i }, true, null));
      if (out.length >= limit) break;
    }
  }
  return out;
}

export async function lastRecordTime(db: Db, model: string, version: number): Promise<number | null> {
  const r = await db
    .selectFrom('mon_segments')
    .select((eb) => eb.fn.max('t_max').as('t'))
    .where('model', '=', model)
    .where('version', '=', version)
    .executeTakeFirst();
  return r?.t === null || r?.t === undefined ? null : Number(r.t);
}

/**
 * Retention: drops segments older than `before`, and whole segments, oldest first, once the rows
 * newer than them reach `maxRows` (so at most one written batch more than `maxRows` is kept, as a
 * log keeps whole segments). Their labels and side-index entries go with them.
 */
export async function pruneRecords(db: Db, before: number, maxRows: number): Promise<number> {
  const old = await db.selectFrom('mon_segments').select(sql<number>`coalesce(sum(rows), 0)`.as('n')).where('t_max', '<', before).executeTakeFirst();
  let deleted = Number(old?.n ?? 0);
  await db.deleteFrom('mon_segments').where('t_max', '<', before).execute();
  // Running total of the rows newer than each segment (newest first).
  const cut = await db
    .selectFrom((eb) => eb.selectFrom('mon_segments').select(['id', sql<number>`sum(rows) over (order by id desc) - rows`.as('newer')]).as('s'))
    .select(['id'])
    .where('newer', '>=', maxRows)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (cut) {
    const over = await db.selectFrom('mon_segments').select(sql<number>`coalesce(sum(rows), 0)`.as('n')).where('id', '<=', Number(cut.id)).executeTakeFirst();
    deleted += Number(over?.n ?? 0);
    await db.deleteFrom('mon_segments').where('id', '<=', Number(cut.id)).execute();
  }
  const first = await db.selectFrom('mon_segments').select((eb) => [eb.fn.min('id').as('id'), eb.fn.min('t_min').as('t')]).executeTakeFirst();
  const firstId = first?.id === null || first?.id === undefined ? Number.MAX_SAFE_INTEGER : Number(first.id);
  await db.deleteFrom('mon_request_ids').where('segment_id', '<', firstId).execute();
  await db.deleteFrom('mon_labels').where('time', '<', first?.t === null || first?.t === undefined ? Number.MAX_SAFE_INTEGER : Number(first.t)).execute();
  return deleted;
}

export interface StepCounts {
  version: number;
  step: number;
  requests: number;
  served: number;
  errors: number;
}

/** Exact request counts per version and step ((time - from) / stepMs, integer division). */
export async function countsPerStep(db: Db, model: string, from: number, to: number, stepMs: number): Promise<StepCounts[]> {
  const counts = new Map<string, StepCounts>();
  const at = (version: number, step: number) => {
    const key = `${version}:${step}`;
    let c = counts.get(key);
    if (!c) counts.set(key, (c = { version, step, requests: 0, served: 0, errors: 0 }));
    return c;
  };
  const metas = await segmentsIn(db, { model, from, to }, 'oldest');
  const cut: SegmentMeta[] = [];
  for (const m of metas) {
    const step = Math.floor((m.t_min - from) / stepMs);
    // A segment inside one step counts from its metadata.
    if (m.t_min >= from && m.t_max < to && Math.floor((m.t_max - from) / stepMs) === step) {
      const c = at(m.version, step);
      c.requests += m.requests;
      c.served += m.served;
      c.errors += m.errors;
    } else cut.push(m);
  }
  for await (const { meta, cols } of withColumns(db, cut)) {
    for (let i = 0; i < cols.n; i++) {
      const t = cols.time[i];
      // A shed (503 without a run) is not a request the model answered: shed_rate counts those.
      if (cols.row[i] !== 0 || t < from || t >= to || isShedCode(cols.outcome[i])) continue;
      const c = at(meta.version, Math.floor((t - from) / stepMs));
      c.requests += 1;
      if (cols.outcome[i] !== 1) c.served += 1;
      if (cols.outcome[i] === 2) c.errors += 1;
    }
  }
  return [...counts.values()];
}

export async function countRows(db: Db, model: string, from: number, to: number): Promise<number> {
  let n = 0;
  await sumScope(db, { model, from, to }, (m) => void (n += m.rows), () => void (n += 1));
  return n;
}
