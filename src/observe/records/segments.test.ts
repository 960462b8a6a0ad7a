// Retained predictions are stored as segments (a row per model, version and written batch). What a
// user relies on still holds: a label finds its prediction whatever id the request carried, a
// window reads exactly its newest rows and exact counts even where replicas' batches overlap in
// time, and a data directory from before segments keeps its predictions and labels.
import { Kysely, Migrator, PostgresDialect, sql, SqliteDialect } from 'kysely';
import SqliteDatabase from 'better-sqlite3';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { Deps } from '../../deps.js';
import { postgresCaps, sqliteCaps } from '../../db/dialect.js';
import { migrationProvider } from '../../db/migrations/index.js';
import type { InferenceObservation } from '../../serving/gateway/observer.js';
import { requestId } from '../../http/request-id.js';
import { requestCounts } from './records-aggregates.js';
import { DEFAULT_RETENTION, RecordWriter } from './record-writer.js';
import { findPrediction } from './labels-store.js';
import { countRows, countsPerStep, queryRecords } from './records-store.js';
import { SEGMENT_MAX_SPAN_MS } from './segment-codec.js';
import { columnsOf, segmentsIn } from './segment-store.js';
import { DATABASES, freshPostgresUrl, makeDeps, tempDir } from '../../../test/databases.js';

const T0 = Date.now() - 600_000;

let deps: Deps | null = null;
const writers: RecordWriter[] = [];
afterEach(async () => {
  for (const w of writers.splice(0)) await w.stop();
  await deps?.close();
  deps = null;
});

function newWriter(d: Deps, batchSize = 2048): RecordWriter {
  const w = new RecordWriter(d, { ...DEFAULT_RETENTION, flushMs: 3_600_000, batchSize });
  writers.push(w);
  return w;
}

const obs = (over: Partial<InferenceObservation> & { requestId: string; time: number }): InferenceObservation => ({
  model: 'fraud',
  version: 1,
  binding: 'stage:Production',
  latencyMs: 2,
  outcome: 'ok',
  inputs: { amount: [10] },
  predictions: [0.5],
  ...over,
});

