// The only SQL for mon_records: retained inference rows, joined later with ground truth.
import { sql, type Selectable } from 'kysely';
import type { Db } from '../../db/tables.js';
import type { MonRecordsTable } from './monitoring-tables.js';
import { RECORD_COLUMNS } from './record-batch.js';

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

function toRecord(r: Pick<Selectable<MonRecordsTable>, 'request_id' | 'row' | 'version' | 'time' | 'latency_ms' | 'outcome' | 'features' | 'pred_num' | 'pred_text' | 'label_num' | 'label_text'>): RecordRow {
  return {
    request_id: r.request_id,
    row: Number(r.row),
    version: Number(r.version),
    time: Number(r.time),
    latency_ms: Number(r.latency_ms),
    outcome: r.outcome,
    features: r.features ? (JSON.parse(r.features) as RecordRow['features']) : null,
    pred: r.pred_num !== null ? Number(r.pred_num) : r.pred_text,
    label: r.label_num !== null ? Number(r.label_num) : r.label_text,
  };
}

/** PostgreSQL casts of RECORD_COLUMNS, in order, from the JSON rows' text. */
const PG_COLUMN_CASTS = ['', '::int', '', '::int', '', '::bigint', '::float8', '', '', '::float8', ''];
/**
 * PostgreSQL's insert of a batch (pg-record-sink.ts runs it off the serving thread): rows in
 * RECORD_COLUMNS order (record-batch.ts) as one JSON parameter; a replayed request id (a retry
 * through another replica) keeps its first record. JSON.stringify is native (~0.7 µs a row) and
 * PostgreSQL parses it in C. A VALUES list of 11,000 placeholders cost more to send and parse than
 * the insert itself, and node-postgres's array parameters (for unnest) took 1–13 µs a row to build
 * (docs/benchmarks.md). SQLite's rows go through its own writer thread (sqlite-record-sink.ts).
 */
export const PG_INSERT_RECORDS = `insert into mon_records (${RECORD_COLUMNS.join(', ')}) select ${PG_COLUMN_CASTS.map((cast, c) => `(r->>${c})${cast}`).join(', ')} from json_array_elements($1::json) r on conflict (request_id, row) do nothing`;

export interface RecordQuery {
  model: string;
  version?: number;
  from: number;
  to: number;
  /** Only rows the model answered (outcome ok): the ones with inputs and predictions. */
  okOnly?: boolean;
  labeledOnly?: boolean;
  /** Only each request's first row, which carries its outcome and latency. */
  requestsOnly?: boolean;
  /** Skip the feature JSON (quality and request metrics never read it; parsing it dominates). */
  noFeatures?: boolean;
  /** Every k-th row by id: an even sample across a busy window instead of only its newest rows. */
  sampleEvery?: number;
  limit: number;
}

/** Most recent first, capped: windows are evaluated on at most `limit` rows. */
export async function queryRecords(db: Db, q: RecordQuery): Promise<RecordRow[]> {
  let query = db
    .selectFrom('mon_records')
    .select(['request_id', 'row', 'version', 'time', 'latency_ms', 'outcome', 'pred_num', 'pred_text', 'label_num', 'label_text'])
    .$if(!q.noFeatures, (qb) => qb.select('features'))
    .where('model', '=', q.model)
    .where('time', '>=', q.from)
    .where('time', '<', q.to);
  if (q.version !== undefined) query = query.where('version', '=', q.version);
  if (q.okOnly) query = query.where('outcome', '=', 'ok');
  if (q.requestsOnly) query = query.where('row', '=', 0);
  if (q.sampleEvery && q.sampleEvery > 1) query = query.where(sql<number>`id % ${q.sampleEvery}`, '=', 0);
  if (q.labeledOnly) query = query.where('labeled_at', 'is not', null);
  const rows = await query.orderBy('time', 'desc').limit(q.limit).execute();
  return rows.map((r) => toRecord({ features: null, ...r }));
}

/** The first rows a version served (oldest first): a reference profile built from early traffic. */
export async function firstRecords(db: Db, model: string, version: number, limit: number): Promise<RecordRow[]> {
  const rows = await db
    .selectFrom('mon_records')
    .select(['request_id', 'row', 'version', 'time', 'latency_ms', 'outcome', 'features', 'pred_num', 'pred_text', 'label_num', 'label_text'])
    .where('model', '=', model)
    .where('version', '=', version)
    .where('outcome', '=', 'ok')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(toRecord);
}

export async function lastRecordTime(db: Db, model: string, version: number): Promise<number | null> {
  const r = await db
    .selectFrom('mon_records')
    .select((eb) => eb.fn.max('time').as('t'))
    .where('model', '=', model)
    .where('version', '=', version)
    .executeTakeFirst();
  return r?.t === null || r?.t === undefined ? null : Number(r.t);
}

/** Attaches a label to a retained prediction; false when no such prediction is retained. */
export async function labelRecord(db: Db, model: string, requestId: string, row: number, label: number | string, now: number): Promise<boolean> {
  const res = await db
    .updateTable('mon_records')
    .set({
      label_num: typeof label === 'number' ? label : null,
      label_text: typeof label === 'string' ? label : null,
      labeled_at: now,
    })
    .where('request_id', '=', requestId)
    .where('row', '=', row)
    .where('model', '=', model)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Retention: drops rows older than `before` and all but the newest `maxRows`. */
export async function pruneRecords(db: Db, before: number, maxRows: number): Promise<number> {
  let deleted = Number((await db.deleteFrom('mon_records').where('time', '<', before).executeTakeFirst()).numDeletedRows);
  const top = await db.selectFrom('mon_records').select((eb) => eb.fn.max('id').as('max')).executeTakeFirst();
  const max = Number(top?.max ?? 0);
  if (max > maxRows) {
    deleted += Number((await db.deleteFrom('mon_records').where('id', '<=', max - maxRows).executeTakeFirst()).numDeletedRows);
  }
  return deleted;
}

export interface StepCounts {
  version: number;
  step: number;
  requests: number;
  served: number;
  errors: number;
}

/** Exact request counts per version and step ((time - from) / stepMs, integer division in both databases). */
export async function countsPerStep(db: Db, model: string, from: number, to: number, stepMs: number): Promise<StepCounts[]> {
  // Literals (numbers we computed), and GROUP BY ordinals: PostgreSQL would not match two parameterised copies.
  const step = sql<number>`(time - ${sql.lit(Math.floor(from))}) / ${sql.lit(Math.floor(stepMs))}`;
  const rows = await db
    .selectFrom('mon_records')
    .select([
      'version',
      step.as('step'),
      sql<number>`count(*)`.as('requests'),
      sql<number>`sum(case when outcome != 'client_error' then 1 else 0 end)`.as('served'),
      sql<number>`sum(case when outcome = 'model_error' then 1 else 0 end)`.as('errors'),
    ])
    .where('model', '=', model)
    .where('time', '>=', from)
    .where('time', '<', to)
    .where('row', '=', 0)
    .groupBy([sql`1`, sql`2`])
    .execute();
  return rows.map((r) => ({ version: Number(r.version), step: Math.floor(Number(r.step)), requests: Number(r.requests), served: Number(r.served ?? 0), errors: Number(r.errors ?? 0) }));
}

export async function countRows(db: Db, model: string, from: number, to: number): Promise<number> {
  const r = await db.selectFrom('mon_records').select(sql<number>`count(*)`.as('n')).where('model', '=', model).where('time', '>=', from).where('time', '<', to).executeTakeFirst();
  return Number(r?.n ?? 0);
}
