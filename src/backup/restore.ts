// Rebuilds a registry from a backup archive into an empty database and artifact store: the database
// is migrated to the backup's schema, every row goes in inside one transaction (converted for the
// target's kind), every blob is stored only if its bytes hash to its name, and the transaction
// commits only once the whole archive checked out. A failure rolls the rows back and deletes the
// blobs already stored, so nothing half-restored is left; the database stays migrated and empty.
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sql } from 'kysely';
import tar from 'tar-stream';
import { SHA256_RE } from '../blobs/blob-store.js';
import { migrate } from '../db/database.js';
import { MIGRATIONS } from '../db/migrations/index.js';
import { firstNonEmptyTable, insertRows, resetSequences, runnerOf } from '../db/row-copy.js';
import type { JsonValue } from '../db/row-values.js';
import { dependencyOrder, describeTables, executedMigrations, type TableInfo } from '../db/table-catalog.js';
import { BLOBS_DIR, END_ENTRY, MANIFEST_ENTRY, tableOfEntry, type BackupEnd, type BackupManifest } from './backup-format.js';
import { readManifest, RestoreError, seedCounts, type RestoreTarget } from './restore-checks.js';

export { RestoreError, type RestoreTarget } from './restore-checks.js';

/** One archive member as tar-stream's extract yields it. */
type Entry = Readable & { header: { name: string; size?: number } };

/**
 * Blobs up to this size are read whole and stored PUT_WINDOW at a time: a store's put waits on its
 * own fsync (or S3 request), so many small artifacts restore at the store's parallel speed. At most
 * 16 MB are held.
 */
const SMALL_BLOB = 256 * 1024;
const PUT_WINDOW = 64;

export interface RestoreResult {
  manifest: BackupManifest;
  rows: number;
  blobs: number;
  bytes: number;
}

export async function restoreBackup(archive: Readable, target: RestoreTarget): Promise<RestoreResult> {
  const extract = tar.extract();
  const feeding = pipeline(archive, extract).catch((err: Error) => {
    extract.destroy(err);
  });
  const entries = (extract as unknown as AsyncIterable<Entry>)[Symbol.asyncIterator]();
  try {
    const first = await entries.next();
    if (first.done || first.value.header.name !== MANIFEST_ENTRY) throw new RestoreError(`not a Stagecraft backup: it does not start with ${MANIFEST_ENTRY}`);
    const manifest = readManifest(await readAll(first.value));
    await prepareTarget(target, manifest);
    const tables = new Map((await describeTables(runnerOf(target.opened.db), target.opened.caps.name)).map((t) => [t.name, t]));
    for (const t of manifest.tables) {
      const have = tables.get(t.name);
      const missing = t.columns.filter((c) => !have?.columns.some((x) => x.name === c.name));
      if (!have || missing.length) throw new RestoreError(`the backup's table ${t.name} does not fit this Stagecraft's schema ${manifest.schema} (${have ? `no column ${missing[0]!.name}` : 'no such table'})`);
    }
    const stored: string[] = [];
    try {
      const result = await target.opened.db.transaction().execute(async (trx) => {
        // SQLite checks foreign keys at commit; PostgreSQL gets parents first (the archive's order).
        if (target.opened.caps.name === 'sqlite') await sql`pragma defer_foreign_keys = on`.execute(trx);
        // What the migrations seeded (MLflow's Default experiment…) is in the backup too, as it was there.
        for (const t of [...dependencyOrder([...tables.values()])].reverse()) await sql`delete from ${sql.table(t.name)}`.execute(trx);
        const r = await restoreEntries(entries, manifest, tables, target, stored, trx);
        await resetSequences(runnerOf(trx), target.opened.caps.name, [...tables.values()]);
        return r;
      });
      // The rows fit the backup's schema; now bring them to this program's (the data migrations run on them).
      await migrate(target.opened);
      return result;
    } catch (err) {
      for (const sha256 of stored) await target.blobs.delete(sha256).catch(() => false);
      throw err;
    }
  } finally {
    extract.destroy();
    archive.destroy();
    await feeding;
  }
}

