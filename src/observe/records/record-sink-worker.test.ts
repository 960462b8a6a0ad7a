import { describe, expect, it } from 'vitest';
import { RecordBatch } from './record-batch.js';
import { RecordSinkWorker } from './record-sink-worker.js';

/** A one-row batch (each insert transfers, and so consumes, its batch). */
function batch(): RecordBatch {
  const b = new RecordBatch(4);
  b.append({ model: 'm', version: 1, binding: 'stage:Production', requestId: 'r', time: 1, latencyMs: 1, outcome: 'ok', inputs: { x: [1] }, predictions: [0.5] }, 64);
  return b;
}

describe('prediction sink worker', () => {
  it('rejects writes once its thread has died, instead of leaving them waiting forever', async () => {
    // A sink whose setup fails (a driver that cannot load, a bad file): the thread exits.
    const sink = new RecordSinkWorker("throw new Error('cannot open the database');", {}, null);
    await expect(sink.insert(batch())).rejects.toThrow(/cannot open the database|exited/);
    await expect(sink.insert(batch())).rejects.toThrow();
    expect(sink.dead).toBe(true);
    await sink.close();
  });

  it('writes through the sink source and reports its errors per batch', async () => {
    const sink = new RecordSinkWorker("let n = 0; const insertSegments = (segments) => { if (++n === 2) throw new Error('disk full'); }; const closeSink = () => {};", {}, null);
    await expect(sink.insert(batch())).resolves.toBeUndefined();
    await expect(sink.insert(batch())).rejects.toThrow('disk full');
    await expect(sink.insert(batch())).resolves.toBeUndefined();
    expect(sink.dead).toBe(false);
    // Written batches come back for reuse (the failed one does not), at most two kept.
    const spare = sink.takeSpare();
    expect(spare?.idStart.length).toBe(4);
    expect(sink.takeSpare()).toBeDefined();
    expect(sink.takeSpare()).toBeUndefined();
    await sink.close();
  });
});
