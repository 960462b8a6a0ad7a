import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { afterEach, expect, test } from 'vitest';
import { startCheckpointer, type Checkpointer } from './sqlite-checkpointer.js';

const dirs: string[] = [];
const open: Array<{ sqlite: SqliteDatabase.Database; cp: Checkpointer }> = [];
afterEach(async () => {
  for (const o of open.splice(0)) {
    await o.cp.stop();
    o.sqlite.close();
  }
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function fileDb() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sc-ckpt-'));
  dirs.push(dir);
  const file = path.join(dir, 'db.sqlite');
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.exec('create table t (id integer primary key, v blob)');
  return { sqlite, file };
}

const autocheckpoint = (db: SqliteDatabase.Database) => db.pragma('wal_autocheckpoint', { simple: true }) as number;

async function until(what: () => boolean, ms = 10_000): Promise<void> {
  const t0 = Date.now();
  while (!what()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('the worker takes over checkpoints: commits stop checkpointing, yet the WAL is copied back', async () => {
  const { sqlite, file } = fileDb();
  sqlite.pragma('wal_checkpoint(TRUNCATE)');
  const before = fs.statSync(file).size;
  const cp = startCheckpointer(sqlite, file, { delayMs: 0, intervalMs: 50 });
  open.push({ sqlite, cp });
  await until(() => autocheckpoint(sqlite) === 0);
  const insert = sqlite.prepare('insert into t (v) values (?)');
  for (let i = 0; i < 300; i++) insert.run(Buffer.alloc(8192, i)); // ~600 WAL pages
  // Pages reach the database file only through a checkpoint, and this connection runs none.
  await until(() => fs.statSync(file).size >= before + 300 * 8192);
  expect(sqlite.prepare('select count(*) as n from t').get()).toEqual({ n: 300 });
});

test('stopping before the delay starts no worker and leaves automatic checkpoints on', async () => {
  const { sqlite, file } = fileDb();
  const cp = startCheckpointer(sqlite, file, { delayMs: 10_000 });
  await cp.stop();
  sqlite.close();
  const again = new SqliteDatabase(file);
  expect(autocheckpoint(again)).toBe(1000);
  again.close();
});

test('after a stop, automatic checkpoints stay off only for the closing connection', async () => {
  const { sqlite, file } = fileDb();
  const cp = startCheckpointer(sqlite, file, { delayMs: 0, intervalMs: 50 });
  await until(() => autocheckpoint(sqlite) === 0);
  await cp.stop();
  sqlite.close();
  // The WAL was folded back when the last connection closed.
  expect(fs.existsSync(`${file}-wal`)).toBe(false);
});

test('stop() finishes even when nothing else keeps the process alive (the worker is unreferenced)', () => {
  const { sqlite, file } = fileDb();
  sqlite.close();
  const script = path.join(path.dirname(file), 'stop.mjs');
  fs.writeFileSync(
    script,
    `
    import SqliteDatabase from ${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))};
    import { startCheckpointer } from ${JSON.stringify(new URL('./sqlite-checkpointer.ts', import.meta.url).href)};
    const sqlite = new SqliteDatabase(${JSON.stringify(file)});
    const cp = startCheckpointer(sqlite, ${JSON.stringify(file)}, { delayMs: 0, intervalMs: 20 });
    while (sqlite.pragma('wal_autocheckpoint', { simple: true }) !== 0) await new Promise((r) => setTimeout(r, 10));
    await cp.stop();
    sqlite.close();
    console.log('closed');
  `,
  );
  const out = execFileSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8', timeout: 30_000 });
  expect(out.trim()).toBe('closed');
});
