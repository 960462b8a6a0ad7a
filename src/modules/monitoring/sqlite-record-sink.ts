// Retained predictions on SQLite are written by a worker thread with its own connection to the
// same file (WAL lets it write beside the server's connection): better-sqlite3 is synchronous, so
// on the main thread every insert would take its time out of serving. The main thread only posts
// plain arrays; the worker inserts each batch in one transaction with a prepared statement.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { NewRecord } from './records-store.js';

const COLUMNS = ['request_id', 'row', 'model', 'version', 'binding', 'time', 'latency_ms', 'outcome', 'features', 'pred_num', 'pred_text'] as const;

// Plain CommonJS evaluated in the worker, so it runs the same under tsx, vitest and the built dist.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const db = new Database(workerData.file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 10000');
const cols = workerData.columns;
const insert = db.prepare('insert into mon_records (' + cols.join(', ') + ') values (' + cols.map(() => '?').join(', ') + ') on conflict (request_id, row) do nothing');
const insertAll = db.transaction((rows) => { for (const r of rows) insert.run(r); });
parentPort.on('message', (m) => {
  if (m.type === 'close') { db.close(); parentPort.postMessage({ id: m.id, ok: true }); return; }
  try { insertAll(m.rows); parentPort.postMessage({ id: m.id, ok: true }); }
  catch (err) { parentPort.postMessage({ id: m.id, ok: false, error: String((err && err.message) || err) }); }
});
`;

export class SqliteRecordSink {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();

  constructor(file: string) {
    const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { driverPath, file, columns: COLUMNS } });
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

  private call(message: Record<string, unknown>): Promise<void> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, ...message });
    });
  }

  insert(rows: NewRecord[]): Promise<void> {
    return this.call({ type: 'insert', rows: rows.map((r) => COLUMNS.map((c) => r[c] ?? null)) });
  }

  async close(): Promise<void> {
    await this.call({ type: 'close' }).catch(() => {});
    await this.worker.terminate();
  }
}
