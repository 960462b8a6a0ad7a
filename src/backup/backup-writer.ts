// Writes a backup archive: one consistent snapshot of every table, then the blobs its rows name.
// Blobs are immutable and content addressed, so streaming them after the snapshot ended still gives
// exactly the bytes the rows meant. Memory stays flat: rows go out in chunks, blobs as streams.
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import type tar from 'tar-stream';
import type { BlobStore } from '../blobs/blob-store.js';
import { SHA256_RE } from '../blobs/blob-store.js';
import { openSnapshot, type Snapshot, type SnapshotSource } from '../db/snapshot.js';
import { encodeValue } from '../db/row-values.js';
import { dependencyOrder, describeTables, executedMigrations, quoteId, type TableInfo } from '../db/table-catalog.js';
import { VERSION } from '../version.js';
import { BACKUP_FORMAT, BACKUP_FORMAT_VERSION, BLOBS_DIR, END_ENTRY, MANIFEST_ENTRY, tableEntry, type BackupEnd, type BackupManifest } from './backup-format.js';

/** A row chunk closes at this many bytes of NDJSON: small enough to hold, large enough to be few. */
const CHUNK_BYTES = 1024 * 1024;

/** Blobs up to this size are read whole, READ_AHEAD at a time; larger ones stream. */
const SMALL_BLOB = 1024 * 1024;
const READ_AHEAD = 16;

/** A column named sha256 holds a blob's address (version files, MLflow artifacts…): its blobs go in the backup. */
const BLOB_COLUMN = 'sha256';

export interface BackupSummary {
  manifest: BackupManifest;
}

/** Writes the whole backup into `pack` and finalizes it; on failure destroys it (a cut-off archive has no end.json). */
export async function writeBackup(source: SnapshotSource, blobs: BlobStore, pack: tar.Pack): Promise<BackupSummary> {
  try {
    const snapshot = await openSnapshot(source);
    let manifest: BackupManifest;
    let digests: Map<string, number | null>;
    let rows = 0;
    try {
      const tables = dependencyOrder(await describeTables(snapshot.run, snapshot.dialect));
      const migrations = await executedMigrations(snapshot.run, snapshot.dialect);
      digests = await blobDigests(snapshot, tables);
      manifest = {
        format: BACKUP_FORMAT,
        format_version: BACKUP_FORMAT_VERSION,
        stagecraft_version: VERSION,
        created_at: new Date().toISOString(),
        db: snapshot.dialect,
        schema: migrations.at(-1) ?? '',
        migrations,
        tables: [],
        blobs: { count: digests.size, bytes: [...digests.values()].reduce<number>((a, b) => a + (b ?? 0), 0) },
      };
      for (const t of tables) {
        const count = await snapshot.run(`select count(*) as n from ${quoteId(t.name)}`);
        manifest.tables.push({ name: t.name, rows: Number(count[0]!.n), columns: t.columns.map((c) => ({ name: c.name, type: c.type, kind: c.kind })) });
      }
      await addEntry(pack, MANIFEST_ENTRY, Buffer.from(JSON.stringify(manifest, null, 2)));
      for (const t of tables) rows += await writeTable(pack, snapshot, t);
    } finally {
      await snapshot.close();
    }
    await writeBlobs(pack, blobs, [...digests].sort(([a], [b]) => a.localeCompare(b)));
    const end: BackupEnd = { rows, blobs: digests.size };
    await addEntry(pack, END_ENTRY, Buffer.from(JSON.stringify(end)));
    pack.finalize();
    return { manifest };
  } catch (err) {
    pack.destroy(err as Error);
    throw err;
  }
}

/** Every blob address the snapshot's rows hold, with the size a row recorded beside it (if any). */
async function blobDigests(snapshot: Snapshot, tables: readonly TableInfo[]): Promise<Map<string, number | null>> {
  const found = new Map<string, number | null>();
  for (const t of tables.filter((x) => x.columns.some((c) => c.name === BLOB_COLUMN))) {
    const sized = t.columns.some((c) => c.name === 'size');
    const rows = await snapshot.run(`select distinct ${quoteId(BLOB_COLUMN)} as sha256${sized ? ', size' : ''} from ${quoteId(t.name)}`);
    for (const r of rows) {
      const sha256 = String(r.sha256);
      if (!SHA256_RE.test(sha256)) continue;
      if (!found.has(sha256) || found.get(sha256) === null) found.set(sha256, sized ? Number(r.size) : null);
    }
  }
  return found;
}

async function writeTable(pack: tar.Pack, snapshot: Snapshot, table: TableInfo): Promise<number> {
  const names = table.columns.map((c) => c.name);
  let lines: string[] = [];
  let bytes = 0;
  let chunk = 0;
  let rows = 0;
  const flush = async () => {
    if (lines.length === 0) return;
    await addEntry(pack, tableEntry(table.name, ++chunk), Buffer.from(lines.join('')));
    lines = [];
    bytes = 0;
  };
  for await (const batch of snapshot.rows(table.name, names)) {
    for (const row of batch) {
      const line = `${JSON.stringify(row.map((v, i) => encodeValue(v, table.columns[i]!.kind)))}\n`;
      lines.push(line);
      bytes += line.length;
      rows++;
      if (bytes >= CHUNK_BYTES) await flush();
    }
  }
  await flush();
  return rows;
}

/**
 * Blobs in digest order. Small ones are read (and verified) a window ahead, since a registry of many
 * small artifacts spends its time on per-blob latency (an open, or an S3 GET), not on bytes; large
 * ones stream one at a time. Memory stays bounded by the window times SMALL_BLOB.
 */
async function writeBlobs(pack: tar.Pack, blobs: BlobStore, digests: Array<[string, number | null]>): Promise<void> {
  const ahead = new Map<number, Promise<Buffer>>();
  const prefetch = (i: number) => {
    const d = digests[i];
    if (d && d[1] !== null && d[1] <= SMALL_BLOB && !ahead.has(i)) {
      const read = blobs.read(d[0]);
      read.catch(() => {}); // awaited in order below; a failure surfaces there
      ahead.set(i, read);
    }
  };
  for (let i = 0; i < digests.length; i++) {
    for (let j = i; j < i + READ_AHEAD; j++) prefetch(j);
    const [sha256, recorded] = digests[i]!;
    const pending = ahead.get(i);
    ahead.delete(i);
    try {
      if (pending) await addEntry(pack, `${BLOBS_DIR}${sha256}`, await pending);
      else await streamBlob(pack, blobs, sha256, recorded);
    } catch (err) {
      throw new Error(`blob ${sha256} could not be read intact (${(err as Error).message}); run stagecraft blobs verify`, { cause: err });
    }
  }
}

async function streamBlob(pack: tar.Pack, blobs: BlobStore, sha256: string, recorded: number | null): Promise<void> {
  const size = recorded ?? (await blobs.stat(sha256))?.size;
  if (size === undefined) throw new Error('it is referenced but not stored');
  // open() verifies the bytes against their address while streaming: a corrupted blob fails the backup.
  await pipeline(blobs.open(sha256) as Readable, pack.entry({ name: `${BLOBS_DIR}${sha256}`, size }));
}

function addEntry(pack: tar.Pack, name: string, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    pack.entry({ name, size: body.length }, body, (err) => (err ? reject(err) : resolve()));
  });
}
