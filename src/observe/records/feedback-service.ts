// Ground truth: labels that arrive later are attached to the retained prediction they belong to,
// whichever replica served it, so they count for the version that made the prediction.
import type { Deps } from '../../deps.js';
import { invalid } from '../../errors.js';
import { requireModel } from '../../registry/index.js';
import { findPredictions, saveLabels } from './labels-store.js';

export const MAX_FEEDBACK_ITEMS = 10_000;

export interface FeedbackItem {
  request_id: string;
  label: number | string;
  /** Which input row of a batch request (default 0). */
  row?: number;
}

/** `source`: who sent the labels (the token's name); kept with each label, so policies can count only named sources. */
export async function recordFeedback(deps: Deps, source: string, modelName: string, items: FeedbackItem[], flushLocal?: () => Promise<void>) {
  if (items.length > MAX_FEEDBACK_ITEMS) throw invalid(`send at most ${MAX_FEEDBACK_ITEMS} items per request (got ${items.length})`);
  await requireModel(deps.db, modelName);
  // Predictions this server made a moment ago may still be in the write buffer.
  await flushLocal?.();
  const now = deps.clock.now();
  // Found first (reads, on the main handle whose decoded segments are cached), then written together.
  const refs = await findPredictions(deps.db, modelName, items.map((item) => ({ request_id: item.request_id, row: item.row ?? 0 })));
  const found = refs.flatMap((ref, i) => (ref ? [{ ref, label: items[i].label }] : []));
  const accepted = found.length;
  await deps.db.transaction().execute((trx) => saveLabels(trx, modelName, found, source, now));
  return { accepted, unmatched: items.length - accepted };
}
