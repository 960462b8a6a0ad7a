// The guard counts binary confusion in SQL (windowConfusion); everything else counts it in JS
// (metrics.ts binaryConfusion). Both must be the one rule, so one set of labeled predictions gives
// the same counts either way, on both databases, awkward rows included.
import { afterEach, describe, expect, it } from 'vitest';
import type { Deps } from '../../deps.js';
import type { InferenceObservation } from '../../serving/gateway/observer.js';
import { binaryConfusion, type ClassificationOptions } from '../metrics/metrics.js';
import { DATABASES, makeDeps } from '../../../test/databases.js';
import { windowConfusion } from './records-aggregates.js';
import { findPredictions, saveLabels } from './labels-store.js';
import { DEFAULT_RETENTION, RecordWriter } from './record-writer.js';
import { queryRecords } from './records-store.js';

const T0 = Date.now() - 600_000;

let deps: Deps | null = null;
let writer: RecordWriter | null = null;
afterEach(async () => {
  await writer?.stop();
  await deps?.close();
  writer = deps = null;
});

/** [prediction (undefined: the model answered without one), label] */
const ROWS: Array<[number | string | undefined, number | string]> = [
  [0.9, 1], [0.5, 1], [0.49, 1], [0.7, 0], [0.1, 0], // probabilities around the threshold
  [1, 1], [0, 1], [1, 0], [0, 0], // 0/1 classes
  [2, 1], [-1, 0], [3.5, 0], // numbers outside [0, 1]
  ['fraud', 'fraud'], ['ok', 'fraud'], ['fraud', 'ok'], ['1', 1], ['0', '1'], // text predictions
  [0.8, '1'], [0.8, 'fraud'], [0.2, '1.0'], [undefined, 1], [undefined, 'fraud'], // text labels, no prediction
];

const OPTIONS: ClassificationOptions[] = [
  { threshold: 0.5, positiveLabel: 1 },
  { threshold: 0.3, positiveLabel: '1' },
  { threshold: 0.5, positiveLabel: 'fraud' },
  { threshold: 1, positiveLabel: 0 },
  { threshold: 0.5, positiveLabel: '1.0' },
];

describe.each(DATABASES)('binary confusion on %s', (kind) => {
  it('counts the same in SQL as metrics.ts does from the rows', async () => {
    deps = await makeDeps(kind);
    writer = new RecordWriter(deps, { ...DEFAULT_RETENTION, flushMs: 3_600_000 });
    const observations: InferenceObservation[] = ROWS.map(([pred], i) => ({
      model: 'm', version: 1, binding: 'stage:Production', requestId: `r${i}`, time: T0 + i * 10, latencyMs: 2, outcome: 'ok',
      inputs: { x: [i] }, predictions: pred === undefined ? undefined : [pred],
    }));
    for (const o of observations) writer.push(o);
    await writer.flush();
    const refs = await findPredictions(deps.db, 'm', observations.map((o) => ({ request_id: o.requestId, row: 0 })));
    expect(refs.every((r) => r !== null)).toBe(true);
    await saveLabels(deps.db, 'm', refs.map((ref, i) => ({ ref: ref!, label: ROWS[i][1] })), 'test', T0 + 60_000);

    const w = { model: 'm', version: 1, from: T0, to: T0 + 60_000 };
    const rows = await queryRecords(deps.db, { ...w, okOnly: true, labeledOnly: true, noFeatures: true, limit: 1000 });
    expect(rows).toHaveLength(ROWS.length);
    for (const opts of OPTIONS) {
      const js = binaryConfusion(rows, opts);
      expect(js.tp + js.fp + js.fn + js.tn, JSON.stringify(opts)).toBe(ROWS.length - 2);
      expect(await windowConfusion(deps.db, w, opts), JSON.stringify(opts)).toEqual(js);
    }
  });
});
