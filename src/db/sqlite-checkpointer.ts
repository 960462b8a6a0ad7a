// WAL checkpoints off the request thread. In WAL mode with `synchronous = NORMAL` a commit only
// appends to the WAL (no fsync); the fsyncs happen when the WAL is copied back into the database
// file — a checkpoint — which SQLite runs by itself inside whichever commit pushes the WAL past 1,000
// pages. better-sqlite3 is synchronous, so that commit (a stage transition, say) stalled the event
// loop for the copy and two fsyncs: measured, the commit's mean halved and its p99 fell from ~16 ms
// to 4–8 ms without it (docs/benchmarks.md, issue 18). So the server's connection turns automatic
// checkpoints off and a job on a worker thread with its own connection runs a PASSIVE checkpoint
// every second: PASSIVE never blocks a writer or a reader, and copies what no reader still needs.
// The job runs on the file's shared thread (job-thread.ts), which the prediction writer also uses
// when monitoring is on: a thread of its own would cost ~8–10 MB of RSS (issue 18.6).
// Durability is unchanged: a committed transaction is in the WAL either way (NORMAL may lose the
// last commits on power loss, not on a process crash, as before). The job starts a moment after
// open, so a server's start does not pay for a thread; if it fails, automatic checkpoints come back.
import { createRequire } from 'node:module';
import type SqliteDatabase from 'better-sqlite3';
import { startJob, type Job } from './job-thread.js';

const SOURCE = `
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
  parentPort.postMessage('stopped');
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

const DEFAULT_AUTOCHECKPOINT = 1000; // pages: SQLite's default

export function startCheckpointer(sqlite: SqliteDatabase.Database, file: string, opts: { delayMs?: number; intervalMs?: number } = {}): Checkpointer {
  let job: Job | null = null;
  let stopped = false;
  const restore = () => {
    if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT}`);
  };
  const start = () => {
    if (stopped || !sqlite.open) return;
    const driverPath = createRequire(import.meta.url).resolve('better-sqlite3');
    const j = startJob(SOURCE, { driverPath, file, intervalMs: opts.intervalMs ?? 1000 }, file);
    job = j;
    // Automatic checkpoints go off only once the job's connection is open and checkpointing.
    j.onMessage((m) => {
      if (m === 'ready' && !stopped && sqlite.open) sqlite.pragma('wal_autocheckpoint = 0');
    });
    // The job failed at setup, or its thread died: automatic checkpoints come back.
    j.port.once('close', () => {
      if (job === j) job = null;
      if (!stopped) restore();
    });
  };
  const timer = setTimeout(start, opts.delayMs ?? 1000);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      const j = job;
      job = null;
      if (!j) return;
      if (!j.closed) {
        const done = new Promise((resolve) => {
          j.onMessage(resolve);
          j.port.once('close', resolve);
        });
        j.ref();
        j.port.postMessage('stop');
        await done;
      }
      await j.detach();
      // The main connection, now the last one, checkpoints and removes the WAL when it closes.
    },
  };
}
