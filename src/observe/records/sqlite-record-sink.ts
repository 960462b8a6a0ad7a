// Retained predictions on SQLite are written on a worker thread with its own connection to the
// same file (WAL lets it write beside the server's connection): better-sqlite3 is synchronous, so
// on the main thread every insert would take its time out of serving. The thread is the file's
// shared one (db/job-thread.ts), where the WAL checkpointer also runs.
import { createRequire } from 'node:module';
import { RecordSinkWorker } from './record-sink-worker.js';

const SOURCE = `
const Database = require(workerData.driverPath);
const db = new Database(workerData.file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 10000');
const insertSegment = db.prepare('insert into mon_segments (model, version, source, t_min, t_max, rows, ok_rows, requests, served, errors, sheds, data) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)');
const insertId = db.prepare('insert into mon_request_ids (model, request_id, segment_id) values (?, ?, ?)');
// One short transaction per batch: SQLite has one writer at a time, and the server's own writes
// (guard lease, events) wait in a busy handler while this holds the lock.
const insertSegments = db.transaction((segments) => {
  for (const s of segments) {
    const { lastInsertRowid } = insertSegment.run(s.model, s.version, s.source, s.tMin, s.tMax, s.rows, s.okRows, s.requests, s.served, s.errors, s.sheds, s.data);
    for (const id of s.unindexed) insertId.run(s.model, id, lastInsertRowid);
  }
});
const closeSink = () => db.close();
`;

export function sqliteRecordSink(file: string): RecordSinkWorker {
  const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
  return new RecordSinkWorker(SOURCE, { driverPath, file }, file);
}
