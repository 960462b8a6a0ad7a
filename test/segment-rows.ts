// A batch as the database will hold it, row by row: encoded into segments and decoded again, with
// the features as the JSON text they read as (what the tests of the batch layout compare).
import type { BatchData } from '../src/observe/records/record-batch.js';
import { decodeSegment, encodeSegmentsHere, requestIdOf } from '../src/observe/records/segment-codec.js';
import { featuresOf, outcomeOf, predictionOf } from '../src/observe/records/segment-store.js';

export function segmentRows(d: BatchData) {
  return encodeSegmentsHere(d).flatMap((s) => {
    const cols = decodeSegment(s.data);
    return Array.from({ length: cols.n }, (_, i) => {
      const features = featuresOf(cols, i);
      const pred = predictionOf(cols, i);
      return {
        request_id: requestIdOf(cols, i), row: cols.row[i], model: s.model, version: s.version, binding: cols.strings[cols.binding[i]], time: cols.time[i],
        latency_ms: cols.latency[i], outcome: outcomeOf(cols, i), features: features && JSON.stringify(features),
        pred_num: typeof pred === 'number' ? pred : null, pred_text: typeof pred === 'string' ? pred : null,
      };
    });
  });
}
