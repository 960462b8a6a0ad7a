// Shared by the backup tests and the benchmark: a registry with the backup route listening, a
// backup fetched to a file, a restore into a fresh target of either kind, and the checks that a
// restored registry is whole (every version's blobs intact, every event's version present).
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AddressInfo } from 'node:net';
import { sql, type Kysely } from 'kysely';
import { FsBlobStore } from '../src/blobs/fs-blob-store.js';
import { restoreBackup, type RestoreResult } from '../src/backup/restore.js';
import { defaultConfig, type Config } from '../src/config.js';
import { openUnmigrated } from '../src/db/database.js';
import type { Database } from '../src/db/tables.js';
import type { BlobStore } from '../src/blobs/blob-store.js';
import type { App } from '../src/http/app-types.js';
import { freshPostgresUrl, tempDir, type DbKind } from './databases.js';

/** Listens on 127.0.0.1:0 and answers the base URL. */
export async function listen(app: App): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
}

/** GET /api/v1/backup streamed into a file. */
export async function fetchBackup(url: string, file: string): Promise<void> {
  const res = await fetch(`${url}/api/v1/backup`);
  if (!res.ok) throw new Error(`backup failed: ${res.status} ${await res.text()}`);
  await pipeline(Readable.fromWeb(res.body! as Parameters<typeof Readable.fromWeb>[0]), fs.createWriteStream(file));
}

/** An empty data directory, with a fresh PostgreSQL database for kind postgres. */
export async function emptyTarget(kind: DbKind): Promise<Config> {
  return { ...defaultConfig(), dataDir: tempDir('stagecraft-restore-'), databaseUrl: kind === 'postgres' ? await freshPostgresUrl() : null, logLevel: 'silent' };
}

export function targetBlobs(config: Config): BlobStore {
  return new FsBlobStore(path.join(config.dataDir, 'blobs'));
}

/** Restores `file` into `config`'s (empty) database and data directory. */
export async function restoreInto(file: string, config: Config): Promise<RestoreResult> {
  const opened = openUnmigrated({ databaseUrl: config.databaseUrl, sqliteFile: path.join(config.dataDir, 'registry.sqlite') });
  try {
    return await restoreBackup(fs.createReadStream(file), { opened, blobs: targetBlobs(config) });
  } finally {
    await opened.close();
  }
}

/** Rows a restored database must not hold: versions missing blobs, events naming versions that do not exist. */
export async function inconsistencies(db: Kysely<Database>, blobs: BlobStore): Promise<string[]> {
  const bad: string[] = [];
  const files = await db.selectFrom('version_files').select(['version_id', 'sha256']).execute();
  for (const f of files) {
    const c = await blobs.check(f.sha256);
    if (c.state !== 'ok') bad.push(`version ${f.version_id} blob ${f.sha256} ${c.state}`);
  }
  const orphans = await sql<{ id: number }>`select e.id from events e where e.version is not null and e.model_id is not null
    and not exists (select 1 from versions v where v.model_id = e.model_id and v.version = e.version)`.execute(db);
  for (const o of orphans.rows) bad.push(`event ${o.id} names a version that does not exist`);
  const created = await sql<{ n: number }>`select count(*) as n from events where type = 'version.created'`.execute(db);
  const versions = await sql<{ n: number }>`select count(*) as n from versions`.execute(db);
  if (Number(created.rows[0]!.n) !== Number(versions.rows[0]!.n)) bad.push(`${versions.rows[0]!.n} versions but ${created.rows[0]!.n} version.created events`);
  return bad;
}
