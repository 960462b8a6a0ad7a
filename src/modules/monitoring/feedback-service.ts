// Ground truth: labels that arrive later are attached to the retained prediction they belong to,
// whichever replica served it, so they count for the version that made the prediction.
import type { Deps } from '../../deps.js';
import { invalid } from '../../errors.js';
import { requireModel } from '../models/models-service.js';
import { findPrediction, saveLabel, type RowRef } from './records-store.js';

export const MAX_FEEDBACK_ITEMS = 10_000;

export interface FeedbackItem {
  request_id: string;
  label: number | string;
  /** Which input row of a batch request (default 0). */
  row?: number;
}

export async function recordFeedback(deps: Deps, modelName: string, items: FeedbackItem[], flushLocal?: () => Promise<void>) {
  if (items.length > MAX_FEEDBACK_ITEMS) throw invalid(`send at most ${MAX_FEEDBACK_ITEMS} items per request (got ${items.length})`);
  await requireModel(deps.db, modelName);
  // Predictions this server made a moment ago may still be in the write buffer.
  await flushLocal?.();
  const now = deps.clock.now();
  // Found first (reads, on the main handle whose decoded segments are cached), then written together.
  const found: Array<{ ref: RowRef; label: number | string }> = [];
  for (const item of items) {
    const ref = await findPrediction(deps.db, modelName, item.request_id, item.row ?? 0);
    if (ref) found.push({ ref, label: item.label });
  }
  const accepted = found.length;
  await deps.db.transaction().execute(async (trx) => {
    for (const { ref, label } of found) await saveLabel(trx, modelName, ref, label, now);
  });
  return { accepted, unmatched: items.length - accepted };
}
