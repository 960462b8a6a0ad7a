// Retained predictions on PostgreSQL are written by a worker thread with its own connection:
// encoding a batch's segments is JavaScript CPU, which on the
// serving thread would come out of serving throughput (docs/benchmarks.md). The connection is
// opened on first use and reopened after an error; a batch that fails is dropped and counted by
// the writer, as on SQLite.
import { createRequire } from 'node:module';
import { RecordSinkWorker } from './record-sink-worker.js';

/** The writer's connection names itself, so an operator (and a test) can find it in pg_stat_activity. */
export const PG_WRITER_APPLICATION = 'stagecraft-prediction-writer';

const SOURCE = `
const pg = require(workerData.driverPath);
let client = null;
async function connection() {
  if (client) return client;
  const c = new pg.Client({ connectionString: workerData.url, application_name: workerData.applicationName });
  c.on('error', () => { if (client === c) client = null; });
  await c.connect();
  return (client = c);
}
const insertSegments = async (segments) => {
  if (segments.length === 0) return;
  const c = await connection();
  try {
    await c.query('begin');
    for (const s of segments) {
      const r = await c.query('insert into mon_segments (model, version, source, t_min, t_max, rows, ok_rows, requests, served, errors, sheds, data) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning id',
        [s.model, s.version, s.source, s.tMin, s.tMax, s.rows, s.okRows, s.requests, s.served, s.errors, s.sheds, s.data]);
      if (s.unindexed.length) await c.query('insert into mon_request_ids (model, request_id, segment_id) select $1, unnest($2::text[]), $3', [s.model, s.unindexed, r.rows[0].id]);
    }
    await c.query('commit');
  } catch (err) {
    // Any failure: start from a fresh connection next time (a broken one would fail every batch).
    if (client === c) { client = null; c.end().catch(() => {}); }
    throw err;
  }
};
const closeSink = async () => { if (client) await client.end(); };
`;

export function pgRecordSink(url: string): RecordSinkWorker {
  const driverPath = createRequire(import.meta.url).resolve('pg');
  return new RecordSinkWorker(SOURCE, { driverPath, url, applicationName: PG_WRITER_APPLICATION }, null);
}
