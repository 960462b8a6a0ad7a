// Ground truth joined to retained predictions: finding the prediction a label is for (by request id,
// through the time a server-issued id carries or the side index), and writing labels in batches.
import type { Db } from '../../db/tables.js';
import { requestIdOf, requestIdTime, SEGMENT_MAX_SPAN_MS, SEGMENT_SLACK_MS } from './segment-codec.js';
import { columnsOf, outcomeOf, predictionOf, rowOfRequest, SEGMENT_META, toMeta, type RowRef } from './segment-store.js';

/** A labeled prediction, copied from its segment when the label arrives (migrations 0006, 0007). */
export interface MonLabelsTable {
  model: string;
  request_id: string;
  row: number;
  version: number;
  time: number;
  outcome: string;
  pred_num: number | null;
  pred_text: string | null;
  label_num: number | null;
  label_text: string | null;
  labeled_at: number;
  /** Who sent the label (the token's name); null for labels kept before 0007. */
  source: string | null;
}

declare module '../../db/tables.js' {
  interface Database {
    mon_labels: MonLabelsTable;
  }
}

export const labelKey = (requestId: string, row: number) => `${requestId}\n${row}`;

/** Labels arriving together are usually for predictions close in time: one segment query per such run. */
const RUN_GAP_MS = 10_000;

export interface PredictionKey {
  request_id: string;
  row: number;
}

/**
 * The retained prediction for each (request id, row), or null; the first one retained if an id was
 * replayed. Server-issued ids are found through the time they carry (a query per run of close
 * times), other ids through the side index (a query per few hundred).
 */
export async function findPredictions(db: Db, model: string, keys: PredictionKey[]): Promise<Array<RowRef | null>> {
  const out: Array<RowRef | null> = new Array(keys.length).fill(null);
  const timed = keys.map((k, at) => ({ at, t: requestIdTime(k.request_id) })).filter((x): x is { at: number; t: number } => x.t !== null).sort((a, b) => a.t - b.t);
  for (let i = 0; i < timed.length; ) {
    let j = i + 1;
    while (j < timed.length && timed[j].t - timed[j - 1].t <= RUN_GAP_MS) j++;
    const lo = timed[i].t;
    const hi = timed[j - 1].t;
    const metas = (
      await db
        .selectFrom('mon_segments')
        .select(SEGMENT_META)
        .where('model', '=', model)
        .where('t_min', '>=', lo - SEGMENT_SLACK_MS - SEGMENT_MAX_SPAN_MS)
        .where('t_min', '<=', hi + SEGMENT_SLACK_MS)
        .where('t_max', '>=', lo - SEGMENT_SLACK_MS)
        .orderBy('id')
        .execute()
    ).map(toMeta);
    const cols = await columnsOf(db, metas);
    for (const { at, t } of timed.slice(i, j)) {
      for (let k = 0; k < metas.length && !out[at]; k++) {
        if (t < metas[k].t_min - SEGMENT_SLACK_MS || t > metas[k].t_max + SEGMENT_SLACK_MS) continue;
        const c = cols[k];
        const r = c ? rowOfRequest(c, keys[at].request_id, keys[at].row) : null;
        if (c && r !== null) out[at] = { meta: metas[k], cols: c, i: r };
      }
    }
    i = j;
  }
  const rest = keys.map((k, at) => ({ k, at })).filter((x) => !out[x.at]);
  for (let i = 0; i < rest.length; i += 500) {
    const part = rest.slice(i, i + 500);
    const hits = await db
      .selectFrom('mon_request_ids')
      .select(['request_id', 'segment_id'])
      .where('model', '=', model)
      .where('request_id', 'in', [...new Set(part.map((x) => x.k.request_id))])
      .execute();
    if (hits.length === 0) continue;
    const metas = (
      await db.selectFrom('mon_segments').select(SEGMENT_META).where('id', 'in', [...new Set(hits.map((h) => Number(h.segment_id)))]).orderBy('id').execute()
    ).map(toMeta);
    const cols = await columnsOf(db, metas);
    const where = new Map<string, number[]>();
    for (const h of hits) where.set(h.request_id, [...(where.get(h.request_id) ?? []), Number(h.segment_id)]);
    for (const { k, at } of part) {
      const ids = where.get(k.request_id) ?? [];
      for (let m = 0; m < metas.length && !out[at]; m++) {
        if (!ids.includes(metas[m].id)) continue;
        const c = cols[m];
        const r = c ? rowOfRequest(c, k.request_id, k.row) : null;
        if (c && r !== null) out[at] = { meta: metas[m], cols: c, i: r };
      }
    }
  }
  return out;
}

/** The retained prediction for one (request id, row), or null. */
export async function findPrediction(db: Db, model: string, requestId: string, row: number): Promise<RowRef | null> {
  return (await findPredictions(db, model, [{ request_id: requestId, row }]))[0];
}

/**
 * Attaches labels to found predictions, a few hundred rows per statement. A later label for the same
 * row replaces it, and its source with it: a policy that counts only named sources then leaves it out.
 */
export async function saveLabels(db: Db, model: string, labels: Array<{ ref: RowRef; label: number | string }>, source: string, now: number): Promise<void> {
  // One row per prediction: the last label given for it wins, as consecutive updates would.
  const rows = new Map<string, MonLabelsTable>();
  for (const { ref, label } of labels) {
    const { cols, i, meta } = ref;
    const pred = predictionOf(cols, i);
    const requestId = requestIdOf(cols, i);
    rows.set(labelKey(requestId, cols.row[i]), {
      model, request_id: requestId, row: cols.row[i], version: meta.version, time: cols.time[i], outcome: outcomeOf(cols, i),
      pred_num: typeof pred === 'number' ? pred : null, pred_text: typeof pred === 'string' ? pred : null,
      label_num: typeof label === 'number' ? label : null, label_text: typeof label === 'string' ? label : null, labeled_at: now, source,
    });
  }
  const all = [...rows.values()];
  for (let i = 0; i < all.length; i += 200) {
    await db
      .insertInto('mon_labels')
      .values(all.slice(i, i + 200))
      .onConflict((oc) =>
        oc.columns(['model', 'request_id', 'row']).doUpdateSet((eb) => ({
          label_num: eb.ref('excluded.label_num'),
          label_text: eb.ref('excluded.label_text'),
          labeled_at: eb.ref('excluded.labeled_at'),
          source: eb.ref('excluded.source'),
        })),
      )
      .execute();
  }
}
