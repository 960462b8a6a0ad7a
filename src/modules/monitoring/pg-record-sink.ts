// Retained predictions on PostgreSQL are written by a worker thread with its own connection:
// building a batch's rows and its JSON parameter is ~2 µs per row of JavaScript, which on the
// serving thread would come out of serving throughput (docs/benchmarks.md). The connection is
// opened on first use and reopened after an error; a batch that fails is dropped and counted by
// the writer, as on SQLite.
import { createRequire } from 'node:module';
import { RecordSinkWorker } from './record-sink-worker.js';
import { PG_INSERT_RECORDS } from './records-store.js';

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
const insertBatch = async (rows) => {
  if (rows.length === 0) return;
  const c = await connection();
  try { await c.query(workerData.sql, [JSON.stringify(rows)]); }
  // Any failure: start from a fresh connection next time (a broken one would fail every batch).
  catch (err) { if (client === c) { client = null; c.end().catch(() => {}); } throw err; }
};
const closeSink = async () => { if (client) await client.end(); };
`;

export function pgRecordSink(url: string): RecordSinkWorker {
  const driverPath = createRequire(import.meta.url).resolve('pg');
  return new RecordSinkWorker(SOURCE, { driverPath, url, sql: PG_INSERT_RECORDS, applicationName: PG_WRITER_APPLICATION });
}
