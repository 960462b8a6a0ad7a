// Live stats and Prometheus tallies are folded from the retained-prediction batches, not counted
// per request: whatever the batch boundaries and however often someone reads in between, every
// request is counted exactly once, and the distributions hold the rows a batch keeps.
import { afterEach, describe, expect, it } from 'vitest';
import type { Deps } from '../deps.js';
import type { InferenceObservation } from '../serving/gateway/observer.js';
import { observeExtension } from './observe-extension.js';
import { DEFAULT_RETENTION, RecordWriter } from './records/record-writer.js';
import { predictionBin } from './rolling-stats.js';
import { makeDeps } from '../../test/databases.js';
import { traffic } from '../../test/monitoring-traffic.js';

const T0 = Date.now() - 600_000;
const KEEP = 3; // input rows kept per request

describe('live stats and Prometheus, folded from the batches', () => {
  let deps: Deps | null = null;
  let writer: RecordWriter | null = null;
  afterEach(async () => {
    await writer?.stop();
    await deps?.close();
    writer = deps = null;
  });

  it('count every request once across batch seals and reads in between, and the rows each request keeps', async () => {
    deps = await makeDeps('sqlite');
    // Five rows a batch: batches seal every few requests, and multi-row requests straddle them.
    writer = new RecordWriter(deps, { ...DEFAULT_RETENTION, flushMs: 3_600_000, batchSize: 5, maxRowsPerRequest: KEEP });
    const { stats, prom, attach } = observeExtension();
    attach(writer);

    const base = { model: 'fraud', version: 4, binding: 'stage:Production', latencyMs: 7 };
    const obs: InferenceObservation[] = traffic({ model: 'fraud', version: 4, n: 40, start: T0, errorRate: 0.2, seed: 9, latencyMs: 7 }).map((x) => x.obs);
    obs.splice(5, 0, { ...base, requestId: 'multi', time: T0 + 501, outcome: 'ok', inputs: { amount: [1, 2, 3, 4], country: ['NL', 'DE', null, 'NL'] }, predictions: [0.1, 0.5, 0.9, 0.95] });
    obs.splice(20, 0, { ...base, requestId: 'text', time: T0 + 1502, outcome: 'ok', inputs: { amount: [5], country: ['FR'] }, predictions: ['fraud'] });
    obs.splice(30, 0, { ...base, requestId: 'bad-input', time: T0 + 2003, outcome: 'client_error' });

    // What the distributions should hold: per request its outcome; per kept row its prediction and inputs.
    const want = { requests: obs.length, model_errors: 0, client_errors: 0, predictions: {} as Record<string, number>, amount: 0, countries: {} as Record<string, number> };
    for (const o of obs) {
      if (o.outcome === 'model_error') want.model_errors++;
      if (o.outcome === 'client_error') want.client_errors++;
      if (o.outcome !== 'ok') continue;
      for (let r = 0; r < Math.min(KEEP, o.predictions!.length); r++) {
        const bin = predictionBin(o.predictions![r]);
        want.predictions[bin] = (want.predictions[bin] ?? 0) + 1;
        if (o.inputs!.amount[r] !== null) want.amount++;
        const c = o.inputs!.country[r];
        if (c !== null) want.countries[c as string] = (want.countries[c as string] ?? 0) + 1;
      }
    }
    const check = () => {
      const s = stats.summary('fraud', 4, T0 + 10_000, 3_600_000);
      expect({ requests: s.requests, model_errors: s.model_errors, client_errors: s.client_errors }).toEqual({ requests: want.requests, model_errors: want.model_errors, client_errors: want.client_errors });
      // The guard's error rate: model errors among the requests the model served (not a caller's 4xx).
      expect(want.client_errors).toBeGreaterThan(0);
      expect(s.error_rate).toBeCloseTo(want.model_errors / (want.requests - want.client_errors), 12);
      expect(s.predictions).toEqual(want.predictions);
      expect(s.features.amount.count).toBe(want.amount);
      expect(s.features.country.counts).toEqual(want.countries);
      expect(s.latency_histogram.find((h) => h.le_ms === 10)!.count).toBe(want.requests);
    };

    let seen = 0;
    for (const [i, o] of obs.entries()) {
      writer.push(o);
      // Reads between pushes fold the partly filled batch; the seal must not count those rows again.
      if (i % 3 === 0) seen = stats.summary('fraud', 4, T0 + 10_000, 3_600_000).requests;
    }
    expect(seen).toBeGreaterThan(0);
    check(); // read before anything is written: folds the batch being filled
    await writer.flush();
    check(); // after the seal: nothing counted twice

    const text = await prom.registry.metrics();
    const line = (outcome: string) => text.split('\n').find((l) => l.startsWith('stagecraft_inference_requests_total{') && l.includes(`outcome="${outcome}"`));
    expect(Number(line('model_error')!.split(' ').pop())).toBe(want.model_errors);
    expect(Number(line('client_error')!.split(' ').pop())).toBe(want.client_errors);
    expect(Number(line('ok')!.split(' ').pop())).toBe(want.requests - want.model_errors - want.client_errors);
    const count = text.split('\n').find((l) => l.startsWith('stagecraft_inference_latency_seconds_count{'));
    expect(Number(count!.split(' ').pop())).toBe(want.requests);
  });

  it('keep retaining predictions, and the other tallies counting, when one tally throws', async () => {
    deps = await makeDeps('sqlite');
    writer = new RecordWriter(deps, { ...DEFAULT_RETENTION, flushMs: 3_600_000, batchSize: 4 });
    writer.onRows(() => {
      throw new Error('a broken tally');
    });
    const { stats, attach } = observeExtension();
    attach(writer);
    for (const x of traffic({ model: 'fraud', version: 1, n: 10, start: T0, seed: 3 })) writer.push(x.obs);
    await writer.flush();
    expect(writer.written).toBe(10);
    expect(stats.summary('fraud', 1, T0 + 10_000, 3_600_000).requests).toBe(10);
  });
});
