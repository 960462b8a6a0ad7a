// Frozen: never edit after it lands; add a new migration instead.
// Retained predictions move from a row per prediction (mon_records) to segments: a row per model,
// version and written batch (the encoding frozen beside it in 0006-segment-codec.ts), a side index for request ids
// their time cannot find, and labels in a table of their own. Existing rows are carried over.
import type { Kysely } from 'kysely';
import type { DialectCaps } from '../dialect.js';
import v8 from 'node:v8';
import { encodeSegments, OUTCOMES_0006, SEGMENT_MAX_SPAN_MS, SEGMENT_SLACK_MS, type BatchData } from './0006-segment-codec.js';

const CHUNK = 2048;

export function monitoringSegmentsMigration(caps: DialectCaps) {
  return {
    async up(db: Kysely<any>): Promise<void> {
      await db.schema
        .createTable('mon_segments')
        .addColumn('id', caps.serialType, (c) => caps.serialColumn(c))
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('t_min', 'bigint', (c) => c.notNull())
        .addColumn('t_max', 'bigint', (c) => c.notNull())
        .addColumn('rows', 'integer', (c) => c.notNull())
        .addColumn('ok_rows', 'integer', (c) => c.notNull())
        // Per request (its first row): all, those the model answered or failed (not a caller's
        // 4xx), and model errors. Windows sum these for segments they hold whole.
        .addColumn('requests', 'integer', (c) => c.notNull())
        .addColumn('served', 'integer', (c) => c.notNull())
        .addColumn('errors', 'integer', (c) => c.notNull())
        // Last: reading the other columns never touches the blob's pages.
        .addColumn('data', caps.name === 'sqlite' ? 'blob' : 'bytea', (c) => c.notNull())
        .execute();
      // A version's window, newest first; and a model's segments around a request id's time.
      await db.schema.createIndex('mon_segments_mvt').on('mon_segments').columns(['model', 'version', 't_max']).execute();
      await db.schema.createIndex('mon_segments_mt').on('mon_segments').columns(['model', 't_min', 't_max']).execute();

      await db.schema
        .createTable('mon_request_ids')
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('segment_id', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('mon_request_ids_id').on('mon_request_ids').columns(['model', 'request_id']).execute();
      await db.schema.createIndex('mon_request_ids_segment').on('mon_request_ids').column('segment_id').execute();

      // A labeled prediction, copied from its segment when the label arrives: label metrics are
      // SQL aggregates over this (much smaller) table.
      await db.schema
        .createTable('mon_labels')
        .addColumn('model', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('row', 'integer', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('time', 'bigint', (c) => c.notNull())
        .addColumn('outcome', 'text', (c) => c.notNull())
        .addColumn('pred_num', 'double precision')
        .addColumn('pred_text', 'text')
        .addColumn('label_num', 'double precision')
        .addColumn('label_text', 'text')
        .addColumn('labeled_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('mon_labels_pk', ['model', 'request_id', 'row'])
        .execute();
      await db.schema.createIndex('mon_labels_mvt').on('mon_labels').columns(['model', 'version', 'time']).execute();

      await carryOver(db);
      await db.schema.dropTable('mon_records').execute();
    },
    async down(db: Kysely<any>): Promise<void> {
      for (const t of ['mon_labels', 'mon_request_ids', 'mon_segments']) await db.schema.dropTable(t).execute();
    },
  };
}

/** Existing retained rows become segments, their labels label rows. */
async function carryOver(db: Kysely<any>): Promise<void> {
  for (let after = 0; ; ) {
    const rows = await db.selectFrom('mon_records').selectAll().where('id', '>', after).orderBy('id').limit(CHUNK).execute();
    if (rows.length === 0) return;
    after = Number(rows[rows.length - 1].id);
    for (const s of encodeSegments(asBatch(rows), (v) => v8.serialize(v), SEGMENT_SLACK_MS, SEGMENT_MAX_SPAN_MS)) {
      const { id } = await db
        .insertInto('mon_segments')
        .values({ model: s.model, version: s.version, t_min: s.tMin, t_max: s.tMax, rows: s.rows, ok_rows: s.okRows, requests: s.requests, served: s.served, errors: s.errors, data: Buffer.from(s.data) })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const request_id of s.unindexed) await db.insertInto('mon_request_ids').values({ model: s.model, request_id, segment_id: Number(id) }).execute();
    }
    for (const r of rows.filter((x) => x.labeled_at !== null)) {
      await db
        .insertInto('mon_labels')
        .values({ model: r.model, request_id: r.request_id, row: r.row, version: r.version, time: r.time, outcome: r.outcome, pred_num: r.pred_num, pred_text: r.pred_text, label_num: r.label_num, label_text: r.label_text, labeled_at: r.labeled_at })
        .onConflict((oc) => oc.columns(['model', 'request_id', 'row']).doNothing())
        .execute();
    }
  }
}

function packIds(ids: string[]) {
  const bytes = ids.map((id) => Buffer.from(id, 'utf8'));
  const idStart = new Uint32Array(ids.length);
  const idEnd = new Uint32Array(ids.length);
  let at = 0;
  bytes.forEach((b, i) => {
    idStart[i] = at;
    idEnd[i] = at += b.length;
  });
  return { ids: new Uint8Array(Buffer.concat(bytes)), idStart, idEnd, idLen: at };
}

function asBatch(rows: Array<Record<string, any>>): BatchData {
  const n = rows.length;
  const strings: string[] = [];
  const schemas: string[][] = [];
  const intern = (list: string[], s: string) => (list.includes(s) ? list.indexOf(s) : list.push(s) - 1);
  const schemaKeys: string[] = [];
  const d: BatchData = {
    n, ...packIds(rows.map((r) => String(r.request_id))), model: new Uint32Array(n), binding: new Uint32Array(n), strings, row: new Uint32Array(n),
    version: new Float64Array(n), time: new Float64Array(n), latency: new Float64Array(n), outcome: new Uint8Array(n), pred: new Float64Array(n),
    predText: {}, schema: new Int32Array(n), fStart: new Uint32Array(n), schemas, fVals: new Float64Array(0), fText: {}, fLen: 0,
  };
  const vals: number[] = [];
  rows.forEach((r, i) => {
    d.model[i] = intern(strings, r.model);
    d.binding[i] = intern(strings, r.binding);
    d.row[i] = Number(r.row);
    d.version[i] = Number(r.version);
    d.time[i] = Number(r.time);
    d.latency[i] = Number(r.latency_ms);
    d.outcome[i] = Math.max((OUTCOMES_0006 as readonly string[]).indexOf(r.outcome), 0);
    d.pred[i] = r.pred_num === null ? NaN : Number(r.pred_num);
    if (r.pred_text !== null) d.predText[i] = r.pred_text;
    d.fStart[i] = vals.length;
    const features = r.features ? (JSON.parse(r.features) as Record<string, unknown>) : null;
    const names = features ? Object.keys(features) : [];
    if (!names.length) {
      d.schema[i] = -1;
      return;
    }
    const key = names.join('\u0000');
    d.schema[i] = schemaKeys.includes(key) ? schemaKeys.indexOf(key) : (schemas.push(names), schemaKeys.push(key) - 1);
    for (const name of names) {
      const v = features![name];
      if (typeof v === 'string') d.fText[vals.length] = v;
      vals.push(typeof v === 'number' ? v : NaN);
    }
  });
  d.fVals = Float64Array.from(vals);
  d.fLen = vals.length;
  return d;
}
