// Window aggregates computed in the database, so a guard evaluation reads a handful of numbers
// instead of materialising every row (better-sqlite3 runs on the event loop: a 50,000-row read
// would stall serving for hundreds of milliseconds). Portable SQL: sums of CASE expressions.
import { sql } from 'kysely';
import type { Db } from '../../db/tables.js';

interface Window {
  model: string;
  version: number;
  from: number;
  to: number;
}

const scoped = (db: Db, w: Window) =>
  db.selectFrom('mon_records').where('model', '=', w.model).where('version', '=', w.version).where('time', '>=', w.from).where('time', '<', w.to);

const n = (v: unknown) => Number(v ?? 0);

/** Requests the model answered or failed (a caller's 4xx counts for neither) and its failures. */
export async function requestCounts(db: Db, w: Window): Promise<{ served: number; modelErrors: number }> {
  const r = await scoped(db, w)
    .where('row', '=', 0)
    .where('outcome', '!=', 'client_error')
    .select([sql<number>`count(*)`.as('served'), sql<number>`sum(case when outcome = 'model_error' then 1 else 0 end)`.as('errors')])
    .executeTakeFirst();
  return { served: n(r?.served), modelErrors: n(r?.errors) };
}

/** Latency at the 99th percentile: the row at offset floor(1% of n) from the top. */
export async function latencyP99(db: Db, w: Window, served: number): Promise<number | null> {
  if (served === 0) return null;
  const offset = Math.max(Math.ceil(0.99 * served) - 1, 0);
  const r = await scoped(db, w).where('row', '=', 0).where('outcome', '!=', 'client_error').select('latency_ms').orderBy('latency_ms').limit(1).offset(offset).executeTakeFirst();
  return r ? Number(r.latency_ms) : null;
}

export interface LabelShape {
  predictions: number;
  labeled: number;
  numericLabels: number;
  textLabels: number;
}

export async function labelShape(db: Db, w: Window): Promise<LabelShape> {
  const r = await scoped(db, w)
    .where('outcome', '=', 'ok')
    .select([
      sql<number>`count(*)`.as('total'),
      sql<number>`count(labeled_at)`.as('labeled'),
      sql<number>`count(distinct label_num)`.as('nums'),
      sql<number>`count(distinct label_text)`.as('texts'),
    ])
    .executeTakeFirst();
  return { predictions: n(r?.total), labeled: n(r?.labeled), numericLabels: n(r?.nums), textLabels: n(r?.texts) };
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
  const r = await scoped(db, w)
    .where('outcome', '=', 'ok')
    .where('labeled_at', 'is not', null)
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
  const r = await scoped(db, w)
    .where('outcome', '=', 'ok')
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
