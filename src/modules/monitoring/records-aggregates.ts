// Window aggregates computed in the database, so a guard evaluation reads a handful of numbers
// instead of materialising rows. Each reads a bounded slice: the newest EVAL_ROW_CAP requests of
// the window, or for label metrics its newest EVAL_ROW_CAP *labeled* predictions (labels lag, so
// the newest predictions are the least labeled ones). better-sqlite3 runs on the event loop, and
// this bound keeps an evaluation short even at thousands of requests per second.
import { sql } from 'kysely';
import type { Db } from '../../db/tables.js';

export const EVAL_ROW_CAP = 20_000;

export interface Window {
  model: string;
  version: number;
  from: number;
  to: number;
}

const n = (v: unknown) => Number(v ?? 0);

const scoped = (db: Db, w: Window) =>
  db.selectFrom('mon_records').where('model', '=', w.model).where('version', '=', w.version).where('time', '>=', w.from).where('time', '<', w.to);

/** The newest capped requests (row 0) the model answered or failed; a caller's 4xx counts for neither. */
const recentRequests = (db: Db, w: Window) =>
  db.selectFrom(
    scoped(db, w).where('row', '=', 0).where('outcome', '!=', 'client_error').select(['outcome', 'latency_ms']).orderBy('time', 'desc').limit(EVAL_ROW_CAP).as('r'),
  );

export async function requestCounts(db: Db, w: Window): Promise<{ served: number; modelErrors: number }> {
  const r = await recentRequests(db, w)
    .select([sql<number>`count(*)`.as('served'), sql<number>`sum(case when outcome = 'model_error' then 1 else 0 end)`.as('errors')])
    .executeTakeFirst();
  return { served: n(r?.served), modelErrors: n(r?.errors) };
}

/** Latency at the 99th percentile of the same requests: the row at rank ceil(0.99 n). */
export async function latencyP99(db: Db, w: Window, served: number): Promise<number | null> {
  if (served === 0) return null;
  const offset = Math.max(Math.ceil(0.99 * served) - 1, 0);
  const r = await recentRequests(db, w).select('latency_ms').orderBy('latency_ms').limit(1).offset(offset).executeTakeFirst();
  return r ? Number(r.latency_ms) : null;
}

/** The newest capped labeled predictions of the window. */
const recentLabeled = (db: Db, w: Window) =>
  db.selectFrom(
    scoped(db, w)
      .where('outcome', '=', 'ok')
      .where('labeled_at', 'is not', null)
      .select(['time', 'pred_num', 'pred_text', 'label_num', 'label_text'])
      .orderBy('time', 'desc')
      .limit(EVAL_ROW_CAP)
      .as('l'),
  );

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
  // Predictions are counted from the covering index; labeled ones are the subset above.
  const from = labeled >= EVAL_ROW_CAP ? n(r?.oldest) : w.from;
  const c = await scoped(db, { ...w, from }).where('outcome', '=', 'ok').select(sql<number>`count(*)`.as('total')).executeTakeFirst();
  const total = n(c?.total);
  return { labeled, coverage: total ? Math.min(labeled / total, 1) : null, numericLabels: n(r?.nums), textLabels: n(r?.texts) };
}

export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

/** Binary confusion counts: probabilities cut at the threshold, labels compared with the positive label. */
export async function binaryConfusion(db: Db, w: Window, threshold: number, positive: number | string): Promise<Confusion> {
  const posNum = typeof positive === 'number' ? positive : Number.isFinite(Number(positive)) ? Number(positive) : null;
  // 0/1 integers: a NULL comparison falls through to the next WHEN instead of poisoning AND/OR.
  const predPos = sql`(case when pred_num >= ${threshold} then 1 when pred_text = ${String(positive)} then 1 else 0 end)`;
  const actualPos =
    posNum !== null
      ? sql`(case when label_num = ${posNum} then 1 when label_text = ${String(positive)} then 1 else 0 end)`
      : sql`(case when label_text = ${String(positive)} then 1 else 0 end)`;
  const r = await recentLabeled(db, w)
    .select([
      sql<number>`sum(case when ${predPos} = 1 and ${actualPos} = 1 then 1 else 0 end)`.as('tp'),
      sql<number>`sum(case when ${predPos} = 1 and ${actualPos} = 0 then 1 else 0 end)`.as('fp'),
      sql<number>`sum(case when ${predPos} = 0 and ${actualPos} = 1 then 1 else 0 end)`.as('fn'),
      sql<number>`sum(case when ${predPos} = 0 and ${actualPos} = 0 then 1 else 0 end)`.as('tn'),
    ])
    .executeTakeFirst();
  return { tp: n(r?.tp), fp: n(r?.fp), fn: n(r?.fn), tn: n(r?.tn) };
}

export async function regressionSums(db: Db, w: Window): Promise<{ count: number; abs: number; sq: number }> {
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
