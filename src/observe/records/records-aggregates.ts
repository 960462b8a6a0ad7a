// Window counts for the guard and the health summary (the formulas on them are ../metrics/metrics.ts). Request metrics read the retained segments — whole segments
// by their metadata, decoded rows only where needed — bounded to the newest EVAL_ROW_CAP requests
// of the window; label metrics are SQL aggregates over the labels table, bounded to its newest
// EVAL_ROW_CAP labeled predictions (labels lag, so the newest predictions are the least labeled).
// This runs on the event loop (better-sqlite3 is synchronous), and the bounds keep it short.
import { sql } from 'kysely';
import type { Db } from '../../db/tables.js';
import { positiveNumber, type ClassificationOptions, type Confusion, type RegressionSums } from '../metrics/metrics.js';
import { isShedCode } from '../../serving/gateway/observer.js';
import type { SegmentColumns } from './segment-codec.js';
import { newestRows, sumScope } from './segment-store.js';

export const EVAL_ROW_CAP = 20_000;

export interface Window {
  model: string;
  version: number;
  from: number;
  to: number;
  /** Label metrics count only labels sent by these tokens (a policy's label_sources); null/absent: every label. */
  labelSources?: readonly string[] | null;
}

const n = (v: unknown) => Number(v ?? 0);

/** A request's first row the model answered or failed: a caller's 4xx is neither, a shed (503 without a run) neither. */
const servedRequest = (cols: SegmentColumns, i: number) => cols.row[i] === 0 && cols.outcome[i] !== 1 && !isShedCode(cols.outcome[i]);

/** The newest capped requests (first rows) the model answered or failed. */
const recentRequests = (db: Db, w: Window) => newestRows(db, w, servedRequest, EVAL_ROW_CAP);

/**
 * The window's counts: requests answered (`requests`), those the model served (not a caller's 4xx)
 * and its errors among them, and sheds — requests answered 503 without a run (load-shed, queue
 * timeout), which are none of the others. served/modelErrors are capped to the newest EVAL_ROW_CAP
 * served requests; requests and sheds count the whole window (from segment metadata).
 */
export async function requestCounts(db: Db, w: Window): Promise<{ requests: number; served: number; modelErrors: number; sheds: number }> {
  let requests = 0;
  let served = 0;
  let modelErrors = 0;
  let sheds = 0;
  await sumScope(
    db,
    w,
    (m) => {
      requests += m.requests;
      served += m.served;
      modelErrors += m.errors;
      sheds += m.sheds;
    },
    (cols, i) => {
      if (cols.row[i] !== 0) return;
      if (isShedCode(cols.outcome[i])) sheds += 1;
      else requests += 1;
      if (!servedRequest(cols, i)) return;
      served += 1;
      if (cols.outcome[i] === 2) modelErrors += 1;
    },
  );
  if (served <= EVAL_ROW_CAP) return { requests, served, modelErrors, sheds };
  const rows = await recentRequests(db, w);
  return { requests, served: rows.length, modelErrors: rows.filter((r) => r.cols.outcome[r.i] === 2).length, sheds };
}

/** The latencies of the same requests (their percentiles are metrics.ts's). */
export async function requestLatencies(db: Db, w: Window): Promise<number[]> {
  return (await recentRequests(db, w)).map((r) => r.cols.latency[r.i]);
}

/** The newest capped labeled predictions of the window. */
const recentLabeled = (db: Db, w: Window) =>
  db.selectFrom(
    labelsOf(db, w)
      .where('outcome', '=', 'ok')
      .select(['time', 'pred_num', 'pred_text', 'label_num', 'label_text'])
      .orderBy('time', 'desc')
      .limit(EVAL_ROW_CAP)
      .as('l'),
  );

/** The window's label rows, from the named sources only when it names any. */
function labelsOf(db: Db, w: Window) {
  const q = db.selectFrom('mon_labels').where('model', '=', w.model).where('version', '=', w.version).where('time', '>=', w.from).where('time', '<', w.to);
  if (!w.labelSources) return q;
  // No named source at all matches nothing (an empty IN list is not valid SQL everywhere).
  return w.labelSources.length ? q.where('source', 'in', [...w.labelSources]) : q.where(sql<boolean>`1 = 0`);
}

/** Per gateway replica: the requests it served in the window and its model errors (null: unknown source). */
export interface ReplicaShare {
  replica: string | null;
  requests: number;
  model_errors: number;
}

