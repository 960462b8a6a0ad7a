// Retained predictions on SQLite are written by a worker thread with its own connection to the
// same file (WAL lets it write beside the server's connection): better-sqlite3 is synchronous, so
// on the main thread every insert would take its time out of serving. The main thread transfers a
// columnar batch (its ArrayBuffers move, nothing is copied); the worker assembles the rows with the
// same batchRows() the PostgreSQL path uses and inserts them in short transactions.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { batchRows, RECORD_COLUMNS, type RecordBatch } from './record-batch.js';

// Plain CommonJS evaluated in the worker, so it runs the same under tsx, vitest and the built dist.
// batchRows is self-contained; __name is the helper some transpilers wrap named functions in.
const WORKER_SOURCE = `
const __name = (f) => f;
const batchRows = ${batchRows.toString()};
const { parentPort, workerData } = require('node:worker_threads');
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
const insertAll = (rows) => { for (let i = 0; i < rows.length; i += 256) insertRows(rows, i, Math.min(i + 256, rows.length)); };
parentPort.on('message', (m) => {
  if (m.type === 'close') { db.close(); parentPort.postMessage({ id: m.id, ok: true }); return; }
  try { insertAll(batchRows(m.batch)); parentPort.postMessage({ id: m.id, ok: true }); }
  catch (err) { parentPort.postMessage({ id: m.id, ok: false, error: String((err && err.message) || err) }); }
});
`;

export class SqliteRecordSink {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();

  constructor(file: string) {
    const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driverPath, file, columns: RECORD_COLUMNS } });
    this.worker.unref();
    this.worker.on('message', (m: { id: number; ok: boolean; error?: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (m.ok) p?.resolve();
      else p?.reject(new Error(m.error));
    });
    this.worker.on('error', (err) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
  }

  private call(message: Record<string, unknown>, transfer: ArrayBuffer[] = []): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...message }, transfer);
    });
  }

  /** The batch's buffers move to the worker: it must not be used here afterwards. */
  insert(batch: RecordBatch): Promise<void> {
    return this.call({ type: 'insert', batch: batch.d }, batch.transferList());
  }

  async close(): Promise<void> {
    await this.call({ type: 'close' }).catch(() => {});
    await this.worker.terminate();
  }
}
