// WAL checkpoints off the request thread. In WAL mode with `synchronous = NORMAL` a commit only
// appends to the WAL (no fsync); the fsyncs happen when the WAL is copied back into the database
// file — a checkpoint — which SQLite runs by itself inside whichever commit pushes the WAL past 1,000
// pages. better-sqlite3 is synchronous, so that commit (a stage transition, say) stalled the event
// loop for the copy and two fsyncs: measured, the commit's mean halved and its p99 fell from ~16 ms
// to 4–8 ms without it (docs/benchmarks.md, issue 18). So the server's connection turns automatic
// checkpoints off and a worker thread with its own connection runs a PASSIVE checkpoint every
// second: PASSIVE never blocks a writer or a reader, and copies what no reader still needs.
// Durability is unchanged: a committed transaction is in the WAL either way (NORMAL may lose the
// last commits on power loss, not on a process crash, as before). The worker starts a moment after
// open, so a server's start does not pay for a thread; if it fails, automatic checkpoints come back.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SqliteDatabase from 'better-sqlite3';

const SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driverPath);
const db = new Database(workerData.file);
db.pragma('busy_timeout = 0');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch {
    // Busy or locked (a restore, another process checkpointing): the next tick tries again.
  }
}, workerData.intervalMs);
parentPort.postMessage('ready');
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

const DEFAULT_AUTOCHECKPOINT = 1000; // pages: SQLite's default

export function startCheckpointer(sqlite: SqliteDatabase.Database, file: string, opts: { delayMs?: number; intervalMs?: number } = {}): Checkpointer {
  let worker: Worker | null = null;
  let stopped = false;
  const restore = () => {
    if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT}`);
  };
  const start = () => {
    if (stopped || !sqlite.open) return;
    const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
    const w = new Worker(SOURCE, { eval: true, workerData: { driverPath, file, intervalMs: opts.intervalMs ?? 1000 } });
    worker = w;
    w.unref();
    // Automatic checkpoints go off only once the worker's connection is open and checkpointing.
    w.once('message', () => {
      if (!stopped && sqlite.open) sqlite.pragma('wal_autocheckpoint = 0');
    });
    w.once('error', () => {
      worker = null;
      restore();
    });
    w.once('exit', () => {
      if (worker === w) worker = null;
      if (!stopped) restore();
    });
  };
  const timer = setTimeout(start, opts.delayMs ?? 1000);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      const w = worker;
      worker = null;
      if (!w) return;
      const exited = new Promise((resolve) => w.once('exit', resolve));
      // Referenced while it closes: an unreferenced worker would let the process end mid-close.
      w.ref();
      w.postMessage('stop');
      await exited;
      // The main connection, now the last one, checkpoints and removes the WAL when it closes.
    },
  };
}