describe.each(DATABASES)('prediction segments on %s', (kind) => {
  it('finds a prediction by a server-issued id through its time, and by a caller-chosen or off-time id through the side index', async () => {
    deps = await makeDeps(kind);
    const w = newWriter(deps);
    const issued = requestId(T0 + 5_000);
    const chosen = 'order-42/retry';
    const offTime = requestId(T0 - 3_600_000); // a UUIDv7 minted an hour before the request arrived
    const unicode = 'bestellung-\u00e4-\u4e2d-\ud83d\ude80';
    w.push(obs({ requestId: issued, time: T0 + 5_000, inputs: { amount: [1, 2, 3] }, predictions: [0.1, 0.2, 0.3] }));
    w.push(obs({ requestId: chosen, time: T0 + 6_000, predictions: [0.7] }));
    w.push(obs({ requestId: offTime, time: T0 + 7_000, version: 2, predictions: [0.9] }));
    w.push(obs({ requestId: unicode, time: T0 + 8_000, predictions: [0.4] }));
    await w.flush();
    const back = await queryRecords(deps.db, { model: 'fraud', from: T0, to: T0 + 10_000, requestsOnly: true, limit: 10 });
    expect(back.map((r) => r.request_id)).toEqual([unicode, offTime, chosen, issued]);

    const side = await deps.db.selectFrom('mon_request_ids').select('request_id').execute();
    expect(side.map((r) => r.request_id).sort()).toEqual([chosen, offTime, unicode].sort());
    for (const [id, row, pred] of [[issued, 0, 0.1], [issued, 2, 0.3], [chosen, 0, 0.7], [offTime, 0, 0.9], [unicode, 0, 0.4]] as const) {
      const ref = await findPrediction(deps.db, 'fraud', id, row);
      expect(ref && ref.cols.pred[ref.i]).toBe(pred);
    }
    expect(await findPrediction(deps.db, 'fraud', issued, 3)).toBeNull();
    expect(await findPrediction(deps.db, 'other', issued, 0)).toBeNull();
    expect(await findPrediction(deps.db, 'fraud', requestId(T0 + 5_000), 0)).toBeNull();
  });

  it('reads the exact newest rows and exact counts where two replicas wrote overlapping batches', async () => {
    deps = await makeDeps(kind);
    const a = newWriter(deps, 50);
    const b = newWriter(deps, 70);
    const all: InferenceObservation[] = [];
    // Two replicas, interleaved in time, one slower: their batches cover overlapping spans.
    for (let i = 0; i < 600; i++) {
      const o = obs({ requestId: requestId(T0 + i * 37), time: T0 + i * 37, version: i % 3 === 0 ? 2 : 1, outcome: i % 10 === 0 ? 'model_error' : i % 7 === 0 ? 'client_error' : 'ok', latencyMs: i });
      if (o.outcome !== 'ok') Object.assign(o, { inputs: undefined, predictions: undefined });
      all.push(o);
      (i % 2 ? a : b).push(o);
    }
    await a.flush();
    await b.flush();
    const from = T0 + 1_000;
    const to = T0 + 20_000;
    const inWindow = all.filter((o) => o.time >= from && o.time < to);

    const newest = await queryRecords(deps.db, { model: 'fraud', version: 1, from, to, limit: 25 });
    const expected = inWindow.filter((o) => o.version === 1).sort((x, y) => y.time - x.time).slice(0, 25);
    expect(newest.map((r) => r.request_id)).toEqual(expected.map((o) => o.requestId));

    const v1 = inWindow.filter((o) => o.version === 1 && o.outcome !== 'client_error');
    expect(await requestCounts(deps.db, { model: 'fraud', version: 1, from, to })).toMatchObject({ served: v1.length, modelErrors: v1.filter((o) => o.outcome === 'model_error').length });
    expect(await countRows(deps.db, 'fraud', from, to)).toBe(inWindow.length);

    const steps = await countsPerStep(deps.db, 'fraud', from, to, 3_000);
    for (const version of [1, 2]) {
      for (let step = 0; step < 7; step++) {
        const here = inWindow.filter((o) => o.version === version && Math.floor((o.time - from) / 3_000) === step);
        const got = steps.find((s) => s.version === version && s.step === step);
        expect(got ?? { requests: 0, served: 0, errors: 0 }).toMatchObject({
          requests: here.length,
          served: here.filter((o) => o.outcome !== 'client_error').length,
          errors: here.filter((o) => o.outcome === 'model_error').length,
        });
      }
    }
  });

  it('reads around a segment pruned between its metadata and its data, keeping each segment with its own rows', async () => {
    deps = await makeDeps(kind);
    const w = newWriter(deps);
    for (const version of [1, 2, 3]) {
      w.push(obs({ requestId: requestId(T0 + version), time: T0 + version, version, predictions: [version / 10] }));
      await w.flush();
    }
    const metas = await segmentsIn(deps.db, { model: 'fraud', from: T0, to: T0 + 10 }, 'oldest');
    expect(metas.map((m) => m.version)).toEqual([1, 2, 3]);
    await deps.db.deleteFrom('mon_segments').where('id', '=', metas[1].id).execute();
    const cols = await columnsOf(deps.db, metas);
    expect(cols.map((c) => c && c.pred[0])).toEqual([0.1, undefined, 0.3]);
  });

  it('splits a batch by model, version and time span', async () => {
    deps = await makeDeps(kind);
    const w = newWriter(deps);
    for (let i = 0; i < 40; i++) w.push(obs({ requestId: requestId(T0 + i * 5_000), time: T0 + i * 5_000, model: i % 2 ? 'fraud' : 'churn', version: 1 + (i % 4 >> 1) }));
    await w.flush();
    const segs = await deps.db.selectFrom('mon_segments').select(['model', 'version', 't_min', 't_max', 'rows']).execute();
    expect(new Set(segs.map((s) => `${s.model}:${s.version}`)).size).toBe(4);
    expect(segs.every((s) => Number(s.t_max) - Number(s.t_min) <= SEGMENT_MAX_SPAN_MS)).toBe(true);
    expect(segs.reduce((n, s) => n + Number(s.rows), 0)).toBe(40);
    expect(segs.length).toBeGreaterThan(4); // 195 s of traffic per pair cannot fit 60 s segments
  });

  it('carries predictions and labels written before segments over to them', async () => {
    const dataDir = tempDir();
    const databaseUrl = kind === 'postgres' ? await freshPostgresUrl() : null;
    const old =
      kind === 'postgres'
        ? // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a database at migration 0005, before the live schema
          { db: new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl! }) }) }), caps: postgresCaps }
        : // eslint-disable-next-line @typescript-eslint/no-explicit-any -- as above
          { db: new Kysely<any>({ dialect: new SqliteDialect({ database: new SqliteDatabase(path.join(dataDir, 'registry.sqlite')) }) }), caps: sqliteCaps };
    const migrated = await new Migrator({ db: old.db, provider: migrationProvider(old.caps), allowUnorderedMigrations: true }).migrateTo('0005-promotion');
    expect(migrated.error).toBeUndefined();
    const row = (i: number, over: Record<string, unknown> = {}) => ({
      request_id: `req-${i}`, row: 0, model: 'fraud', version: 1, binding: 'stage:Production', time: T0 + i, latency_ms: 1.5, outcome: 'ok',
      features: JSON.stringify({ amount: i, country: 'NL' }), pred_num: i / 10, pred_text: null, label_num: null, label_text: null, labeled_at: null, ...over,
    });
    await old.db.insertInto('mon_records').values([row(1), row(2, { label_num: 1, labeled_at: T0 + 100 }), row(3, { outcome: 'model_error', features: null, pred_num: null }), row(4, { version: 2, pred_num: null, pred_text: 'fraud' })]).execute();
    await old.db.destroy();

    deps = await makeDeps(kind, { dataDir, databaseUrl });
    const rows = await queryRecords(deps.db, { model: 'fraud', from: T0, to: T0 + 10, limit: 10 });
    expect(rows.map((r) => [r.request_id, r.version, r.outcome, r.features, r.pred, r.label])).toEqual([
      ['req-4', 2, 'ok', { amount: 4, country: 'NL' }, 'fraud', null],
      ['req-3', 1, 'model_error', null, null, null],
      ['req-2', 1, 'ok', { amount: 2, country: 'NL' }, 0.2, 1],
      ['req-1', 1, 'ok', { amount: 1, country: 'NL' }, 0.1, null],
    ]);
    expect(await findPrediction(deps.db, 'fraud', 'req-1', 0)).not.toBeNull();
    const tables = kind === 'postgres'
      ? (await sql<{ name: string }>`select table_name as name from information_schema.tables`.execute(deps.db)).rows.map((t) => t.name)
      : (await sql<{ name: string }>`select name from sqlite_master`.execute(deps.db)).rows.map((t) => t.name);
    expect(tables).not.toContain('mon_records');
  });
});