/** Which replicas the window's requests came from: whole segments by their metadata, cut ones row by row. */
export async function requestSources(db: Db, w: Window): Promise<ReplicaShare[]> {
  const by = new Map<string | null, ReplicaShare>();
  const share = (replica: string | null) => {
    let s = by.get(replica);
    if (!s) by.set(replica, (s = { replica, requests: 0, model_errors: 0 }));
    return s;
  };
  await sumScope(
    db,
    w,
    (m) => {
      const s = share(m.source);
      s.requests += m.served;
      s.model_errors += m.errors;
    },
    (cols, i, meta) => {
      if (!servedRequest(cols, i)) return;
      const s = share(meta.source);
      s.requests += 1;
      if (cols.outcome[i] === 2) s.model_errors += 1;
    },
  );
  return [...by.values()].filter((s) => s.requests > 0).sort((a, b) => b.requests - a.requests);
}

/** Who sent the window's labels (every label, named sources or not: the evidence shows what was left out too). */
export async function labelSources(db: Db, w: Window): Promise<Array<{ source: string | null; labels: number }>> {
  const rows = await labelsOf(db, { ...w, labelSources: null })
    .where('outcome', '=', 'ok')
    .select(['source', sql<number>`count(*)`.as('labels')])
    .groupBy('source')
    .execute();
  return rows.map((r) => ({ source: r.source, labels: n(r.labels) })).sort((a, b) => b.labels - a.labels);
}

export interface LabelShape {
  labeled: number;
  /** Labeled share of the predictions over the span the labeled rows cover. */
  coverage: number | null;
  numericLabels: number;
  textLabels: number;
}

export async function labelShape(db: Db, w: Window): Promise<LabelShape> {
  const r = await recentLabeled(db, w)
    .select([
      sql<number>`count(*)`.as('labeled'),
      sql<number>`min(time)`.as('oldest'),
      sql<number>`count(distinct label_num)`.as('nums'),
      sql<number>`count(distinct label_text)`.as('texts'),
    ])
    .executeTakeFirst();
  const labeled = n(r?.labeled);
  // Coverage over the span the labeled rows cover when the cap cut them, else the whole window.
  const from = labeled >= EVAL_ROW_CAP ? n(r?.oldest) : w.from;
  let total = 0;
  await sumScope(db, { ...w, from }, (m) => void (total += m.ok_rows), (cols, i) => void (total += cols.outcome[i] === 0 ? 1 : 0));
  return { labeled, coverage: total ? Math.min(labeled / total, 1) : null, numericLabels: n(r?.nums), textLabels: n(r?.texts) };
}

/**
 * Binary confusion counts of the window's labeled predictions: metrics.ts binaryConfusion() in SQL
 * (predictsPositive() and isPositiveLabel(), row for row; a row without a prediction counts for
 * nothing). records-aggregates.test.ts holds the two to the same counts.
 */
export async function windowConfusion(db: Db, w: Window, opts: ClassificationOptions): Promise<Confusion> {
  const positive = opts.positiveLabel;
  const posNum = positiveNumber(positive);
  // 0/1 integers: a NULL comparison falls through to the next WHEN instead of poisoning AND/OR.
  const predPos = sql`(case when pred_num >= ${opts.threshold} then 1 when pred_text = ${String(positive)} then 1 else 0 end)`;
  const actualPos =
    posNum !== null
      ? sql`(case when label_num = ${posNum} then 1 when label_text = ${String(positive)} then 1 else 0 end)`
      : sql`(case when label_text = ${String(positive)} then 1 else 0 end)`;
  const r = await recentLabeled(db, w)
    .where((eb) => eb.or([eb('pred_num', 'is not', null), eb('pred_text', 'is not', null)]))
    .select([
      sql<number>`sum(case when ${predPos} = 1 and ${actualPos} = 1 then 1 else 0 end)`.as('tp'),
      sql<number>`sum(case when ${predPos} = 1 and ${actualPos} = 0 then 1 else 0 end)`.as('fp'),
      sql<number>`sum(case when ${predPos} = 0 and ${actualPos} = 1 then 1 else 0 end)`.as('fn'),
      sql<number>`sum(case when ${predPos} = 0 and ${actualPos} = 0 then 1 else 0 end)`.as('tn'),
    ])
    .executeTakeFirst();
  return { tp: n(r?.tp), fp: n(r?.fp), fn: n(r?.fn), tn: n(r?.tn) };
}

export async function regressionSums(db: Db, w: Window): Promise<RegressionSums> {
  const r = await recentLabeled(db, w)
    .where('label_num', 'is not', null)
    .where('pred_num', 'is not', null)
    .select([
      sql<number>`count(*)`.as('count'),
      sql<number>`sum(abs(pred_num - label_num))`.as('abs'),
      sql<number>`sum((pred_num - label_num) * (pred_num - label_num))`.as('sq'),
    ])
    .executeTakeFirst();
  return { count: n(r?.count), abs: n(r?.abs), sq: n(r?.sq) };
}
