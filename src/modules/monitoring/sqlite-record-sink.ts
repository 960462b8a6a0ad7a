// Retained predictions on SQLite are written by a worker thread with its own connection to the
// same file (WAL lets it write beside the server's connection): better-sqlite3 is synchronous, so
// on the main thread every insert would take its time out of serving.
import { createRequire } from 'node:module';
import { RECORD_COLUMNS } from './record-batch.js';
import { RecordSinkWorker } from './record-sink-worker.js';

const SOURCE = `
const Database = require(workerData.driverPath);
const db = new Database(workerData.file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 10000');
const cols = workerData.columns;
// Multi-row statements of 64 rows (704 parameters): fewer statement executions per row (measured a
// few percent cheaper in bench/monitoring.ts's cost section).
const values = (n) => Array.from({ length: n }, () => '(' + cols.map(() => '?').join(', ') + ')').join(', ');
const statement = (n) => db.prepare('insert into mon_records (' + cols.join(', ') + ') values ' + values(n) + ' on conflict (request_id, row) do nothing');
const insert64 = statement(64);
const insert1 = statement(1);
const insertRows = db.transaction((rows, from, to) => {
  let i = from;
  for (; i + 64 <= to; i += 64) {
    const params = [];
    for (let j = i; j < i + 64; j++) for (const v of rows[j]) params.push(v);
    insert64.run(params);
  }
  for (; i < to; i++) insert1.run(rows[i]);
});
// Short transactions: SQLite has one writer at a time, and the server's own writes (guard lease,
// events) wait in a sleeping busy handler on the serving thread while one of these holds the lock.
const insertBatch = (rows) => { for (let i = 0; i < rows.length; i += 256) insertRows(rows, i, Math.min(i + 256, rows.length)); };
const closeSink = () => db.close();
`;

export function sqliteRecordSink(file: string): RecordSinkWorker {
  const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
  return new RecordSinkWorker(SOURCE, { driverPath, file, columns: RECORD_COLUMNS });
}
