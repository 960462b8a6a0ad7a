// Retained predictions on real databases (each through its writer thread and its own connection):
// every row arrives intact, and when the database falls behind the buffer drops whole oldest
// batches, counted, instead of growing or slowing serving.
import { afterEach, describe, expect, it } from 'vitest';
import type { Deps } from '../../deps.js';
import { sql } from 'kysely';
import { PG_WRITER_APPLICATION } from './pg-record-sink.js';
import { DEFAULT_RETENTION, RecordWriter } from './record-writer.js';
import type { RecordSinkWorker } from './record-sink-worker.js';
import { findPrediction } from './labels-store.js';
import { queryRecords } from './records-store.js';
import { DATABASES, makeDeps } from '../../../test/databases.js';
import { manualClock, traffic } from '../../../test/monitoring-traffic.js';

// Recent: rows older than the retention (7 days) would be pruned on the first write.
const T0 = Date.now() - 600_000;

let deps: Deps | null = null;
let writer: RecordWriter | null = null;
afterEach(async () => {
  await writer?.stop();
  await deps?.close();
  writer = null;
  deps = null;
});

describe.each(DATABASES)('retained predictions on %s', (kind) => {
  it('writes every observation, across several batches, with its features, prediction and outcome', async () => {
    deps = await makeDeps(kind);
    writer = new RecordWriter(deps, { ...DEFAULT_RETENTION, flushMs: 3_600_000, batchSize: 100 });
    const xs = traffic({ model: 'fraud', version: 2, n: 450, start: T0, errorRate: 0.1, seed: 5 });
    for (const x of xs) writer.push(x.obs);
    await writer.flush();
    expect(writer.written).toBe(450);
    expect(writer.dropped).toBe(0);
    const rows = await queryRecords(deps.db, { model: 'fraud', version: 2, from: T0, to: T0 + 3_600_000, limit: 10_000 });
    expect(rows).toHaveLength(450);
    const byId = new Map(rows.map((r) => [r.request_id, r]));
    for (const x of xs) {
      const row = byId.get(x.obs.requestId)!;
      expect(row).toMatchObject({ row: 0, version: 2, time: x.obs.time, outcome: x.obs.outcome });
      expect(row.latency_ms).toBeCloseTo(x.obs.latencyMs, 9);
      if (x.obs.outcome === 'ok') {
        expect(row.pred).toBeCloseTo(x.obs.predictions![0] as number, 9);
        expect(row.features).toEqual({ amount: x.obs.inputs!.amount[0], country: x.obs.inputs!.country[0] });
      } else {
        expect(row).toMatchObject({ pred: null, features: null });
      }
    }
  });

  it('keeps awkward text, class labels, multi-row requests, and a replayed request id finds its first record', async () => {
    deps = await makeDeps(kind);
    writer = new RecordWriter(deps, { ...DEFAULT_RETENTION, flushMs: 3_600_000 });
    const awkward = 'a "quoted", back\\slash {brace} NULL \u00e9\u4e2d\ud83d\ude80 \n new line';
    const base = { model: 'awk', version: 1, binding: 'stage:Production', time: T0, latencyMs: 1.25, outcome: 'ok' as const };
    writer.push({ ...base, requestId: 'r-1', inputs: { 'na"me': [awkward, null], n: [1.5, -0] }, predictions: ['class "A"', 'NULL'] });
    await writer.flush();
    // A retry under the same id, through another replica: served, so retained too.
    writer.push({ ...base, requestId: 'r-1', inputs: { n: [99] }, predictions: [0.5] });
    await writer.flush();
    const rows = await queryRecords(deps.db, { model: 'awk', from: T0, to: T0 + 1, limit: 10 });
    expect(rows.map((r) => [r.row, r.features, r.pred]).sort()).toEqual([
      [0, { n: 99 }, 0.5],
      [0, { 'na"me': awkward, n: 1.5 }, 'class "A"'],
      [1, { 'na"me': null, n: 0 }, 'NULL'],
    ]);
    // Ground truth for that id joins the first record.
    const first = await findPrediction(deps.db, 'awk', 'r-1', 0);
    expect(first && first.cols.predText[first.i]).toBe('class "A"');
    expect(await findPrediction(deps.db, 'awk', 'r-1', 2)).toBeNull();
  });

  it('drops whole oldest batches past its bound, counts them, and keeps the newest', async () => {
    deps = await makeDeps(kind);
    writer = new RecordWriter(deps, { ...DEFAULT_RETENTION, flushMs: 3_600_000, batchSize: 100, maxBuffered: 250 });
    const xs = traffic({ model: 'fraud', version: 1, n: 600, start: T0, seed: 6 });
    for (const x of xs) writer.push(x.obs);
    await writer.flush();
    expect(writer.written + writer.dropped).toBe(600);
    expect(writer.dropped).toBeGreaterThan(0);
    const rows = await queryRecords(deps.db, { model: 'fraud', from: T0, to: T0 + 3_600_000, limit: 10_000 });
    expect(rows).toHaveLength(writer.written);
    // What was dropped is gone whole, and the newest observations are always kept.
    expect(writer.dropped % 100).toBe(0);
    expect(rows.some((r) => r.request_id === xs[599].obs.requestId)).toBe(true);
  });
  it('replaces a writer thread that died, and writes again', async () => {
    const clock = manualClock(Date.now());
    deps = await makeDeps(kind, {}, { clock });
    writer = new RecordWriter(deps, { ...DEFAULT_RETENTION, flushMs: 3_600_000 });
    const batch = (seed: number) => traffic({ model: 'fraud', version: 1, n: 20, start: T0 + seed * 10_000, seed }).map((x) => x.obs);
    // The thread ends (a crash, a database it cannot open): its writes now fail at once.
    await (writer as unknown as { sink: RecordSinkWorker }).sink.close();
    for (const o of batch(1)) writer.push(o);
    await writer.flush();
    expect(writer.dropped).toBe(20);
    // A few seconds on, the next failure starts a new thread, which writes what follows.
    clock.t += 6_000;
    for (const o of batch(2)) writer.push(o);
    await writer.flush();
    const third = batch(3);
    for (const o of third) writer.push(o);
    await writer.flush();
    expect(writer.written).toBe(20);
    const rows = await queryRecords(deps.db, { model: 'fraud', from: T0, to: T0 + 3_600_000, limit: 10_000 });
    expect(rows.map((r) => r.request_id).sort()).toEqual(third.map((o) => o.requestId).sort());
  });
});