/** Refuses a target holding anything; migrates an empty one to the backup's schema. */
async function prepareTarget(target: RestoreTarget, manifest: BackupManifest): Promise<void> {
  const { opened } = target;
  const run = runnerOf(opened.db);
  const full = await firstNonEmptyTable(run, await describeTables(run, opened.caps.name), await seedCounts(manifest.schema));
  if (full) throw new RestoreError(`the target database is not empty (table ${full} has rows): restore only into a new, empty database or data directory`);
  for await (const b of target.blobs.list()) {
    // One is enough to refuse.
    throw new RestoreError(`the target artifact store is not empty (it holds blob ${b.sha256}): restore only into an empty one`);
  }
  const known = new Set(MIGRATIONS.map(([name]) => name));
  const unknown = manifest.migrations.filter((m) => !known.has(m));
  if (unknown.length) throw new RestoreError(`the backup is from a newer Stagecraft (${manifest.stagecraft_version}; migration ${unknown[0]} is unknown here): restore it with that version or later`);
  const ran = await executedMigrations(run, opened.caps.name);
  const ahead = ran.filter((m) => !manifest.migrations.includes(m));
  if (ahead.length) throw new RestoreError(`the target database is already migrated past the backup's schema (${ahead[0]}): restore into a new database`);
  if (manifest.schema) await migrate(opened, manifest.schema);
}

async function restoreEntries(
  entries: AsyncIterator<Entry>,
  manifest: BackupManifest,
  tables: Map<string, TableInfo>,
  target: RestoreTarget,
  stored: string[],
  trx: Parameters<typeof insertRows>[0],
): Promise<RestoreResult> {
  const rowsOf = new Map<string, number>();
  let blobs = 0;
  let bytes = 0;
  let ended = false;
  const inflight: Array<Promise<void>> = [];
  try {
    for (let next = await entries.next(); !next.done; next = await entries.next()) {
      const entry = next.value;
      const name = entry.header.name;
      const table = tableOfEntry(name);
      if (ended) throw new RestoreError(`the archive goes on after ${END_ENTRY} (${name}): it was altered`);
      if (table) {
        const spec = manifest.tables.find((t) => t.name === table);
        if (!spec) throw new RestoreError(`the archive holds rows of table ${table}, which its manifest does not list`);
        const rows = (await readAll(entry)).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as JsonValue[]);
        await insertRows(trx, tables.get(table)!, spec.columns.map((c) => c.name), rows);
        rowsOf.set(table, (rowsOf.get(table) ?? 0) + rows.length);
      } else if (name.startsWith(BLOBS_DIR)) {
        const sha256 = name.slice(BLOBS_DIR.length);
        if (!SHA256_RE.test(sha256)) throw new RestoreError(`the archive holds ${name}, which is not named by a sha256`);
        // Small blobs are stored a window at a time (each put waits on its own fsync or S3 request); large ones stream.
        const small = (entry.header.size ?? Infinity) <= SMALL_BLOB;
        const put = store(target, sha256, small ? await readAll(entry) : entry, stored).then((size) => {
          bytes += size;
        });
        blobs++;
        if (small) {
          put.catch(() => {}); // awaited below; the first failure fails the restore
          inflight.push(put);
          if (inflight.length >= PUT_WINDOW) await inflight.shift();
        } else await put;
      } else if (name === END_ENTRY) {
        const end = JSON.parse((await readAll(entry)).toString('utf8')) as BackupEnd;
        if (end.blobs !== blobs) throw new RestoreError(`the archive holds ${blobs} blob(s) but its end says ${end.blobs}; nothing was restored`);
        ended = true;
      } else {
        throw new RestoreError(`the archive holds ${name}, which is not part of a Stagecraft backup`);
      }
    }
    await Promise.all(inflight);
  } catch (err) {
    // Every put settles before the caller deletes what was stored: none may land after the cleanup.
    await Promise.allSettled(inflight);
    throw err;
  }
  if (!ended) throw new RestoreError(`the archive is cut off (no ${END_ENTRY}): the backup did not finish; nothing was restored`);
  for (const t of manifest.tables) {
    const got = rowsOf.get(t.name) ?? 0;
    if (got !== t.rows) throw new RestoreError(`table ${t.name}: the archive holds ${got} row(s), its manifest says ${t.rows}; nothing was restored`);
  }
  if (blobs !== manifest.blobs.count) throw new RestoreError(`the archive holds ${blobs} blob(s), its manifest says ${manifest.blobs.count}; nothing was restored`);
  return { manifest, rows: [...rowsOf.values()].reduce((a, b) => a + b, 0), blobs, bytes };
}

/** Stores one blob only if its bytes hash to the name the archive gives them; answers its size. */
async function store(target: RestoreTarget, sha256: string, bytes: Buffer | Readable, stored: string[]): Promise<number> {
  try {
    const put = await target.blobs.put(bytes, { expectedSha256: sha256 });
    if (put.created) stored.push(sha256);
    return put.size;
  } catch (err) {
    throw new RestoreError(`blob ${sha256} in the archive does not hash to its name (${(err as Error).message}): the archive is corrupted or was tampered with; nothing was restored`, { cause: err });
  }
}

async function readAll(entry: Entry): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of entry as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

