// npx tsx bench/quiet-segments.ts — on-disk bytes per retained prediction when each writer flush
// holds one row (a model at about a request a second: one segment per flush) against full
// 2,048-row batches (steady traffic), through the real writer thread into the real SQLite schema.
import path from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { defaultConfig } from '../src/config.js';
import { createDeps } from '../src/deps.js';
import { requestId } from '../src/http/request-id.js';
import { createLogger } from '../src/log.js';
import { DEFAULT_RETENTION, RecordWriter } from '../src/observe/records/record-writer.js';
import { benchTempDir, removeBenchTempDir } from './harness.js';

const N = 20_000;
const dir = benchTempDir('stagecraft-bench-quiet-');
const deps = await createDeps({ ...defaultConfig(), dataDir: dir, logLevel: 'silent' }, { log: createLogger('silent') });
const writer = new RecordWriter(deps, { ...DEFAULT_RETENTION, flushMs: 1_000_000 });
const file = path.join(dir, 'registry.sqlite');

/** Bytes in use in the database file, after folding the WAL into it. */
async function usedBytes(): Promise<number> {
  await sql`pragma wal_checkpoint(TRUNCATE)`.execute(deps.db);
  const db = new Database(file, { readonly: true });
  const page = db.pragma('page_size', { simple: true }) as number;
  const used = ((db.pragma('page_count', { simple: true }) as number) - (db.pragma('freelist_count', { simple: true }) as number)) * page;
  db.close();
  return used;
}

const inputs = { amount: [120.5], velocity: [3], foreign: [0], night: [1] };
const perPrediction: Record<number, number> = {};
for (const rowsPerFlush of [2048, 1]) {
  const before = await usedBytes();
  for (let i = 0; i < N; i++) {
    writer.push({ model: 'fraud', binding: 'stage:Production', version: 1, requestId: requestId(), time: Date.now(), latencyMs: 0.4, outcome: 'ok', inputs, predictions: [0.12] });
    if ((i + 1) % rowsPerFlush === 0) await writer.flush();
  }
  await writer.flush();
  perPrediction[rowsPerFlush] = ((await usedBytes()) - before) / N;
}
console.log(`SQLite bytes on disk per retained prediction (${N.toLocaleString('en')} predictions, 4 features, server-issued ids):`);
console.log(`   full batches (2,048 rows per flush, steady traffic): ${perPrediction[2048].toFixed(0)}`);
console.log(`   one row per flush (a quiet model):                   ${perPrediction[1].toFixed(0)}  (${(perPrediction[1] / perPrediction[2048]).toFixed(1)}x; ${(perPrediction[1] - perPrediction[2048]).toFixed(0)} bytes fixed per segment)`);
await writer.stop();
await deps.close();
removeBenchTempDir(dir);