describe.each(DATABASES.filter((kind) => kind === 'postgres'))('the prediction writer on %s', (kind) => {
  it('writes through a new connection after PostgreSQL drops the writer\'s', async () => {
    deps = await makeDeps(kind);
    writer = new RecordWriter(deps, { ...DEFAULT_RETENTION, flushMs: 3_600_000 });
    const batch = (seed: number) => traffic({ model: 'fraud', version: 1, n: 20, start: T0 + seed * 10_000, seed }).map((x) => x.obs);
    for (const o of batch(1)) writer.push(o);
    await writer.flush();
    expect(writer.written).toBe(20);
    // The server ends the writer's connection (a restart, a failover, an idle timeout).
    const killed = await sql<{ n: number }>`select count(pg_terminate_backend(pid))::int as n from pg_stat_activity where application_name = ${PG_WRITER_APPLICATION} and datname = current_database()`.execute(deps.db);
    expect(killed.rows[0].n).toBe(1);
    // The next batch may be lost with the connection (dropped and counted), never more than that.
    for (const o of batch(2)) writer.push(o);
    await writer.flush();
    const third = batch(3);
    for (const o of third) writer.push(o);
    await writer.flush();
    expect(writer.written + writer.dropped).toBe(60);
    expect(writer.dropped).toBeLessThanOrEqual(20);
    const rows = await queryRecords(deps.db, { model: 'fraud', from: T0, to: T0 + 3_600_000, limit: 10_000 });
    expect(rows).toHaveLength(writer.written);
    const ids = new Set(third.map((o) => o.requestId));
    expect(rows.filter((r) => ids.has(r.request_id))).toHaveLength(20);
  });
});
